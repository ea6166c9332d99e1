"""The Xero seed books Stripe's money as the hub would: payments into the Stripe clearing
account at the rate Stripe realised, an over-payment's excess as customer credit."""

from __future__ import annotations

from decimal import Decimal

from revhub.money import to_decimal
from revhub.sandbox.dataset import generate
from revhub.sandbox.xero.seeding import CLEARING_ACCOUNT


def test_an_over_payment_books_the_amount_due_as_payment_and_the_excess_as_an_overpayment(
        sandbox, accounting, tenant):
    ds = generate(12, seed=7)  # GBP 77,440.00 received on a GBP 77,390.00 invoice
    sandbox.load_dataset(ds)
    over = next(p for p in ds.payments if p.kind == "over" and p.currency == "GBP")
    invoice = accounting.get_invoice(tenant, over.invoice).invoices[0]
    [received] = [t for t in accounting.get_bank_transactions(tenant).bank_transactions
                  if t.type == "RECEIVE-OVERPAYMENT" and over.processor_id in (t.reference or "")]
    assert invoice.status == "PAID"
    assert Decimal(str(invoice.amount_paid)) + Decimal(str(received.total)) == to_decimal(over.amount, "GBP")
    assert Decimal(str(received.total)) == Decimal("50.00")
    assert received.bank_account.code == CLEARING_ACCOUNT


def test_seeded_foreign_payments_move_the_clearing_account_by_what_stripe_settled(sandbox, accounting, tenant):
    ds = generate(12, seed=3)
    sandbox.load_dataset(ds)
    by_reference = {p.reference: p for p in accounting.get_payments(tenant).payments}
    foreign = [p for p in ds.payments if p.currency != "EUR" and p.processor_id in by_reference]
    assert foreign
    for source in foreign:
        payment = by_reference[source.processor_id]
        assert payment.account.code == CLEARING_ACCOUNT
        assert Decimal(str(payment.bank_amount)) == to_decimal(source.settled.amount, "EUR"), source


def test_seeded_refunds_leave_the_clearing_account_by_what_stripe_took_back(sandbox, accounting, tenant):
    ds = generate(20, seed=1)  # JPY and USD refunds
    sandbox.load_dataset(ds)
    by_reference = {p.reference: p for p in accounting.get_payments(tenant).payments}
    for refund in ds.refunds:
        payment = by_reference[refund.key]
        assert Decimal(str(payment.bank_amount)) == to_decimal(refund.settled.amount, "EUR"), refund


def test_no_stripe_fee_or_payout_is_seeded_in_xero(sandbox, accounting, tenant):
    sandbox.load_dataset(generate(12, seed=3))
    assert accounting.get_bank_transfers(tenant).bank_transfers == []
    assert [t for t in accounting.get_bank_transactions(tenant).bank_transactions if t.type == "SPEND"] == []
