"""The Stripe connector against the Stripe sandbox, through stripe-python over loopback HTTP.

Each test seeds the sandbox, runs the hub's real sync jobs and checks the canonical store and
the sandbox's request log.
"""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
import requests
import stripe
from sqlalchemy import func, select

from revhub.store import Connection, Customer, Fee, Invoice, Link, Payment, PaymentAllocation, SyncRun
from revhub.sync.jobs import plan, sync_all, sync_one

pytestmark = pytest.mark.store

DAY = 86400


def _client(running) -> stripe.StripeClient:
    """stripe-python pointed at the sandbox, as a merchant's own code would use it."""
    stripe_box = running["stripe"]
    return stripe.StripeClient(stripe_box.credentials["api_key"], base_addresses={"api": stripe_box.url},
                               max_network_retries=0)


def _fault(running, **rule) -> None:
    response = requests.post(f"{running['stripe'].url}/__sandbox/faults", json=rule, timeout=5)
    assert response.status_code == 201, response.text


def _retry_settings(db, **settings) -> None:
    """Tune the Stripe connection's retries (the defaults back off for seconds between attempts)."""
    with db.session(write=True) as s:
        connection = s.scalar(select(Connection).where(Connection.name == "stripe"))
        connection.settings = {**connection.settings, **settings}


def _sync_stripe(db, vault, **kwargs):
    results = sync_all(db, vault, plan(db, connection="stripe"), **kwargs)
    assert all(r.status == "succeeded" for r in results), [(r.entity, r.status, r.note) for r in results]
    return results


def _links(db, entity: str, system: str = "stripe") -> dict[str, object]:
    """external id → canonical id of ``system``'s links for ``entity``."""
    with db.session() as s:
        return dict(s.execute(select(Link.external_id, Link.canonical_id)
                              .where(Link.entity == entity, Link.system == system)).all())


def _count(db, model) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def _api_requests(running, since: int = 0):
    return running["stripe"].sandbox.requests.entries()[since:]


def _latest_run(db, entity: str) -> SyncRun:
    with db.session() as s:
        return s.scalars(select(SyncRun).where(SyncRun.entity == entity).order_by(SyncRun.id.desc())).first()


def test_first_sync_of_three_systems_gives_one_customer_per_company_with_invoices_and_payments(
        db, vault, sandboxes):
    running = sandboxes("stripe", "salesforce", "xero", companies=8)
    results = sync_all(db, vault, plan(db))
    assert all(r.status == "succeeded" for r in results), [(r.connection, r.entity, r.note) for r in results]
    sb = running["stripe"].sandbox

    with db.session() as s:
        customers = s.scalar(select(func.count()).select_from(Customer))
        systems_per_customer = s.execute(
            select(Link.canonical_id, func.count()).where(Link.entity == "customer")
            .group_by(Link.canonical_id)).all()
    assert customers == 8
    assert sorted(n for _, n in systems_per_customer) == [3] * 8

    invoice_links = _links(db, "invoice")
    seeded = {i["id"]: i for i in sb.store.all("invoice")}
    assert set(invoice_links) == set(seeded)
    with db.session() as s:
        invoices = {inv.id: inv for inv in s.scalars(select(Invoice)).all()}
    currencies = set()
    for external_id, remote in seeded.items():
        invoice = invoices[invoice_links[external_id]]
        assert invoice.number == remote["number"]
        assert invoice.po_number == remote["metadata"]["po_number"] and invoice.po_number.startswith("PO-")
        assert invoice.currency == remote["currency"].upper()
        assert invoice.total_minor == remote["total"] and isinstance(invoice.total_minor, int)
        assert invoice.amount_paid_minor == remote["amount_paid"]
        currencies.add(invoice.currency)
    assert "JPY" in currencies  # 0-decimal: minor units are whole yen, as Stripe sends them
    jpy = next(i for i in seeded.values() if i["currency"] == "jpy")
    assert invoices[invoice_links[jpy["id"]]].total_minor == jpy["total"]

    payment_links = _links(db, "payment")
    charges = {c["id"]: c for c in sb.store.all("charge")}
    assert set(payment_links) == set(charges)
    paid_invoices = {p["payment"]["payment_intent"]: p["invoice"] for p in sb.store.all("invoice_payment")
                     if p["status"] == "paid"}
    with db.session() as s:
        for charge_id, charge in charges.items():
            payment = s.get(Payment, payment_links[charge_id])
            txn = sb.store["balance_transaction"].get(charge["balance_transaction"])
            assert (payment.amount_minor, payment.currency) == (charge["amount"], charge["currency"].upper())
            if txn["currency"] == charge["currency"]:
                assert payment.fee_minor == txn["fee"] > 0
                assert payment.net_minor == txn["net"] == charge["amount"] - txn["fee"]
            else:  # settled in another currency: the fee is the canonical fee's, in that currency
                assert payment.fee_minor == 0
                fee = s.scalars(select(Fee).where(Fee.payment_id == payment.id)).one()
                assert (fee.amount_minor, fee.currency) == (txn["fee"], txn["currency"].upper())
            allocated = s.scalars(select(PaymentAllocation.invoice_id)
                                  .where(PaymentAllocation.payment_id == payment.id)).all()
            assert allocated == [invoice_links[paid_invoices[charge["payment_intent"]]]]


