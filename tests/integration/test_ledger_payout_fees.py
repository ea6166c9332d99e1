"""The books check under ``fee_treatment=per_payout`` (issue 10, the books balance): Stripe dates
a fee with its charge, Xero's "Stripe fees of po_…" booking is dated with the payout's arrival,
so the check meets each fee with the booking of the payout that settled it, across a month
boundary, and does not expect the fees of a payout still on its way in Xero yet."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from revhub.ledger.check import period_of
from revhub.ledger.sources import run_check
from revhub.mappings.outbox import OutboxWorker
from revhub.store import Connection, Invoice, OutboxMessage
from revhub.sync.jobs import plan, sync_all
from tests.integration.clients import stripe_client
from tests.integration.purchase_orders import linked, submit_po

pytestmark = pytest.mark.store
DAY = 86400



def synced_and_written(db, vault, running) -> None:
    running.clock.advance(60)
    results = sync_all(db, vault, plan(db, connection="stripe"))
    assert all(r.status == "succeeded" for r in results), [(r.entity, r.note) for r in results]
    result = OutboxWorker(db, vault, "test-worker").drain()
    if result.dead:
        with db.session() as s:
            dead = s.scalars(select(OutboxMessage).where(OutboxMessage.status == "dead")).all()
            raise AssertionError([(m.target_system, m.entity, m.last_error) for m in dead])


def to_late_in_the_month(running) -> None:
    """The sandboxes' clock moved to noon on the last day of a month (this one, or the next)."""
    now = running.clock.now()
    year, month = (now.year, now.month) if now.day < calendar.monthrange(now.year, now.month)[1] else \
        (now.year + now.month // 12, now.month % 12 + 1)
    target = datetime(year, month, calendar.monthrange(year, month)[1], 12, tzinfo=UTC)
    running.clock.advance((target - now).total_seconds())


@pytest.fixture
def books(db, vault, sandboxes):
    """Stripe and Xero, fees booked per payout, and two EUR card payments on the last day of a month."""
    running = sandboxes("stripe", "xero", companies=None)
    with db.session(write=True) as s:
        xero = s.scalars(select(Connection).where(Connection.name == "xero")).one()
        xero.settings = {**xero.settings, "fee_treatment": "per_payout"}
    client = stripe_client(running)
    client.v1.customers.create({"name": "Fjord Analytics", "email": "ap@fjord.example"})
    client.v1.products.create({"name": "Platform licence", "metadata": {"sku": "RH-PLAT"}})
    synced_and_written(db, vault, running)
    to_late_in_the_month(running)
    for number, unit in (("4500077001", "1000.00"), ("4500077002", "250.00")):
        po_id = submit_po(db, "ap@fjord.example", "EUR", 1, unit, unit, number=number, terms="NET30")
        synced_and_written(db, vault, running)
        with db.session() as s:
            invoice = s.scalars(select(Invoice).where(Invoice.purchase_order_id == po_id)).one()
        client.v1.invoices.pay(linked(db, "invoice", invoice.id, "stripe"), {"payment_method": "pm_card_visa"})
    synced_and_written(db, vault, running)
    return running


def fee_differences(report) -> list[str]:
    return [f"{d.period} {d.problem} {d.sides}: {d.message}" for d in report.differences if d.kind == "fee"]


def test_fees_of_a_payout_landing_next_month_meet_its_booking_in_both_months(db, vault, books):
    charged = books.clock.now()
    books.clock.advance(4 * DAY)  # paid out and landed, in the next month
    synced_and_written(db, vault, books)
    [payout] = stripe_client(books).v1.payouts.list().data
    assert payout.status == "paid"
    landed = datetime.fromtimestamp(payout.arrival_date, UTC)
    assert period_of(landed.date()) != period_of(charged.date())  # the case in point

    assert fee_differences(run_check(db, vault, period_of(charged.date()))) == []
    assert fee_differences(run_check(db, vault, period_of(landed.date()))) == []
    assert fee_differences(run_check(db, vault)) == []


def test_fees_of_a_payout_still_in_transit_are_not_expected_in_xero_yet(db, vault, books):
    books.clock.advance(3 * DAY)  # paid out (at the midnight its funds became available), not landed
    synced_and_written(db, vault, books)
    [payout] = stripe_client(books).v1.payouts.list().data
    assert payout.status == "in_transit"

    assert fee_differences(run_check(db, vault)) == []


def test_fees_not_paid_out_yet_are_not_expected_in_xero_yet(db, vault, books):
    assert stripe_client(books).v1.payouts.list().data == []

    assert fee_differences(run_check(db, vault)) == []
