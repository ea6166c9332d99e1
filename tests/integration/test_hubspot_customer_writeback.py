"""Customers written back to HubSpot companies, as Salesforce Accounts get them: a conflict an
admin settles, a customer's own edit on the portal, each read back through hubspot-api-client;
the echo of revhub's write is no change and no conflict; a retried write sends nothing twice."""

from __future__ import annotations

import pytest
import requests
from hubspot import HubSpot
from sqlalchemy import func, select

from revhub.mappings.outbox import OutboxWorker
from revhub.portal.company import apply_company, current
from revhub.store import Conflict, Connection, Customer, Link, OutboxMessage
from revhub.sync.jobs import plan, sync_all, sync_one
from revhub.sync.resolution import resolve_conflict

pytestmark = pytest.mark.store

COMPANY_PROPERTIES = ["name", "address", "address2", "city", "state", "zip", "country", "billing_email", "tax_id"]


@pytest.fixture
def crm_and_books(db, vault, sandboxes):
    running = sandboxes("hubspot", "xero", companies=2)
    results = sync_all(db, vault, plan(db))
    assert all(r.status == "succeeded" for r in results), [(r.connection, r.entity, r.note) for r in results]
    return running


def _sdk(running) -> HubSpot:
    portal = running["hubspot"]
    return HubSpot(access_token=portal.credentials["access_token"], host=portal.url)


def _company(running, company_id: str) -> dict:
    return _sdk(running).crm.companies.basic_api.get_by_id(
        company_id, properties=COMPANY_PROPERTIES).properties


def _held_by_both(db) -> tuple[Customer, dict[str, str]]:
    """A customer HubSpot and Xero both hold, and its id in each."""
    with db.session() as s:
        for customer in s.scalars(select(Customer).order_by(Customer.name)):
            links = dict(s.execute(select(Link.system, Link.external_id).where(
                Link.entity == "customer", Link.canonical_id == customer.id)).all())
            if {"hubspot", "xero"} <= set(links):
                return customer, links
    raise AssertionError("no customer is held by both HubSpot and Xero")


def _ask_for(db, field: str) -> None:
    with db.session(write=True) as s:
        for connection in s.scalars(select(Connection)):
            connection.settings = {**connection.settings, "policies": {field: "ask"}}


def _rename_in_xero(running, contact_id: str, name: str) -> None:
    xero = running["xero"]
    tokens = requests.post(f"{xero.url}/__sandbox/tokens").json()
    answer = requests.post(f"{xero.url}/api.xro/2.0/Contacts/{contact_id}",
                           json={"Contacts": [{"ContactID": contact_id, "Name": name}]},
                           headers={"Authorization": f"Bearer {tokens['access_token']}",
                                    "xero-tenant-id": xero.settings["tenant_id"]})
    assert answer.status_code == 200, answer.text


def _open_conflicts(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Conflict).where(Conflict.status == "open"))


def _company_patches(running, company_id: str) -> int:
    return sum(1 for r in running["hubspot"].sandbox.requests.entries()
               if r.method == "PATCH" and r.path == f"/crm/v3/objects/companies/{company_id}")


def test_a_name_settled_by_an_admin_is_written_to_the_hubspot_company_and_its_echo_is_no_conflict(
        db, vault, crm_and_books):
    running = crm_and_books
    _ask_for(db, "customer.name")
    customer, links = _held_by_both(db)
    running.clock.advance(600)
    _sdk(running).crm.companies.basic_api.update(links["hubspot"], {"properties": {
        "name": "Renamed In HubSpot Ltd"}})
    _rename_in_xero(running, links["xero"], "Renamed In Xero BV")
    sync_all(db, vault, plan(db, entity="customer"))
    with db.session(write=True) as s:
        conflict = s.scalars(select(Conflict).where(Conflict.field == "name", Conflict.status == "open")).one()
        take = "incoming" if conflict.incoming_value == "Renamed In Xero BV" else "current"
        settled = resolve_conflict(s, conflict.id, take, actor="test:admin")
        assert settled.status == "resolved", settled.resolution  # HubSpot is written, not read-only

    assert OutboxWorker(db, vault, "w").drain().dead == 0

    assert _company(running, links["hubspot"])["name"] == "Renamed In Xero BV"
    running.clock.advance(120)
    echo = sync_one(db, vault, "hubspot", "customer")
    assert echo.status == "succeeded" and echo.counts.conflicts == 0 and echo.counts.updated == 0, echo.counts
    assert _open_conflicts(db) == 0
    with db.session() as s:
        assert s.get(Customer, customer.id).name == "Renamed In Xero BV"


