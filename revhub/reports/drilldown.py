"""The records behind a report's figure: which invoices make an ageing bucket or a month's
receivables, which POs and subscriptions make a month's MRR, which invoice lines a month's
recognised revenue. Pure, over the same inputs the figures are computed from, so a drill-down
always adds up to the number it was opened from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from revhub.reports.mrr import Recurring, _by_customer
from revhub.reports.receivables import Receivable, month_end, outstanding
from revhub.reports.recognition import ServiceLine, monthly_amounts


@dataclass(frozen=True, slots=True)
class Behind:
    """One record behind a figure and the part of the figure it makes."""

    record_id: str
    customer: str
    currency: str
    amount_minor: int


def month_bounds(month: str) -> tuple[date, date]:
    """``YYYY-MM`` as its first and last day (ValueError when it is not a month)."""
    year, _, mon = month.partition("-")
    if not (year.isdigit() and mon.isdigit() and len(year) == 4 and 1 <= int(mon) <= 12):
        raise ValueError(f"{month!r} is not a month; give YYYY-MM")
    return date(int(year), int(mon), 1), month_end(int(year), int(mon))


def receivables_at(invoices: Iterable[Receivable], month: str, currency: str) -> list[Behind]:
    """The invoices still owed at the month's end (the DSO numerator)."""
    _, end = month_bounds(month)
    return [Behind(i.id, i.customer, i.currency, owed) for i in invoices
            if i.currency == currency and (owed := outstanding(i, end)) > 0]


def sales_in(invoices: Iterable[Receivable], month: str, currency: str) -> list[Behind]:
    """The invoices issued in the month (the DSO denominator, credit sales)."""
    start, end = month_bounds(month)
    return [Behind(i.id, i.customer, i.currency, i.total_minor) for i in invoices
            if i.currency == currency and start <= i.issue_date <= end]


def recurring_at(items: Iterable[Recurring], month: str, currency: str) -> list[Behind]:
    """The POs and subscriptions active on the month's last day (its MRR)."""
    _, end = month_bounds(month)
    return [Behind(it.source_id, it.customer, it.currency, it.monthly_minor) for it in items
            if it.currency == currency and it.start <= end and (it.end is None or it.end >= end)]


@dataclass(frozen=True, slots=True)
class Movement:
    customer: str
    kind: str  # new | expansion | contraction | churned
    before_minor: int
    after_minor: int


def movements(items: Iterable[Recurring], month: str, currency: str) -> list[Movement]:
    """Per customer, how its MRR moved from the month before (the MRR report's movements)."""
    items = list(items)
    start, end = month_bounds(month)
    was = _by_customer(items, date.fromordinal(start.toordinal() - 1))
    now = _by_customer(items, end)
    out = []
    for customer in sorted({c for c, cur in was | now if cur == currency}):
        before, after = was.get((customer, currency), 0), now.get((customer, currency), 0)
        kind = ("new" if before == 0 and after > 0 else "churned" if before > 0 and after == 0
                else "expansion" if after > before else "contraction" if after < before else "")
        if kind:
            out.append(Movement(customer, kind, before, after))
    return out


def recognised_in(lines: Iterable[ServiceLine], month: str, customer: str, currency: str) -> list[Behind]:
    """The invoice lines earning revenue for ``customer`` in the month, with what each earns."""
    month_bounds(month)
    return [Behind(ln.invoice_id, ln.customer, ln.currency, earned) for ln in lines
            if (ln.customer, ln.currency) == (customer, currency)
            and (earned := monthly_amounts(ln).get(month, 0))]
