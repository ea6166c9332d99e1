"""The Stripe normalizers' shortcuts give what the general path gives (no network).

A currency's conversion is worked out once (``minor_units``), a whole-number unit price is read
without ``Decimal``, references to the same object are shared, and a list's versions share
their time part; each must agree with the rule it stands for."""

import pytest

from revhub import currency_rules
from revhub.connectors.base import Ref
from revhub.connectors.stripe import normalize as st
from revhub.connectors.stripe.connector import version, versions_at

CURRENCIES = ("USD", "EUR", "JPY", "MGA", "ISK", "UGX", "BHD", "KWD", "HUF")


@pytest.mark.parametrize("currency", CURRENCIES)
def test_minor_units_agree_with_the_currency_rules(currency):
    convert = st.minor_units(currency)
    for amount in (0, 1, 99, 100, 12345, 540000, -250):
        assert convert(amount) == currency_rules.stripe_minor(amount, currency)
        assert st.stripe_minor(amount, currency) == currency_rules.stripe_minor(amount, currency)


def test_a_missing_amount_is_refused_as_before():
    with pytest.raises(TypeError):
        st.minor_units("EUR")(None)
    with pytest.raises(TypeError):
        currency_rules.stripe_minor(None, "EUR")


def _invoice(currency, unit_amount_decimal, amount=3000, quantity=3):
    pricing = {"type": "price_details", "price_details": {"product": "prod_1"}}
    if unit_amount_decimal is not None:
        pricing["unit_amount_decimal"] = unit_amount_decimal
    return {"id": "in_1", "currency": currency, "customer": "cus_1", "created": 1762000000, "status": "open",
            "total": amount, "subtotal": amount, "amount_due": amount,
            "lines": {"data": [{"amount": amount, "quantity": quantity, "pricing": pricing,
                                "taxes": [{"amount": 7}, {"amount": 3}]}]}}


@pytest.mark.parametrize(("given", "unit_minor"), [
    ("1000", 1000),        # a whole number of minor units, as Stripe sends it
    ("1000.00", 1000),     # the same with decimals that are zero
    (1000, 1000),          # a number rather than a string
    ("999.5", 1000),       # a sub-cent price: the line's amount over its quantity instead
    ("", 1000),
    (None, 1000),
])
def test_a_lines_unit_price_is_read_as_before(given, unit_minor):
    line = st.invoice(_invoice("eur", given))["lines"][0]
    assert (line["unit_amount_minor"], line["amount_minor"], line["tax_minor"]) == (unit_minor, 3000, 10)
    assert line["product_id"] == Ref("product", "prod_1")


def test_an_isk_invoice_converts_its_amounts_and_unit_prices():
    record = st.invoice(_invoice("isk", "100000", amount=300000))
    assert (record["total_minor"], record["subtotal_minor"], record["amount_due_minor"]) == (3000, 3000, 3000)
    assert (record["lines"][0]["unit_amount_minor"], record["lines"][0]["tax_minor"]) == (1000, 0)


def test_references_to_one_object_are_shared_and_equal():
    first = st.invoice(_invoice("eur", "1000"))["customer_id"]
    again = st.invoice(_invoice("eur", "1000"))["customer_id"]
    assert first == again == Ref("customer", "cus_1") and first is again
    assert st._ref("customer", {"id": "cus_2"}) == Ref("customer", "cus_2")
    assert st._ref("customer", None) is None and st._ref("customer", "") is None


def test_a_lists_versions_are_the_objects_versions():
    at = versions_at("invoice", 1762000000)
    open_, paid = {"status": "open", "amount_paid": 0}, {"status": "paid", "amount_paid": 540000}
    gone = {"deleted": True, "status": "paid", "amount_paid": 5}
    for obj in (open_, paid, gone, {}):
        assert at(obj) == version("invoice", 1762000000, obj)
    assert at(open_) == "1762000000.01.0000000000000000"
    assert at(paid) == "1762000000.03.0000000000540000"
    assert at(gone) == "1762000000.09.0000000000000000"
    assert at(open_) < at(paid) < at(gone)
    assert versions_at("customer", 5)({"status": "whatever"}) == "0000000005.00.0000000000000000"


def test_a_timestamp_is_formatted_in_utc():
    assert st.iso_datetime(1762000000) == "2025-11-01T12:26:40+00:00"
    assert st.iso_datetime(None) is None
