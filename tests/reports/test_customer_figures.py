"""Customer key figures against a hand-computed fixture."""

from datetime import date
from decimal import Decimal

from revhub.reports.customer_figures import customer_figures
from revhub.reports.receivables import Receivable


def inv(i, customer, total, due, paid=(), currency="EUR", issued=date(2026, 9, 1)):
    return Receivable(i, i, customer, currency, issued, due, total, tuple(paid))


def test_figures_by_hand():
    books = [
        inv("a1", "acme", 10000, date(2026, 10, 1), [(date(2026, 10, 11), 10000)]),  # 10 days late
        inv("a2", "acme", 5000, date(2026, 10, 15), [(date(2026, 10, 10), 5000)]),   # early: 0
        inv("a3", "acme", 7000, date(2026, 11, 1), [(date(2026, 11, 5), 2000)]),      # 5,000 overdue
        inv("a4", "acme", 3000, date(2026, 12, 31)),                                  # owed, not due
        inv("a5", "acme", 999, date(2026, 10, 1), currency="USD"),                   # other currency
        inv("b1", "bolt", 4000, date(2026, 11, 1), issued=date(2026, 12, 1)),        # not issued yet
    ]
    [acme] = customer_figures(books, date(2026, 11, 20))
    assert (acme.customer, acme.currency) == ("acme", "EUR")
    assert (acme.outstanding_minor, acme.overdue_minor) == (8000, 5000)
    assert acme.average_days_late == Decimal("5.0")  # (10 + 0) / 2
    assert acme.on_time_rate == Decimal("50.0")


def test_nothing_paid_yet_has_no_lateness_figures():
    [f] = customer_figures([inv("x", "new", 100, date(2026, 12, 1))], date(2026, 11, 1))
    assert (f.average_days_late, f.on_time_rate, f.outstanding_minor, f.overdue_minor) == (None, None, 100, 0)
