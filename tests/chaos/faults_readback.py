"""What the provider-fault chaos tests read back: every system as its own API shows it, and
the tally of records lost (owed but not there) and doubled (there twice) after a fault."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field

import requests
from sqlalchemy import select

from revhub.sandbox.tls import trusting_session
from revhub.store import Customer, Link, OutboxMessage
from tests.integration.clients import stripe_client

XERO_API = "/api.xro/2.0"
SF_API = "/services/data/v62.0"


@dataclass
class Tally:
    lost: list[str] = field(default_factory=list)
    doubled: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.lost += other.lost
        self.doubled += other.doubled


def _twice(values, what: str) -> list[str]:
    return [f"{what} {value!r} x{count}" for value, count in Counter(values).items() if value and count > 1]


# -- each provider, read as a user of its API would ----------------------------------------
def xero_headers(running) -> dict[str, str]:
    xero = running["xero"]
    token = requests.post(f"{xero.url}/__sandbox/tokens").json()["access_token"]
    return {"Authorization": f"Bearer {token}", "xero-tenant-id": xero.settings["tenant_id"],
            "Accept": "application/json"}


def xero_all(running, resource: str) -> list[dict]:
    """Every record of a paged Xero collection."""
    headers, found, page = xero_headers(running), [], 1
    while True:
        response = requests.get(f"{running['xero'].url}{XERO_API}/{resource}",
                                params={"page": page, "pageSize": 1000}, headers=headers)
        assert response.status_code == 200, response.text
        batch = response.json()[resource]
        found += batch
        if len(batch) < 1000:
            return found
        page += 1


def salesforce_rows(running, soql: str) -> list[dict]:
    sf = running["salesforce"]
    session = trusting_session(sf.settings["ca_bundle"])
    response = session.get(f"{sf.url}{SF_API}/queryAll", params={"q": soql},
                           headers={"Authorization": f"Bearer {sf.sandbox.sessions.static_token}"})
    assert response.status_code == 200, response.text
    return [r for r in response.json()["records"] if not r.get("IsDeleted")]


def stripe_all(running, resource: str) -> list[dict]:
    listing = getattr(stripe_client(running).v1, resource).list(params={"limit": 100})
    return [obj.to_dict() for obj in listing.auto_paging_iter()]


# -- write-back: every message sent, once ---------------------------------------------------
def _links(db, system: str, entity: str) -> list[str]:
    with db.session() as s:
        return list(s.scalars(select(Link.external_id).where(Link.system == system, Link.entity == entity)))


def _missing(db, system: str, entity: str, remote_ids: set[str]) -> list[str]:
    return [f"{system} {entity} {x} linked but not in {system}" for x in _links(db, system, entity)
            if x.lower() not in remote_ids]


def writeback_tally(db, running) -> Tally:
    """Lost: a write not sent, or linked to a record the target does not have. Doubled: one
    canonical record written twice (by the keys each target is written with)."""
    tally = Tally()
    with db.session() as s:
        unsent = s.execute(select(OutboxMessage.target_system, OutboxMessage.entity, OutboxMessage.status,
                                  OutboxMessage.last_error)
                           .where(OutboxMessage.status.notin_(("sent", "skipped", "superseded")))).all()
    tally.lost += [f"outbox {t}/{e} {status}: {error}" for t, e, status, error in unsent]
    if "xero" in running.running:
        invoices = [i for i in xero_all(running, "Invoices") if i["Type"] == "ACCREC" and i["Status"] != "DELETED"]
        contacts = xero_all(running, "Contacts")
        payments = [p for p in xero_all(running, "Payments") if p["Status"] == "AUTHORISED"]
        tally.lost += _missing(db, "xero", "invoice", {i["InvoiceID"].lower() for i in invoices})
        tally.lost += _missing(db, "xero", "customer", {c["ContactID"].lower() for c in contacts})
        tally.lost += _missing(db, "xero", "payment", {p["PaymentID"].lower() for p in payments})
        tally.doubled += _twice([i.get("InvoiceNumber") for i in invoices], "Xero invoice number")
        tally.doubled += _twice([c["Name"] for c in contacts], "Xero contact")
        tally.doubled += _twice([p.get("Reference") for p in payments], "Xero payment reference")
        spent = xero_all(running, "BankTransactions")
        # A bank transfer shows as two transactions (SPEND- and RECEIVE-TRANSFER) of one reference.
        tally.doubled += _twice([(b["Type"], b.get("Reference")) for b in spent
                                 if b["Status"] != "DELETED" and b.get("Reference")],
                                "Xero bank transaction (type, reference)")
    if "salesforce" in running.running:
        orders = salesforce_rows(running, "SELECT Id, Revhub_Id__c, IsDeleted FROM Purchase_Order__c")
        tally.lost += _missing(db, "salesforce", "purchase_order", {o["Id"].lower() for o in orders})
        tally.doubled += _twice([o.get("Revhub_Id__c") for o in orders], "Salesforce PO Revhub_Id__c")
    if "stripe" in running.running:
        customers, invoices = stripe_all(running, "customers"), stripe_all(running, "invoices")
        tally.lost += _missing(db, "stripe", "customer", {c["id"].lower() for c in customers})
        tally.lost += _missing(db, "stripe", "invoice", {i["id"].lower() for i in invoices})
        tally.doubled += _twice([(c.get("metadata") or {}).get("revhub_id") for c in customers],
                                "Stripe customer revhub_id")
        tally.doubled += _twice([(i.get("metadata") or {}).get("revhub_id") for i in invoices],
                                "Stripe invoice revhub_id")
    return tally


# -- sync: every new remote record in the store, once ---------------------------------------
def new_remote_customers(running, tag: str) -> dict[str, str]:
    """One new customer made in each system by its own API; {provider: email}."""
    made = {}
    if "stripe" in running.running:
        email = f"ap@stripe-{tag}.example"
        stripe_client(running).v1.customers.create(params={"name": f"Stripe {tag} GmbH", "email": email})
        made["stripe"] = email
    if "xero" in running.running:
        email = f"ap@xero-{tag}.example"
        response = requests.put(f"{running['xero'].url}{XERO_API}/Contacts", headers=xero_headers(running),
                                json={"Contacts": [{"Name": f"Xero {tag} BV", "EmailAddress": email,
                                                    "IsCustomer": True}]})
        assert response.status_code == 200, response.text
        made["xero"] = email
    if "salesforce" in running.running:
        sf = running["salesforce"]
        email = f"ap@salesforce-{tag}.example"
        headers = {"Authorization": f"Bearer {sf.sandbox.sessions.static_token}"}
        response = trusting_session(sf.settings["ca_bundle"]).post(
            f"{sf.url}{SF_API}/sobjects/Account", headers=headers,
            json={"Name": f"Salesforce {tag} Ltd", "Billing_Email__c": email, "BillingCountry": "GB"})
        assert response.status_code == 201, response.text
        made["salesforce"] = email
    return made


def sync_tally(db, made: dict[str, str]) -> Tally:
    """Each new remote customer is one canonical customer, linked to its system."""
    tally = Tally()
    with db.session() as s:
        for provider, email in made.items():
            ids: list[uuid.UUID] = list(s.scalars(select(Customer.id).where(Customer.email == email)))
            if not ids:
                tally.lost.append(f"{provider} customer {email} not in the store")
                continue
            if len(ids) > 1:
                tally.doubled.append(f"{provider} customer {email} x{len(ids)} in the store")
            links = s.scalars(select(Link.external_id).where(Link.system == provider, Link.entity == "customer",
                                                             Link.canonical_id.in_(ids))).all()
            if not links:
                tally.lost.append(f"{provider} customer {email} not linked to {provider}")
    return tally
