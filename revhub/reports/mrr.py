"""Monthly recurring revenue and its movements, from subscription periods.

A subscription (a PO's subscription period, or a processor's subscription) contributes its
amount spread evenly over the whole months it runs: a 12-month PO of 12,000.00 is 1,000.00 of
MRR in each month it is active. A customer's MRR in a month is the sum of what is active on
the month's last day. Movements compare each customer's MRR with the month before:
new (from nothing), expansion (up), contraction (down, not to nothing), churned (to nothing).
Per currency; ARR is twelve times MRR.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from revhub.reports.receivables import month_end, months


@dataclass(frozen=True, slots=True)
class Recurring:
    source_id: str  # the PO or subscription it comes from
    customer: str
    currency: str
    monthly_minor: int
    start: date
    end: date | None  # inclusive; None: until cancelled


def monthly_value(total_minor: int, start: date, end: date) -> int:
    """A term's total as a monthly amount: the total over the term's length in whole months
    (1 Jan–31 Dec is 12, 15 Jan–14 Feb is 1), rounded half up to the minor unit."""
    after = end + timedelta(days=1)
    span = (after.year - start.year) * 12 + (after.month - start.month)
    if after.day != start.day:
        span += round((after.day - start.day) / 30)
    span = max(span, 1)
    return (total_minor * 2 + span) // (2 * span)


@dataclass(frozen=True, slots=True)
class MrrMonth:
    month: str
    currency: str
    mrr_minor: int
    new_minor: int
    expansion_minor: int
    contraction_minor: int
    churned_minor: int
    customers: int

    @property
    def arr_minor(self) -> int:
        return self.mrr_minor * 12


def mrr(items: Iterable[Recurring], first: date, last: date) -> list[MrrMonth]:
    items = list(items)
    previous = _by_customer(items, date(first.year, first.month, 1) - timedelta(days=1))
    rows = []
    for y, m in months(first, last):
        now = _by_customer(items, month_end(y, m))
        for currency in sorted({cur for _, cur in now} | {cur for _, cur in previous}):
            moves = {"new": 0, "expansion": 0, "contraction": 0, "churned": 0}
            for customer in {c for c, cur in now if cur == currency} | {c for c, cur in previous if cur == currency}:
                was, is_ = previous.get((customer, currency), 0), now.get((customer, currency), 0)
                if was == 0 and is_ > 0:
                    moves["new"] += is_
                elif was > 0 and is_ == 0:
                    moves["churned"] += was
                elif is_ > was:
                    moves["expansion"] += is_ - was
                elif is_ < was:
                    moves["contraction"] += was - is_
            total = sum(v for (c, cur), v in now.items() if cur == currency)
            rows.append(MrrMonth(f"{y:04d}-{m:02d}", currency, total, moves["new"], moves["expansion"],
                                 moves["contraction"], moves["churned"],
                                 sum(1 for (c, cur), v in now.items() if cur == currency and v > 0)))
        previous = now
    return rows


def _by_customer(items: list[Recurring], on: date) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = defaultdict(int)
    for it in items:
        if it.start <= on and (it.end is None or it.end >= on):
            out[(it.customer, it.currency)] += it.monthly_minor
    return dict(out)