def test_an_incremental_run_reads_events_not_lists_and_applies_exactly_the_changes(db, vault, sandboxes):
    running = sandboxes("stripe", companies=6)
    _sync_stripe(db, vault)
    running.clock.advance(3600)
    client = _client(running)
    changed = sorted(_links(db, "customer"))[:5]
    for n, customer_id in enumerate(changed):
        params = {"email": f"ap-{n}@changed.example"} if n % 2 else {"metadata": {"tax_id": f"TX-{n}"}}
        client.v1.customers.update(customer_id, params)
    mark = len(_api_requests(running))

    summary = sync_one(db, vault, "stripe", "customer")

    assert summary.status == "succeeded"
    calls = _api_requests(running, mark)
    events = [r for r in calls if r.path == "/v1/events"]
    assert events and all("ending_before" in parse_qs(r.query) for r in events)  # forward from the cursor
    assert not [r for r in calls if r.path in ("/v1/customers", "/v1/invoices")]
    run = _latest_run(db, "customer")
    assert (run.fetched, run.updated, run.created, run.deleted) == (5, 5, 0, 0)
    assert (summary.counts.updated, summary.fetched) == (5, 5)
    with db.session() as s:
        emails = {c.email for c in s.scalars(select(Customer)).all()}
        tax_ids = {c.tax_id for c in s.scalars(select(Customer)).all()}
    assert {"ap-1@changed.example", "ap-3@changed.example"} <= emails
    assert {"TX-0", "TX-2", "TX-4"} <= tax_ids


def test_a_connection_dropped_mid_full_sync_resumes_without_doubling_anything(db, vault, sandboxes, monkeypatch):
    # Each page commits on its own here, so the fault can be injected between two of them.
    monkeypatch.setattr("revhub.sync.runner.GROUP_RECORDS", 1)
    running = sandboxes("stripe", companies=60)
    sb = running["stripe"].sandbox
    assert len(sb.store.all("invoice")) > 100  # the invoice list is more than one page
    _retry_settings(db, retry_attempts=3, max_backoff_seconds=0.05)
    dropped = {}

    def drop_after_first_invoice_page(summary) -> None:
        if summary.entity == "invoice" and not dropped:
            dropped["at"] = summary.fetched
            # Every retry of the next page is dropped too: the run gives up part-way.
            _fault(running, kind="drop", count=3, path="^/v1/invoices$")

    # As the scheduler does: children wait for a parent sync that failed.
    for connection, entity in plan(db, connection="stripe"):
        summary = sync_one(db, vault, connection, entity, on_page=drop_after_first_invoice_page)
        if summary.status != "succeeded":
            break
    assert (summary.entity, summary.status, dropped["at"]) == ("invoice", "failed", 100)
    assert "stopped" in _latest_run(db, "invoice").note
    assert len(_links(db, "invoice")) == _count(db, Invoice) == 100  # the applied page, consistent
    assert not [r for r in _api_requests(running) if r.path == "/v1/charges"]

    second = _sync_stripe(db, vault)

    invoice_run = next(r for r in second if r.entity == "invoice")
    assert "resumed" in (invoice_run.note or "")
    assert invoice_run.counts.created == len(sb.store.all("invoice")) - 100
    assert _count(db, Invoice) == len(_links(db, "invoice")) == len(sb.store.all("invoice"))
    assert _count(db, Payment) == len(_links(db, "payment")) == len(sb.store.all("charge"))
    assert _count(db, Customer) == len(_links(db, "customer")) == len(sb.store.all("customer"))
    with db.session() as s:
        numbers = s.scalars(select(Invoice.number)).all()
    assert len(numbers) == len(set(numbers))


def test_a_deleted_stripe_customer_becomes_a_tombstone(db, vault, sandboxes):
    running = sandboxes("stripe", companies=5)
    _sync_stripe(db, vault)
    customer_id = sorted(_links(db, "customer"))[0]
    canonical_id = _links(db, "customer")[customer_id]
    running.clock.advance(600)
    deleted = _client(running).v1.customers.delete(customer_id)
    assert deleted.deleted is True

    summary = sync_one(db, vault, "stripe", "customer")

    assert summary.status == "succeeded" and summary.counts.deleted == 1
    with db.session() as s:
        customer = s.get(Customer, canonical_id)
        active = s.scalar(select(func.count()).select_from(Customer).where(Customer.deleted_at.is_(None)))
    assert customer is not None and customer.deleted_at is not None
    assert active == 4


def test_a_cursor_past_stripes_30_days_of_events_triggers_a_noted_full_relist(db, vault, sandboxes):
    running = sandboxes("stripe", companies=5)
    _sync_stripe(db, vault)
    running.clock.advance(31 * DAY)
    customer_id = sorted(_links(db, "customer"))[0]
    _client(running).v1.customers.update(customer_id, {"email": "billing@after-a-month.example"})
    mark = len(_api_requests(running))

    summary = sync_one(db, vault, "stripe", "customer")

    assert summary.status == "succeeded"
    assert "full re-list" in summary.note and "30-day" in summary.note
    assert _latest_run(db, "customer").note == summary.note
    assert [r for r in _api_requests(running, mark) if r.path == "/v1/customers"]
    with db.session() as s:
        email = s.scalar(select(Customer.email).where(Customer.id == _links(db, "customer")[customer_id]))
    assert email == "billing@after-a-month.example"


def test_a_429_storm_slows_the_run_but_every_record_arrives(db, vault, sandboxes):
    running = sandboxes("stripe", companies=6)
    sb = running["stripe"].sandbox
    _retry_settings(db, max_backoff_seconds=0.2)  # keep the test quick; the attempts are the defaults
    _fault(running, kind="429", count=10)

    _sync_stripe(db, vault)

    limited = [r for r in _api_requests(running) if r.fault == "429"]
    assert len(limited) == 10 and all(r.status == 429 for r in limited)
    assert len(_links(db, "customer")) == len(sb.store.all("customer"))
    assert len(_links(db, "invoice")) == len(sb.store.all("invoice"))
    assert len(_links(db, "payment")) == len(sb.store.all("charge"))
    assert len(_links(db, "refund")) == len(sb.store.all("refund"))
