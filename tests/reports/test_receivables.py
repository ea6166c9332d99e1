"""Receivables numbers against a small ledger worked out by hand."""

from datetime import date
from decimal import Decimal

from revhub.reports.receivables import (
    Cash,
    Disputed,
    Receivable,
    ageing,
    cash_collected,
    disputed,
    dso,
    on_time_rate,
    unapplied,
)

D = date
# Acme (EUR): INV-1 121,000.00 issued 1 Jan due 31 Jan, 50,000.00 paid 10 Feb, the rest open;
#             INV-2 12,100.00 issued 1 Mar due 31 Mar, paid in full 25 Mar.
# Globex (EUR): INV-3 6,050.00 issued 15 Feb due 16 Mar, open.
# Initech (USD): INV-4 990.00 issued 20 Apr due 20 May, open.
BOOKS = [
    Receivable("i1", "INV-1", "acme", "EUR", D(2026, 1, 1), D(2026, 1, 31), 12_100_000, ((D(2026, 2, 10), 5_000_000),)),
    Receivable("i2", "INV-2", "acme", "EUR", D(2026, 3, 1), D(2026, 3, 31), 1_210_000, ((D(2026, 3, 25), 1_210_000),)),
    Receivable("i3", "INV-3", "globex", "EUR", D(2026, 2, 15), D(2026, 3, 16), 605_000),
    Receivable("i4", "INV-4", "initech", "USD", D(2026, 4, 20), D(2026, 5, 20), 99_000),
]


def test_ageing_puts_each_outstanding_amount_in_its_days_past_due_bucket():
    rows = {(r.customer, r.currency): r for r in ageing(BOOKS, D(2026, 4, 30))}
    # 30 Apr: INV-1 is 89 days past due with 71,000.00 left; INV-3 45 days; INV-4 not yet due.
    assert rows[("acme", "EUR")].buckets == {"current": 0, "1-30": 0, "31-60": 0, "61-90": 7_100_000, "90+": 0}
    assert rows[("globex", "EUR")].buckets["31-60"] == 605_000
    assert rows[("initech", "USD")].buckets["current"] == 99_000


def test_ageing_names_the_invoices_behind_each_figure():
    [acme] = [r for r in ageing(BOOKS, D(2026, 5, 2)) if r.customer == "acme"]  # 91 days late
    assert acme.invoice_ids["90+"] == ("i1",)


def test_ageing_as_of_an_earlier_day_counts_only_what_was_paid_by_then():
    [acme] = [r for r in ageing(BOOKS, D(2026, 2, 5)) if r.customer == "acme"]
    assert acme.total == 12_100_000


def test_dso_is_month_end_receivables_over_the_months_credit_sales_times_its_days():
    march = {r.currency: r for r in dso(BOOKS, D(2026, 3, 1), D(2026, 3, 31))}["EUR"]
    # 31 Mar: 71,000.00 + 6,050.00 open; March invoiced 12,100.00 → 77,050 / 12,100 × 31 = 197.4
    assert (march.receivables_minor, march.credit_sales_minor) == (7_705_000, 1_210_000)
    assert march.dso == Decimal("197.4")


def test_dso_is_not_a_number_in_a_month_with_no_sales():
    april_eur = [r for r in dso(BOOKS, D(2026, 4, 1), D(2026, 4, 30)) if r.currency == "EUR"][0]
    assert april_eur.dso is None


def test_on_time_rate_counts_invoices_paid_in_full_by_their_due_date():
    result = on_time_rate(BOOKS, D(2026, 1, 1), D(2026, 12, 31))
    assert (result.paid_invoices, result.on_time, result.rate) == (1, 1, Decimal("100.0"))


def test_cash_collected_and_unapplied_cash_per_currency():
    cash = [Cash(D(2026, 2, 10), "EUR", 5_000_000, 5_000_000), Cash(D(2026, 3, 25), "EUR", 1_250_000, 1_210_000),
            Cash(D(2026, 3, 28), "EUR", 40_000, refund=True)]
    assert cash_collected(cash, D(2026, 3, 1), D(2026, 3, 31)) == {
        "EUR": {"received": 1_250_000, "refunded": 40_000, "net": 1_210_000}}
    assert unapplied(cash, D(2026, 3, 31)) == {"EUR": 40_000}


# Disputes, worked out by hand:
# Acme (EUR): du_a 12,100.00 opened 28 Mar, lost 20 Apr; du_b 500.00 opened 1 Apr, still open.
# Globex (EUR): du_c 6,050.00 opened 5 Apr, won 25 Apr.
# Initech (USD): du_d 990.00 opened 2 May (after the day asked about below).
DISPUTES = [
    Disputed("d1", "du_a", "acme", "EUR", 1_210_000, D(2026, 3, 28), D(2026, 4, 20), "lost"),
    Disputed("d2", "du_b", "acme", "EUR", 50_000, D(2026, 4, 1)),
    Disputed("d3", "du_c", "globex", "EUR", 605_000, D(2026, 4, 5), D(2026, 4, 25), "won"),
    Disputed("d4", "du_d", "initech", "USD", 99_000, D(2026, 5, 2)),
]


def test_disputed_amounts_per_customer_and_currency_open_and_lost_on_a_day():
    # 22 Apr: Acme has 500.00 undecided and 12,100.00 lost; Globex's 6,050.00 is still undecided.
    rows = {(r.customer, r.currency): r for r in disputed(DISPUTES, D(2026, 4, 22))}
    assert set(rows) == {("acme", "EUR"), ("globex", "EUR")}
    acme, globex = rows[("acme", "EUR")], rows[("globex", "EUR")]
    assert (acme.open_minor, acme.lost_minor, acme.open_ids, acme.lost_ids) == (50_000, 1_210_000, ("d2",), ("d1",))
    assert (globex.open_minor, globex.lost_minor) == (605_000, 0)


def test_a_won_dispute_counts_in_neither_figure_once_decided():
    rows = {(r.customer, r.currency): r for r in disputed(DISPUTES, D(2026, 5, 2))}
    # 2 May: Globex won (gone), Initech's opened that day; Acme unchanged since 20 Apr.
    assert ("globex", "EUR") not in rows
    assert (rows[("initech", "USD")].open_minor, rows[("acme", "EUR")].open_minor) == (99_000, 50_000)
    before = {(r.customer, r.currency): r for r in disputed(DISPUTES, D(2026, 4, 10))}
    assert before[("acme", "EUR")].open_minor == 1_260_000 and before[("acme", "EUR")].lost_minor == 0
