"""Deferred revenue: each invoice line for a service period recognised straight-line.

A line is earned day by day over its service period; each month takes the days of the
period that fall in it. Rounding is settled so that a line's months add up to the line to
the cent (largest remainder, ties to the earlier month), and what is invoiced but not yet
earned at a month's end is the deferred revenue balance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from revhub.reports.receivables import month_end, months


@dataclass(frozen=True, slots=True)
class ServiceLine:
    invoice_id: str
    customer: str
    currency: str
    invoiced_on: date
    amount_minor: int  # excluding tax: tax is never revenue
    start: date
    end: date  # inclusive


def monthly_amounts(line: ServiceLine) -> dict[str, int]:
    """``YYYY-MM`` → what the line earns in that month."""
    days_total = (line.end - line.start).days + 1
    if days_total <= 0:
        raise ValueError(f"service period of invoice {line.invoice_id} ends before it starts")
    shares = []
    for y, m in months(line.start, line.end):
        first = max(line.start, date(y, m, 1))
        last = min(line.end, month_end(y, m))
        shares.append((f"{y:04d}-{m:02d}", (last - first).days + 1))
    exact = [(key, line.amount_minor * days, days) for key, days in shares]
    floors = {key: numerator // days_total for key, numerator, _ in exact}
    left = line.amount_minor - sum(floors.values())
    by_remainder = sorted(exact, key=lambda e: (-(e[1] % days_total), e[0]))
    for key, _, _ in by_remainder[:left]:
        floors[key] += 1
    return floors


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    month: str
    customer: str
    currency: str
    recognised_minor: int
    invoiced_minor: int
    deferred_balance_minor: int  # invoiced to date less recognised to date, at the month's end


def schedule(lines: Iterable[ServiceLine], first: date, last: date) -> list[ScheduleRow]:
    """Per month and customer (and currency): revenue recognised, invoiced and still deferred."""
    lines = list(lines)
    earned: dict[tuple[str, str, str], int] = defaultdict(int)
    for line in lines:
        for month, amount in monthly_amounts(line).items():
            earned[(month, line.customer, line.currency)] += amount
    rows = []
    for y, m in months(first, last):
        key_month, end = f"{y:04d}-{m:02d}", month_end(y, m)
        for customer, currency in sorted({(ln.customer, ln.currency) for ln in lines}):
            mine = [ln for ln in lines if (ln.customer, ln.currency) == (customer, currency)]
            invoiced_to_date = sum(ln.amount_minor for ln in mine if ln.invoiced_on <= end)
            earned_to_date = sum(a for ln in mine if ln.invoiced_on <= end
                                 for mo, a in monthly_amounts(ln).items() if mo <= key_month)
            invoiced = sum(ln.amount_minor for ln in mine if date(y, m, 1) <= ln.invoiced_on <= end)
            recognised = earned.get((key_month, customer, currency), 0)
            if recognised or invoiced or invoiced_to_date - earned_to_date:
                rows.append(ScheduleRow(key_month, customer, currency, recognised, invoiced,
                                        invoiced_to_date - earned_to_date))
    return rows


