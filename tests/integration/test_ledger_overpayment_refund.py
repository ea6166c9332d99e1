"""A refund of money a customer over-paid: Xero already holds the excess as the customer's
credit (an overpayment), so the refund pays that credit out in cash (a payment against the
Overpayment) instead of raising a new credit note, which would reduce sales and leave the
credit open."""

from __future__ import annotations

from decimal import Decimal

import pytest

from revhub.ledger.sources import run_check
from tests.integration.clients import stripe_client
from tests.integration.purchase_orders import linked, xero_get
from tests.integration.test_ledger_overpayment import hub, invoiced, pay_in_stripe, settle  # noqa: F401

pytestmark = pytest.mark.store


@pytest.fixture
def refunded(db, vault, hub):  # noqa: F811
    """1,200 paid on a 1,000 invoice (200 held as credit in Xero), then 200 refunded in Stripe."""
    invoice = invoiced(db, vault, "4500066301")
    intent = pay_in_stripe(hub, linked(db, "invoice", invoice.id, "stripe"), 120000)
    settle(db, vault, hub)
    refund = stripe_client(hub).v1.refunds.create({"payment_intent": intent, "amount": 20000})
    settle(db, vault, hub)
    contact = xero_get(hub, f"Invoices/{linked(db, 'invoice', invoice.id, 'xero')}")["Invoices"][0]["Contact"]
    return hub, refund.id, contact["ContactID"]


def test_a_refund_of_an_over_paid_excess_pays_out_the_customers_xero_credit(db, refunded):
    running, refund, contact = refunded
    [credit] = [o for o in xero_get(running, "Overpayments")["Overpayments"] if o["Contact"]["ContactID"] == contact]
    assert Decimal(str(credit["RemainingCredit"])) == 0
    assert [(Decimal(str(p["Amount"])), refund in p["Reference"]) for p in credit["Payments"]] == [
        (Decimal("200.00"), True)]


def test_a_refund_of_an_over_paid_excess_raises_no_credit_note(db, refunded):
    running, refund, _ = refunded
    notes = [n for n in xero_get(running, "CreditNotes")["CreditNotes"] if refund in (n.get("Reference") or "")]
    assert notes == []


def test_a_refund_paid_out_of_the_customers_credit_balances_in_the_ledger_check(db, vault, refunded):
    _, refund, _ = refunded
    assert [d.message for d in run_check(db, vault).differences if refund in str(d.records)] == []
    with db.session() as s:
        from sqlalchemy import select

        from revhub.store import Refund
        ours = s.scalars(select(Refund).where(Refund.reference == refund)).one()
    assert linked(db, "refund", ours.id, "xero")
