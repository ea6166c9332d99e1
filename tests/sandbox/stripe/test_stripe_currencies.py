"""Stripe's currency rules: zero-decimal and three-decimal currencies, special cases, limits."""

import pytest
import stripe

from revhub.sandbox.stripe import currencies
from revhub.sandbox.stripe.errors import StripeError


def charge(client, amount, currency):
    return client.v1.payment_intents.create(params={"amount": amount, "currency": currency,
                                                    "payment_method": "pm_card_visa", "confirm": True})


def test_stripes_zero_decimal_list_is_its_own_not_iso_4217():
    # MGA has two decimals in ISO 4217, none in Stripe; ISK has none in ISO 4217 and two on Stripe's wire.
    assert currencies.exponent("mga") == 0 and currencies.exponent("jpy") == 0
    assert currencies.exponent("isk") == 2 and currencies.exponent("kwd") == 3
    assert currencies.ZERO_DECIMAL == {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf",
                                       "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}


def test_a_three_decimal_amount_must_end_in_zero(client):
    with pytest.raises(stripe.InvalidRequestError) as error:
        charge(client, 5124, "kwd")
    assert (error.value.code, error.value.param) == ("invalid_amount", "amount")
    assert charge(client, 5120, "kwd").amount_received == 5120


def test_an_isk_amount_must_be_divisible_by_100(client):
    with pytest.raises(stripe.InvalidRequestError) as error:
        charge(client, 50050, "isk")
    assert error.value.code == "invalid_amount"
    assert charge(client, 50000, "isk").status == "succeeded"


def test_an_amount_over_eight_digits_is_amount_too_large(client):
    with pytest.raises(stripe.InvalidRequestError) as error:
        charge(client, 100_000_000, "usd")
    assert (error.value.code, error.value.user_message) == ("amount_too_large",
                                                            "Amount must be no more than $999,999.99 usd")


def test_an_amount_under_the_minimum_charge_is_amount_too_small(client):
    with pytest.raises(stripe.InvalidRequestError) as error:
        charge(client, 49, "eur")
    assert (error.value.code, error.value.user_message) == ("amount_too_small", "Amount must be at least €0.50 eur")


def test_a_three_decimal_refund_must_end_in_zero(client):
    intent = charge(client, 10000, "bhd")
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 2505})
    assert error.value.code == "invalid_amount"


def test_an_invoice_whose_three_decimal_total_does_not_end_in_zero_cannot_be_finalized(client):
    customer = client.v1.customers.create(params={"name": "Gulf Trading"})
    invoice = client.v1.invoices.create(params={"customer": customer.id, "currency": "kwd",
                                                "collection_method": "send_invoice", "days_until_due": 30})
    client.v1.invoices.add_lines(invoice.id, params={"lines": [{"amount": 120125, "description": "Licence"}]})
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.invoices.finalize_invoice(invoice.id)
    assert error.value.code == "invalid_amount"


def test_huf_and_twd_payouts_must_be_divisible_by_100():
    with pytest.raises(StripeError) as error:
        currencies.check_payout(12345, "huf")
    assert error.value.code == "invalid_amount"
    currencies.check_payout(12300, "twd")
