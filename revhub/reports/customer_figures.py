"""Per customer, the receivables figures sales needs to see who pays late: outstanding and
overdue today, the average days late of the invoices paid in full, and the share of them paid
by their due date. Pure, over the same ``Receivable`` records as the ageing report.

A customer billed in several currencies gets the figures of its main currency (the one with
the most invoices; ties by name) — an Account field holds one amount, and two currencies are
never added together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from revhub.reports.receivables import Receivable, outstanding, paid_on


@dataclass(frozen=True, slots=True)
class CustomerFigures:
    customer: str
    currency: str
    outstanding_minor: int
    overdue_minor: int
    average_days_late: Decimal | None  # None when nothing has been paid in full yet
    on_time_rate: Decimal | None  # percent, 0–100


def customer_figures(invoices: Iterable[Receivable], on: date) -> list[CustomerFigures]:
    """The figures of every customer with an invoice, as of the end of ``on``."""
    by_customer: dict[str, list[Receivable]] = defaultdict(list)
    for inv in invoices:
        if inv.issue_date <= on:
            by_customer[inv.customer].append(inv)
    out = []
    for customer in sorted(by_customer):
        counts: dict[str, int] = defaultdict(int)
        for inv in by_customer[customer]:
            counts[inv.currency] += 1
        currency = min(counts, key=lambda c: (-counts[c], c))
        mine = [inv for inv in by_customer[customer] if inv.currency == currency]
        owed = [(inv, max(outstanding(inv, on), 0)) for inv in mine]
        lateness = [max((day - inv.due_date).days, 0) for inv in mine
                    if (day := paid_on(inv)) is not None and day <= on]
        out.append(CustomerFigures(
            customer, currency, sum(a for _, a in owed), sum(a for inv, a in owed if inv.due_date < on),
            _one_decimal(Decimal(sum(lateness)) / len(lateness)) if lateness else None,
            _one_decimal(Decimal(sum(1 for d in lateness if d == 0)) * 100 / len(lateness)) if lateness else None))
    return out


def _one_decimal(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), ROUND_HALF_EVEN)
