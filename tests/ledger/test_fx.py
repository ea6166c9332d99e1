"""The rate Stripe realised, as Xero's ``CurrencyRate``, and the settled amount shared among the
parts of a split payment. Conversions are checked with the Xero sandbox's own BankAmount
arithmetic (``revhub.sandbox.xero.fx``: Amount / CurrencyRate at two decimals)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from revhub.ledger.fx import FINEST_RATE_DP, XERO_RATE_DP, part_rates, realised_rate, split_settled
from revhub.sandbox.xero import fx

DAY = date(2026, 11, 2)


def xero_moves(presented_minor: int, currency: str, rate: Decimal) -> int:
    """Cents of EUR the sandbox moves a EUR account by for a payment of ``presented_minor``."""
    cents = presented_minor * 100 // 10 ** (0 if currency == "JPY" else 2)
    return fx.bank_cents(cents, currency, "EUR", "EUR", fx.payment_rate(rate, currency, "EUR", DAY), DAY)


@pytest.mark.parametrize("presented, currency, settled", [
    (123_456, "USD", 113_580), (123_457, "JPY", 75_309), (50_000, "GBP", 58_500), (1, "USD", 1),
    (99_999_999, "USD", 91_999_999), (7, "JPY", 4)])
def test_the_realised_rate_converts_the_presented_amount_to_exactly_what_was_settled(presented, currency, settled):
    rate = realised_rate(presented, currency, settled, "EUR")
    assert xero_moves(presented, currency, rate) == settled


def test_the_rate_has_xeros_six_decimals_when_six_are_enough():
    rate = realised_rate(123_456, "USD", 113_580, "EUR")
    assert rate == Decimal("1.086952") and -rate.as_tuple().exponent == XERO_RATE_DP


def test_more_places_are_sent_only_when_no_six_place_rate_converts_exactly():
    rate = realised_rate(99_999_999, "USD", 91_999_999, "EUR")
    assert XERO_RATE_DP < -rate.as_tuple().exponent <= FINEST_RATE_DP


def test_no_rate_when_the_processor_did_not_convert():
    assert realised_rate(10_000, "EUR", 10_000, "EUR") is None


def test_no_rate_when_nothing_was_settled():
    assert realised_rate(10_000, "USD", 0, "EUR") is None


def test_a_refund_settled_as_a_negative_amount_has_the_same_positive_rate():
    assert realised_rate(23_457, "USD", -21_580, "EUR") == realised_rate(23_457, "USD", 21_580, "EUR") > 0


def test_settled_shares_are_in_proportion_and_sum_exactly_to_the_settled_total():
    assert split_settled(92_000, [100_000, 20_000]) == [76_667, 15_333]
    assert sum(split_settled(113_581, [33_333, 33_333, 33_334])) == 113_581


def test_a_tie_for_the_last_unit_goes_to_the_earlier_part():
    assert split_settled(3, [1, 1]) == [2, 1]


def test_one_part_takes_the_whole_settled_amount():
    assert split_settled(113_580, [123_456]) == [113_580]


def test_the_parts_of_an_over_payment_move_the_account_by_the_whole_settled_amount_at_their_rates():
    applied, excess, settled = 100_000, 23_456, 113_580
    rates = part_rates([applied, excess], "USD", settled, "EUR")
    moved = [xero_moves(part, "USD", rate) for part, rate in zip([applied, excess], rates, strict=True)]
    assert sum(moved) == settled