def test_a_customers_portal_edit_reaches_the_company_once_and_reads_back_unchanged(db, vault, crm_and_books):
    running = crm_and_books
    customer, links = _held_by_both(db)
    with db.session(write=True) as s:
        row = s.get(Customer, customer.id)
        details = {**current(row), "ap_email": "payables@renamed.example", "vat_number": "NL123456789B01",
                   "billing_line1": "Keizersgracht 1", "billing_city": "Amsterdam", "billing_postal_code": "1015 CJ",
                   "billing_country": "NL"}
        assert apply_company(s, row, details, actor="portal:ap@example.com")
        # The AP mailbox is a person's to settle (policy "ask"): it waits as a conflict, settled here.
        conflict = s.scalars(select(Conflict).where(Conflict.record_id == customer.id,
                                                    Conflict.status == "open")).one()
        assert (conflict.field, conflict.incoming_value) == ("email", "payables@renamed.example")
        resolve_conflict(s, conflict.id, "incoming", actor="test:admin")

    assert OutboxWorker(db, vault, "w").drain().dead == 0

    company = _company(running, links["hubspot"])
    assert company["billing_email"] == "payables@renamed.example"
    # The address is the CRM's and the VAT number the ledger's (the default policies): revhub's
    # edit of them was settled for their owners, so the company keeps what it had.
    assert (company["tax_id"], company["address"], company["city"]) == (
        customer.tax_id, customer.billing_line1, customer.billing_city)
    patches = _company_patches(running, links["hubspot"])
    assert patches == 1
    # Every message delivered again (a lost acknowledgement): the company already holds it all.
    with db.session(write=True) as s:
        for message in s.scalars(select(OutboxMessage).where(
                OutboxMessage.record_id == customer.id, OutboxMessage.target_system == "hubspot",
                OutboxMessage.entity == "customer")):
            message.status, message.attempts, message.next_attempt_at = "pending", 0, None
    assert OutboxWorker(db, vault, "w").drain().dead == 0
    assert _company_patches(running, links["hubspot"]) == patches

    running.clock.advance(120)
    echo = sync_one(db, vault, "hubspot", "customer")
    assert echo.status == "succeeded" and echo.counts.conflicts == 0 and echo.counts.updated == 0, echo.counts
    assert _open_conflicts(db) == 0


def test_a_hubspot_edit_of_the_vat_number_the_ledger_owns_is_a_conflict_settled_as_for_salesforce(
        db, vault, crm_and_books):
    running = crm_and_books
    customer, links = _held_by_both(db)
    running.clock.advance(600)
    _sdk(running).crm.companies.basic_api.update(links["hubspot"], {"properties": {
        "tax_id": "GB999999973"}})
    # Xero changed it too (the only way a three-way merge sees two systems disagree).
    xero = running["xero"]
    tokens = requests.post(f"{xero.url}/__sandbox/tokens").json()
    answer = requests.post(f"{xero.url}/api.xro/2.0/Contacts/{links['xero']}",
                           json={"Contacts": [{"ContactID": links["xero"], "TaxNumber": "NL000099998B57"}]},
                           headers={"Authorization": f"Bearer {tokens['access_token']}",
                                    "xero-tenant-id": xero.settings["tenant_id"]})
    assert answer.status_code == 200, answer.text
    sync_one(db, vault, "xero", "customer")

    summary = sync_one(db, vault, "hubspot", "customer")

    assert summary.counts.conflicts == 1, summary.counts
    with db.session() as s:
        conflict = s.scalars(select(Conflict).where(Conflict.field == "tax_id")).one()
        assert conflict.resolution == "xero owns customer.tax_id: current value kept"
        assert s.get(Customer, customer.id).tax_id == "NL000099998B57"


