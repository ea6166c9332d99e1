"""Receivables numbers: ageing, DSO, on-time payment, cash collected, unapplied cash.

Pure functions over plain records, every amount in integer minor units of one currency (a
report never adds two currencies together; each figure is per currency). An invoice's
outstanding amount on a day is its total less what was paid on it up to that day, so every
number can be taken as of any date, not only today.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")


@dataclass(frozen=True, slots=True)
class Receivable:
    id: str
    number: str | None
    customer: str
    currency: str
    issue_date: date
    due_date: date
    total_minor: int
    paid: tuple[tuple[date, int], ...] = ()  # (day, amount) of each payment or credit on it


@dataclass(frozen=True, slots=True)
class AgeingRow:
    customer: str
    currency: str
    buckets: dict[str, int]
    invoice_ids: dict[str, tuple[str, ...]]  # bucket → the invoices behind its figure

    @property
    def total(self) -> int:
        return sum(self.buckets.values())


def outstanding(inv: Receivable, on: date) -> int:
    """What ``inv`` still owed at the end of ``on`` (nothing before it was issued)."""
    if inv.issue_date > on:
        return 0
    return inv.total_minor - sum(amount for day, amount in inv.paid if day <= on)


def bucket(inv: Receivable, on: date) -> str:
    late = (on - inv.due_date).days
    if late <= 0:
        return "current"
    if late <= 30:
        return "1-30"
    if late <= 60:
        return "31-60"
    if late <= 90:
        return "61-90"
    return "90+"


def ageing(invoices: Iterable[Receivable], on: date) -> list[AgeingRow]:
    """Outstanding amounts per customer and currency, by days past due on ``on``."""
    sums: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(BUCKETS, 0))
    behind: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(lambda: {b: [] for b in BUCKETS})
    for inv in invoices:
        owed = outstanding(inv, on)
        if owed <= 0:
            continue
        key, where = (inv.customer, inv.currency), bucket(inv, on)
        sums[key][where] += owed
        behind[key][where].append(inv.id)
    return [AgeingRow(c, cur, sums[(c, cur)], {b: tuple(ids) for b, ids in behind[(c, cur)].items()})
            for c, cur in sorted(sums)]


@dataclass(frozen=True, slots=True)
class DsoMonth:
    month: str  # YYYY-MM
    currency: str
    receivables_minor: int  # outstanding at the month's last day
    credit_sales_minor: int  # invoiced in the month
    days: int
    dso: Decimal | None  # None when nothing was invoiced in the month


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def months(first: date, last: date) -> list[tuple[int, int]]:
    out, (y, m) = [], (first.year, first.month)
    while (y, m) <= (last.year, last.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def dso(invoices: list[Receivable], first: date, last: date) -> list[DsoMonth]:
    """Days sales outstanding per month, by the standard method:
    receivables at the month's end ÷ credit sales in the month × days in the month."""
    currencies = sorted({inv.currency for inv in invoices})
    rows = []
    for y, m in months(first, last):
        start, end = date(y, m, 1), month_end(y, m)
        for cur in currencies:
            mine = [inv for inv in invoices if inv.currency == cur]
            receivables = sum(max(outstanding(inv, end), 0) for inv in mine)
            sales = sum(inv.total_minor for inv in mine if start <= inv.issue_date <= end)
            value = (Decimal(receivables) / Decimal(sales) * end.day).quantize(Decimal("0.1"), ROUND_HALF_EVEN) \
                if sales else None
            rows.append(DsoMonth(f"{y:04d}-{m:02d}", cur, receivables, sales, end.day, value))
    return rows


@dataclass(frozen=True, slots=True)
class OnTime:
    paid_invoices: int
    on_time: int

    @property
    def rate(self) -> Decimal | None:
        if not self.paid_invoices:
            return None
        return (Decimal(self.on_time) / Decimal(self.paid_invoices) * 100).quantize(Decimal("0.1"), ROUND_HALF_EVEN)


def paid_on(inv: Receivable) -> date | None:
    """The day the invoice was paid in full, or None if it is not."""
    running = 0
    for day, amount in sorted(inv.paid):
        running += amount
        if running >= inv.total_minor:
            return day
    return None


def on_time_rate(invoices: Iterable[Receivable], first: date, last: date) -> OnTime:
    """Of the invoices paid in full between ``first`` and ``last``, how many by their due date."""
    paid = [(inv, day) for inv in invoices if (day := paid_on(inv)) is not None and first <= day <= last]
    return OnTime(len(paid), sum(1 for inv, day in paid if day <= inv.due_date))


@dataclass(frozen=True, slots=True)
class Cash:
    """Money received (``received_minor``) and given back (``refunded_minor``)."""

    received_on: date
    currency: str
    amount_minor: int
    applied_minor: int = 0
    refund: bool = False


def cash_collected(cash: Iterable[Cash], first: date, last: date) -> dict[str, dict[str, int]]:
    """Per currency: received, refunded and net between ``first`` and ``last``."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: {"received": 0, "refunded": 0, "net": 0})
    for c in cash:
        if first <= c.received_on <= last:
            row = out[c.currency]
            row["refunded" if c.refund else "received"] += c.amount_minor
            row["net"] += -c.amount_minor if c.refund else c.amount_minor
    return dict(sorted(out.items()))


def unapplied(cash: Iterable[Cash], on: date) -> dict[str, int]:
    """Per currency: money received by ``on`` that pays no invoice (yet)."""
    out: dict[str, int] = defaultdict(int)
    for c in cash:
        if not c.refund and c.received_on <= on and c.amount_minor > c.applied_minor:
            out[c.currency] += c.amount_minor - c.applied_minor
    return dict(sorted(out.items()))


@dataclass(frozen=True, slots=True)
class Disputed:
    """A dispute (chargeback) on a customer's payment, as the receivables report reads it."""

    id: str
    reference: str
    customer: str
    currency: str
    amount_minor: int
    opened_on: date
    closed_on: date | None = None   # decided (won, lost or closed) on this day
    outcome: str | None = None      # won | lost | closed, once decided


@dataclass(frozen=True, slots=True)
class DisputedRow:
    customer: str
    currency: str
    open_minor: int   # undecided on the day: the bank holds it back
    lost_minor: int   # decided against us by the day
    open_ids: tuple[str, ...]
    lost_ids: tuple[str, ...]


def disputed(disputes: Iterable[Disputed], on: date) -> list[DisputedRow]:
    """Disputed amounts per customer and currency on ``on``: those still undecided that day,
    and those lost by then (a won or otherwise closed dispute counts in neither)."""
    open_: dict[tuple[str, str], list[Disputed]] = defaultdict(list)
    lost: dict[tuple[str, str], list[Disputed]] = defaultdict(list)
    for d in disputes:
        if d.opened_on > on:
            continue
        key = (d.customer, d.currency)
        if d.closed_on is None or d.closed_on > on:
            open_[key].append(d)
        elif d.outcome == "lost":
            lost[key].append(d)
    return [DisputedRow(c, cur, sum(d.amount_minor for d in open_[(c, cur)]),
                        sum(d.amount_minor for d in lost[(c, cur)]),
                        tuple(d.id for d in open_[(c, cur)]), tuple(d.id for d in lost[(c, cur)]))
            for c, cur in sorted(open_.keys() | lost.keys())]
