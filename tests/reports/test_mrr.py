"""MRR and its movements from subscription periods, worked out by hand."""

from datetime import date

from revhub.reports.mrr import Recurring, monthly_value, mrr

ACME = Recurring("po1", "acme", "EUR", 100_000, date(2026, 1, 1), date(2026, 12, 31))
ACME_UPSELL = Recurring("po2", "acme", "EUR", 50_000, date(2026, 3, 1), date(2026, 12, 31))
GLOBEX = Recurring("po3", "globex", "EUR", 80_000, date(2026, 1, 1), date(2026, 2, 28))


def test_a_term_is_spread_over_its_whole_months():
    assert monthly_value(1_200_000, date(2026, 1, 1), date(2026, 12, 31)) == 100_000
    assert monthly_value(1_200_000, date(2026, 1, 15), date(2027, 1, 14)) == 100_000


def test_new_expansion_and_churn_are_told_apart_month_by_month():
    rows = {r.month: r for r in mrr([ACME, ACME_UPSELL, GLOBEX], date(2026, 1, 1), date(2026, 3, 31))}
    assert (rows["2026-01"].mrr_minor, rows["2026-01"].new_minor) == (180_000, 180_000)
    assert rows["2026-02"].mrr_minor == 180_000
    march = rows["2026-03"]
    assert (march.mrr_minor, march.expansion_minor, march.churned_minor) == (150_000, 50_000, 80_000)
    assert march.arr_minor == 1_800_000
    assert march.customers == 1
