"""Deferred revenue: straight-line recognition worked out by hand."""

from datetime import date

import pytest

from revhub.reports.recognition import ServiceLine, monthly_amounts, schedule

YEAR = ServiceLine("i1", "acme", "EUR", date(2026, 1, 1), 1_200_000, date(2026, 1, 1), date(2026, 12, 31))


def test_a_calendar_year_is_recognised_by_the_days_of_each_month_and_adds_up_to_the_line():
    months = monthly_amounts(YEAR)
    # 12,000.00 over 365 days: January 31/365 = 1,019.178…, February 28/365 = 920.547…; rounding
    # the months down leaves 0.07 over, which goes a cent at a time to the largest remainders
    # (the seven 31-day months: their .8 of a cent beats February's .79).
    assert months["2026-01"] == 101_918
    assert months["2026-02"] == 92_054
    assert sum(months.values()) == 1_200_000


def test_a_period_starting_mid_month_recognises_the_part_months_at_each_end():
    line = ServiceLine("i2", "acme", "EUR", date(2026, 1, 15), 31_000, date(2026, 1, 15), date(2026, 2, 14))
    assert monthly_amounts(line) == {"2026-01": 17_000, "2026-02": 14_000}


def test_the_deferred_balance_is_invoiced_to_date_less_recognised_to_date():
    rows = {r.month: r for r in schedule([YEAR], date(2026, 1, 1), date(2026, 3, 31))}
    assert rows["2026-01"].invoiced_minor == 1_200_000
    assert rows["2026-01"].deferred_balance_minor == 1_200_000 - 101_918
    assert rows["2026-03"].deferred_balance_minor == 1_200_000 - 101_918 - 92_054 - 101_918


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="ends before it starts"):
        monthly_amounts(ServiceLine("i3", "acme", "EUR", date(2026, 1, 1), 100, date(2026, 2, 1), date(2026, 1, 1)))
