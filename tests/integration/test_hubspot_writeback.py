"""Write-back to HubSpot: a PO taken in by revhub becomes a deal with its line items, its
invoicing and payment land on that deal, a retried write makes no twin, and the echo of revhub's
own write changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hubspot import HubSpot
from sqlalchemy import select

from revhub.mappings.outbox import OutboxWorker
from revhub.store import Customer, Invoice, OutboxMessage, PurchaseOrder
from revhub.sync.jobs import plan, sync_all, sync_one
from tests.integration.purchase_orders import linked, submit_po

pytestmark = pytest.mark.store


@pytest.fixture
def crm_and_books(db, vault, sandboxes):
    running = sandboxes("hubspot", "xero", companies=3)
    results = sync_all(db, vault, plan(db))
    assert all(r.status == "succeeded" for r in results), [(r.connection, r.entity, r.note) for r in results]
    return running


def _hubspot_email(db, running) -> str:
    emails = {c.properties["billing_email"] for c in running["hubspot"].sandbox.store.live("companies")}
    with db.session() as s:
        return next(e for e in s.scalars(select(Customer.email).order_by(Customer.email)) if e in emails)


def _deal(running, deal_id: str) -> dict:
    portal = running["hubspot"]
    client = HubSpot(access_token=portal.credentials["access_token"], host=portal.url)
    return client.crm.objects.basic_api.get_by_id(
        "deals", deal_id, properties=["po_number", "po_status", "amount", "deal_currency_code", "invoice_number",
                                      "amount_paid", "revhub_id"]).properties


def test_a_po_becomes_a_deal_with_line_items_and_its_invoice_number_and_status(db, vault, crm_and_books):
    running = crm_and_books
    po_id = submit_po(db, _hubspot_email(db, running), "EUR", 3, "120.25", "360.75", number="4500077001",
                      terms="NET30")

    result = OutboxWorker(db, vault, "w").drain()

    assert result.dead == 0, result
    deal_id = linked(db, "purchase_order", po_id, "hubspot")
    assert deal_id is not None
    deal = _deal(running, deal_id)
    with db.session() as s:
        invoice = s.scalars(select(Invoice).where(Invoice.purchase_order_id == po_id)).one()
        po = s.get(PurchaseOrder, po_id)
    assert (deal["po_number"], deal["deal_currency_code"], Decimal(deal["amount"])) == (
        "4500077001", "EUR", Decimal("360.75"))
    assert deal["revhub_id"] == str(po_id) and deal["po_status"] == po.status == "invoiced"
    assert deal["invoice_number"] == invoice.number and Decimal(deal["amount_paid"]) == 0
    store = running["hubspot"].sandbox.store
    [line_id] = store.associated("deals", deal_id, "line_items")
    line = store.get("line_items", line_id).properties
    assert (line["quantity"], line["price"], line["revhub_line_id"]) == ("3", "120.25", f"{po_id}:1")
    assert store.associated("deals", deal_id, "companies")

    echo = sync_one(db, vault, "hubspot", "purchase_order")
    assert echo.status == "succeeded" and echo.counts.updated == 0 and echo.counts.conflicts == 0, echo.counts


def test_a_retried_po_write_finds_the_deal_it_made(db, vault, crm_and_books):
    running = crm_and_books
    po_id = submit_po(db, _hubspot_email(db, running), "USD", 2, "49.00", "98.00", number="4500077002",
                      terms="NET30")
    OutboxWorker(db, vault, "w").drain()
    deal_id = linked(db, "purchase_order", po_id, "hubspot")
    deals_before = len(running["hubspot"].sandbox.store.live("deals"))
    # The answer was lost: the link is gone and the message goes out again.
    with db.session(write=True) as s:
        from revhub.store import Link

        s.query(Link).filter(Link.system == "hubspot", Link.canonical_id == po_id).delete()
        message = s.scalars(select(OutboxMessage).where(OutboxMessage.record_id == po_id,
                                                        OutboxMessage.target_system == "hubspot",
                                                        OutboxMessage.entity == "purchase_order")).first()
        message.status, message.attempts, message.next_attempt_at = "pending", 0, None

    assert OutboxWorker(db, vault, "w").drain().dead == 0

    assert len(running["hubspot"].sandbox.store.live("deals")) == deals_before
    assert linked(db, "purchase_order", po_id, "hubspot") == deal_id


def test_invoicing_and_payment_from_the_ledger_land_on_the_deals_the_crm_holds(db, vault, crm_and_books):
    running = crm_and_books
    store = running["hubspot"].sandbox.store
    for deal in store.live("deals"):  # what the CRM shows before the hub has written anything
        store.update("deals", deal.id, {"invoice_number": "", "amount_paid": ""})

    result = OutboxWorker(db, vault, "w").drain()

    assert result.dead == 0, result
    with db.session() as s:
        invoices = [(linked(db, "purchase_order", i.purchase_order_id, "hubspot"), i.number, i.amount_paid_minor,
                     i.currency) for i in s.scalars(select(Invoice).where(Invoice.purchase_order_id.is_not(None)))]
    written = [(deal_id, number, paid, currency) for deal_id, number, paid, currency in invoices if deal_id]
    assert written, "the ledger's invoices name POs the CRM holds"
    for deal_id, number, paid, currency in written:
        deal = _deal(running, deal_id)
        assert deal["invoice_number"] == number
        assert Decimal(deal["amount_paid"]) == Decimal(paid) / (1 if currency == "JPY" else 100)
    with db.session() as s:
        statuses = {linked(db, "purchase_order", po.id, "hubspot"): po.status
                    for po in s.scalars(select(PurchaseOrder))}
    # The PO status as revhub has it now (moved by the ledger's invoices and payments) is the deal's.
    assert {d: _deal(running, d)["po_status"] for d in statuses if d} == {d: st for d, st in statuses.items() if d}


def test_a_po_status_moved_in_revhub_reaches_its_deal_and_reads_back_unchanged(db, vault, crm_and_books):
    from revhub.orders.service import transition

    running = crm_and_books
    po_id = submit_po(db, _hubspot_email(db, running), "GBP", 1, "500.00", "500.00", number="4500077003",
                      terms="NET30")
    OutboxWorker(db, vault, "w").drain()
    deal_id = linked(db, "purchase_order", po_id, "hubspot")
    with db.session(write=True) as s:
        transition(s, s.get(PurchaseOrder, po_id), "invoice_voided", actor="admin@example.com")

    assert OutboxWorker(db, vault, "w").drain().dead == 0

    assert _deal(running, deal_id)["po_status"] == "invoice_voided"
    running.clock.advance(120)
    echo = sync_one(db, vault, "hubspot", "purchase_order")
    assert echo.status == "succeeded" and echo.counts.updated == 0 and echo.counts.conflicts == 0, echo.counts
    with db.session() as s:
        assert s.get(PurchaseOrder, po_id).status == "invoice_voided"
