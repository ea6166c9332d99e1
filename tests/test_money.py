"""Money is integer minor units plus an ISO 4217 code, converted exactly."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revhub.currency_rules import refusal, rule, stripe_amount, stripe_minor
from revhub.money import EXPONENTS, Money, MoneyError, exponent, to_decimal_string, to_minor

CURRENCIES = sorted(EXPONENTS)


@st.composite
def amounts(draw):
    """A currency and a decimal string with at most that currency's decimals."""
    currency = draw(st.sampled_from(CURRENCIES))
    minor = draw(st.integers(min_value=-(10**15), max_value=10**15))
    return currency, minor


@given(amounts())
def test_minor_units_round_trip_through_decimal_strings_for_every_currency(case):
    currency, minor = case
    assert to_minor(to_decimal_string(minor, currency), currency) == minor


@given(st.sampled_from(CURRENCIES), st.decimals(allow_nan=False, allow_infinity=False, places=4,
                                                min_value=-10**9, max_value=10**9))
def test_decimal_to_minor_to_decimal_is_exact_when_representable(currency, value):
    places = exponent(currency)
    if value != value.quantize(Decimal(1).scaleb(-places)):
        with pytest.raises(MoneyError, match="decimals"):
            to_minor(str(value), currency)
    else:
        assert Decimal(to_decimal_string(to_minor(str(value), currency), currency)) == value


def test_two_decimal_currency_from_decimal_string():
    assert to_minor("1234.5", "EUR") == 123450


def test_zero_decimal_currency_has_no_minor_unit():
    assert to_minor("1234", "JPY") == 1234
    assert to_decimal_string(1234, "JPY") == "1234"
    with pytest.raises(MoneyError, match="more than 0 decimals"):
        to_minor("1234.5", "JPY")


def test_three_decimal_currency():
    assert to_minor("1.234", "KWD") == 1234
    assert to_decimal_string(5, "BHD") == "0.005"


def test_floats_are_refused_with_a_clear_error():
    with pytest.raises(MoneyError, match="float"):
        to_minor(12.5, "USD")
    with pytest.raises(MoneyError, match="float"):
        Money.parse(0.1, "USD")


def test_unknown_currency_is_named_in_the_error():
    with pytest.raises(MoneyError, match="'XYZ'"):
        to_minor("1", "XYZ")


def test_every_current_iso_currency_with_minor_units_is_in_the_table():
    for code, places in {"USD": 2, "JPY": 0, "KWD": 3, "CLF": 4, "XOF": 0, "ZWG": 2}.items():
        assert EXPONENTS[code] == places
    assert len(EXPONENTS) >= 160


def test_money_arithmetic_refuses_mixed_currencies():
    assert Money(100, "usd") + Money(50, "USD") == Money(150, "USD")
    with pytest.raises(MoneyError, match="USD with EUR"):
        Money(100, "USD") + Money(1, "EUR")


def test_money_prints_in_major_units():
    assert str(Money(123450, "EUR")) == "1234.50 EUR"


# -- what each system can hold (revhub.currency_rules) ------------------------------------

@pytest.mark.parametrize("currency", ["MGA", "JPY", "KRW", "VND", "XOF", "CLP", "BIF"])
def test_stripes_zero_decimal_currencies_go_on_the_wire_in_whole_units(currency):
    assert rule("stripe", currency).exponent == 0


def test_mga_is_two_decimal_in_iso_and_whole_ariary_in_stripe():
    assert (stripe_amount(150000, "MGA"), stripe_minor(1500, "MGA")) == (1500, 150000)
    assert refusal("stripe", "MGA", 150050) == "Stripe holds MGA amounts only in multiples of 1.00"


@pytest.mark.parametrize("currency", ["ISK", "UGX"])
def test_isk_and_ugx_go_to_stripe_as_two_decimals_of_00(currency):
    assert (stripe_amount(5, currency), stripe_minor(500, currency)) == (500, 5)


def test_three_decimal_amounts_must_end_in_zero_for_stripe():
    assert stripe_amount(1230, "KWD") == 1230
    assert refusal("stripe", "KWD", 1235) == "Stripe holds KWD amounts only in multiples of 0.010"


@pytest.mark.parametrize("currency", ["HUF", "TWD", "EUR", "USD", "GBP"])
def test_two_decimal_currencies_charge_with_two_decimals_in_stripe(currency):
    assert (rule("stripe", currency).exponent, refusal("stripe", currency, 12345)) == (2, None)


def test_stripe_takes_at_most_eight_digits():
    assert refusal("stripe", "EUR", 99999999) is None
    assert refusal("stripe", "EUR", 100000000) == "Stripe takes at most 999999.99 EUR"


def test_xero_keeps_amounts_to_two_decimals_and_unit_prices_to_four():
    assert refusal("xero", "KWD", 1235) == "Xero holds KWD amounts only in multiples of 0.010"
    assert refusal("xero", "KWD", 1235, unit=True) is None
    assert refusal("xero", "CLF", 12345, unit=True) is None


def test_stripe_does_not_take_fund_codes():
    assert refusal("stripe", "CLF", 10000) == "Stripe does not take payments in CLF"


def test_a_stripe_amount_it_cannot_hold_is_never_rounded_on_the_way():
    with pytest.raises(ValueError, match="cannot hold"):
        stripe_amount(1235, "KWD")
