"""BankAmount of a foreign-currency payment (xero-python ``Payment.bank_amount``: "the amount of
the payment in the currency of the bank account"; ``CurrencyRate`` in units of the foreign
currency per one unit of the base currency, as Xero states rates; every amount at 2 dp)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from revhub.sandbox.xero import fx
from revhub.sandbox.xero.errors import ValidationFailed

DAY = date(2026, 11, 2)


def test_a_payment_in_the_bank_accounts_currency_moves_it_by_its_amount():
    assert fx.bank_cents(12_345, "EUR", "EUR", "EUR", Decimal(1), DAY) == 12_345


def test_a_usd_payment_into_a_eur_account_moves_it_by_amount_divided_by_the_rate():
    assert fx.bank_cents(100_000, "USD", "EUR", "EUR", Decimal("1.25"), DAY) == 80_000


def test_bank_amount_is_rounded_half_away_from_zero_to_two_decimals():
    # 0.50 GBP at 1 EUR = 0.8 GBP is 0.625 EUR exactly: Xero keeps 0.63
    assert fx.bank_cents(50, "GBP", "EUR", "EUR", Decimal("0.8"), DAY) == 63


def test_a_jpy_payment_is_converted_from_whole_yen():
    # JPY 5,760,000 at 1 EUR = 163.934426 JPY: EUR 35,136.00
    assert fx.bank_cents(576_000_000, "JPY", "EUR", "EUR", Decimal("163.9344262295"), DAY) == 3_513_600


def test_the_realised_rate_of_a_settlement_moves_the_account_by_exactly_what_was_settled():
    # Stripe settled USD 92,160.00 as EUR 84,787.20; the rate 92160 / 84787.20 given back converts exactly.
    rate = fx.payment_rate(Decimal("92160.00") / Decimal("84787.20"), "USD", "EUR", DAY)
    assert fx.bank_cents(9_216_000, "USD", "EUR", "EUR", rate, DAY) == 8_478_720


def test_without_a_rate_the_rate_of_the_day_is_used_at_six_decimals():
    rate = fx.payment_rate(None, "USD", "EUR", DAY)
    assert rate == fx.day_rate("USD", "EUR", DAY) and rate.as_tuple().exponent == -6


def test_the_rate_of_the_day_changes_from_day_to_day():
    assert fx.day_rate("USD", "EUR", DAY) != fx.day_rate("USD", "EUR", date(2026, 11, 3))


def test_a_base_currency_payment_has_rate_one_whatever_rate_is_sent():
    assert fx.payment_rate(Decimal("1.3"), "EUR", "EUR", DAY) == Decimal(1)


def test_a_rate_of_zero_is_refused():
    with pytest.raises(ValidationFailed):
        fx.payment_rate(Decimal(0), "USD", "EUR", DAY)


def test_a_currency_without_a_rate_of_the_day_is_refused():
    with pytest.raises(ValidationFailed):
        fx.day_rate("XTS", "EUR", DAY)


# -- through xero-python, over HTTP ------------------------------------------------------


@pytest.fixture
def usd_invoice(accounting, tenant, customer):
    """An AUTHORISED USD 5,880.00 invoice (the organisation's base currency is EUR)."""
    from xero_python.accounting import Invoices

    from tests.sandbox.xero.conftest import sales_invoice

    return accounting.create_invoices(tenant, Invoices(invoices=[sales_invoice(customer.contact_id)])).invoices[0]


def pay_usd(accounting, tenant, invoice, rate: Decimal | None):
    from xero_python.accounting import Account, Invoice, Payment

    return accounting.create_payment(tenant, Payment(
        invoice=Invoice(invoice_id=invoice.invoice_id), account=Account(code="091"), date=DAY,
        amount=Decimal("5880.00"), currency_rate=rate, reference="ch_fx")).payments[0]


def test_a_usd_payment_into_the_eur_clearing_account_reports_its_bank_amount_in_eur(accounting, tenant,
                                                                                     usd_invoice):
    payment = pay_usd(accounting, tenant, usd_invoice, Decimal("1.25"))
    assert (Decimal(str(payment.amount)), Decimal(str(payment.bank_amount))) == (Decimal("5880.00"),
                                                                                 Decimal("4704.00"))
    assert Decimal(str(payment.currency_rate)) == Decimal("1.25")


def test_a_usd_payment_without_a_rate_is_converted_at_the_rate_of_the_day_it_reports(accounting, tenant,
                                                                                     usd_invoice):
    payment = pay_usd(accounting, tenant, usd_invoice, None)
    rate = Decimal(str(payment.currency_rate))
    assert rate != 1
    expected = (Decimal("5880.00") / rate).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert Decimal(str(payment.bank_amount)) == expected
