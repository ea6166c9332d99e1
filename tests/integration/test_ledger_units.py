"""Stripe counts some currencies in units other than ISO's (ISK and UGX as two decimals where ISO
has none; MGA as whole units where ISO has two): an invoice paid and refunded in Stripe in such a
currency ends with the same amounts in the store and in Xero. Hub + sandboxes, real SDKs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from revhub.store import Invoice, Payment, Refund
from revhub.sync.jobs import plan, sync_all
from tests.integration.clients import stripe_client
from tests.integration.purchase_orders import linked, submit_po, xero_get
from tests.integration.test_ledger_refunds import SEED, drain, sales_credit_notes, settle
from tests.integration.test_ledger_wire import first_customer_email

pytestmark = pytest.mark.store


@pytest.fixture
def hub(db, vault, sandboxes):
    running = sandboxes("stripe", "xero", companies=3, seed=SEED)
    sync_all(db, vault, plan(db))
    drain(db, vault)
    return running



@pytest.mark.parametrize("currency, unit, total, stripe_total, refunded, stripe_refunded", [
    ("ISK", "5000", "10000", 1000000, "2500", 250000),     # Stripe: two decimals of 00
    ("MGA", "1500.00", "3000.00", 3000, "500.00", 500),    # Stripe: whole ariary
])
def test_an_invoice_paid_and_refunded_in_stripe_holds_the_same_amounts_in_the_store_and_in_xero(
        db, vault, hub, currency, unit, total, stripe_total, refunded, stripe_refunded):
    po_id = submit_po(db, first_customer_email(db), currency, 2, unit, total, number=f"45000880{len(currency)}",
                      terms="NET30")
    drain(db, vault)
    with db.session() as s:
        invoice = s.scalars(select(Invoice).where(Invoice.purchase_order_id == po_id)).one()
    client = stripe_client(hub)
    paid = client.v1.invoices.pay(linked(db, "invoice", invoice.id, "stripe"), {"payment_method": "pm_card_visa"})
    assert (paid.currency, paid.amount_paid) == (currency.lower(), stripe_total)
    [payment] = client.v1.invoice_payments.list({"invoice": paid.id}).data
    refund = client.v1.refunds.create({"payment_intent": payment.payment.payment_intent, "amount": stripe_refunded})
    settle(db, vault, hub)

    with db.session() as s:
        ours = s.scalars(select(Payment).where(Payment.currency == currency)).one()
        ours_refund = s.scalars(select(Refund).where(Refund.reference == refund.id)).one()
        after = s.get(Invoice, invoice.id)
        store = (after.total_minor, after.amount_paid_minor, ours.amount_minor, ours_refund.amount_minor)
    assert store == (invoice.total_minor, invoice.total_minor, invoice.total_minor,
                     int(Decimal(refunded) * (100 if currency == "MGA" else 1)))
    xero_invoice = xero_get(hub, f"Invoices/{linked(db, 'invoice', invoice.id, 'xero')}")["Invoices"][0]
    assert xero_invoice["Status"] == "PAID"
    assert (Decimal(str(xero_invoice["Total"])), Decimal(str(xero_invoice["AmountPaid"]))) == (Decimal(total),) * 2
    [note] = [n for n in sales_credit_notes(hub) if refund.id in (n.get("Reference") or "")]
    assert (note["CurrencyCode"], Decimal(str(note["Total"]))) == (currency, Decimal(refunded))