def test_a_customer_only_the_ledger_knows_makes_no_company(db, vault, crm_and_books):
    running = crm_and_books
    companies = len(running["hubspot"].sandbox.store.live("companies"))
    xero = running["xero"]
    tokens = requests.post(f"{xero.url}/__sandbox/tokens").json()
    answer = requests.put(f"{xero.url}/api.xro/2.0/Contacts",
                          json={"Contacts": [{"Name": "Only In The Books BV", "EmailAddress": "ap@books.example"}]},
                          headers={"Authorization": f"Bearer {tokens['access_token']}",
                                   "xero-tenant-id": xero.settings["tenant_id"]})
    assert answer.status_code == 200, answer.text
    assert sync_one(db, vault, "xero", "customer").counts.created == 1

    result = OutboxWorker(db, vault, "w").drain(target="hubspot")

    assert result.dead == 0 and result.skipped >= 1, result
    assert len(running["hubspot"].sandbox.store.live("companies")) == companies


def _settle_names(db, vault, running, names: dict[str, str]) -> None:
    """Each named customer renamed in Xero while HubSpot renamed it too; the admin takes Xero's."""
    _ask_for(db, "customer.name")
    running.clock.advance(600)
    for hubspot_id, xero_id in names.items():
        _sdk(running).crm.companies.basic_api.update(hubspot_id, {"properties": {"name": f"CRM {hubspot_id}"}})
        _rename_in_xero(running, xero_id, f"Books {xero_id}")
    sync_all(db, vault, plan(db, entity="customer"))
    with db.session(write=True) as s:
        for conflict in s.scalars(select(Conflict).where(Conflict.field == "name", Conflict.status == "open")):
            take = "incoming" if str(conflict.incoming_value).startswith("Books") else "current"
            resolve_conflict(s, conflict.id, take, actor="test:admin")


def _both(db) -> dict[str, str]:
    with db.session() as s:
        rows = s.execute(select(Link.canonical_id, Link.system, Link.external_id).where(
            Link.entity == "customer")).all()
    by_customer: dict = {}
    for canonical_id, system, external_id in rows:
        by_customer.setdefault(canonical_id, {})[system] = external_id
    return {ids["hubspot"]: ids["xero"] for ids in by_customer.values() if {"hubspot", "xero"} <= set(ids)}


def test_the_dry_run_lists_the_company_properties_without_writing(db, vault, crm_and_books):
    from revhub.mappings.outbox import plan as outbox_plan

    running = crm_and_books
    names = _both(db)
    _settle_names(db, vault, running, names)
    patches = {hid: _company_patches(running, hid) for hid in names}

    entries = [e for e in outbox_plan(db, vault, target="hubspot") if e["entity"] == "customer"]

    assert {e["external_id"] for e in entries} == set(names)
    for entry in entries:
        assert entry["payload"] == {"name": f"Books {names[entry['external_id']]}"}
    assert {hid: _company_patches(running, hid) for hid in names} == patches


def test_a_company_archived_in_hubspot_is_its_own_dead_letter_and_the_others_are_written(db, vault, crm_and_books):
    running = crm_and_books
    names = _both(db)
    assert len(names) >= 2
    _settle_names(db, vault, running, names)
    gone, *kept = sorted(names, key=int)
    running["hubspot"].sandbox.store.archive("companies", gone)

    result = OutboxWorker(db, vault, "w").drain(target="hubspot")

    assert result.dead == 1, result
    with db.session() as s:
        dead = s.scalars(select(OutboxMessage).where(OutboxMessage.status == "dead")).one()
        assert dead.entity == "customer" and "HubSpot answered 404" in dead.last_error
    for hubspot_id in kept:
        assert _company(running, hubspot_id)["name"] == f"Books {names[hubspot_id]}"
