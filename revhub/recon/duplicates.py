"""The duplicate-invoice guard: two invoices that look like one bill sent twice.

Suspects, across every system's invoices in the canonical store: the same customer with the
same normalised PO number and the same total, or the same customer, total and lines within a
window of days. Pure; the caller decides whether a suspect blocks a write or is listed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from revhub.recon.references import normalise_number

WINDOW = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class InvoiceShape:
    id: str
    number: str | None
    customer: str
    currency: str
    total_minor: int
    issued: date | None
    po_number: str | None
    lines: tuple[tuple[str | None, int, int], ...]  # (product, quantity, unit price)


@dataclass(frozen=True, slots=True)
class Suspect:
    invoice_ids: tuple[str, str]
    why: str
    # "duplicate": the same PO billed twice; "possible_duplicate": the same bill under another
    # PO number (two departments may truly buy the same thing: a person decides).
    code: str = "duplicate"


def _same_po(a: InvoiceShape, b: InvoiceShape) -> bool:
    return bool(a.po_number and b.po_number and normalise_number(a.po_number) == normalise_number(b.po_number))


def _same_lines_nearby(a: InvoiceShape, b: InvoiceShape) -> bool:
    if not a.lines or sorted(a.lines, key=str) != sorted(b.lines, key=str):
        return False
    return a.issued is not None and b.issued is not None and abs(a.issued - b.issued) <= WINDOW


def why_duplicate(a: InvoiceShape, b: InvoiceShape) -> tuple[str, str] | None:
    """(code, why) when ``a`` and ``b`` look like the same bill, or None."""
    if a.id == b.id or a.customer != b.customer or a.currency != b.currency or a.total_minor != b.total_minor:
        return None
    if _same_po(a, b):
        return "duplicate", f"same customer, PO number {a.po_number} and total"
    if _same_lines_nearby(a, b):
        return "possible_duplicate", f"same customer, total and lines within {WINDOW.days} days"
    return None


def suspects_for(candidate: InvoiceShape, existing: list[InvoiceShape]) -> list[Suspect]:
    """Existing invoices that ``candidate`` (about to be written) would duplicate."""
    return [Suspect((candidate.id, other.id), found[1], found[0]) for other in existing
            if (found := why_duplicate(candidate, other))]


def all_suspects(invoices: list[InvoiceShape]) -> list[Suspect]:
    """Every pair of existing invoices that look like one bill (grouped by customer, currency
    and total first, so the work grows with the groups, not with the square of the books)."""
    groups: dict[tuple[str, str, int], list[InvoiceShape]] = defaultdict(list)
    for inv in invoices:
        groups[(inv.customer, inv.currency, inv.total_minor)].append(inv)
    out = []
    for group in groups.values():
        group.sort(key=lambda i: (i.issued or date.min, i.id))
        for n, a in enumerate(group):
            for b in group[n + 1:]:
                if found := why_duplicate(a, b):
                    out.append(Suspect((a.id, b.id), found[1], found[0]))
    return out
