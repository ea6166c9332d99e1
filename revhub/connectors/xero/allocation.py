"""How a received amount lands on Xero invoices: pure arithmetic in minor units.

Xero refuses a payment above an invoice's amount due, so money beyond it is not allocated but
held as a customer credit (an overpayment), which an accountant applies to a later invoice
or returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Split:
    applied: list[tuple[str, int]] = field(default_factory=list)   # (Xero invoice id, minor units)
    excess: int = 0                                                 # beyond what was due: customer credit


def split_payment(amount: int, allocations: list[tuple[str, int]], due: dict[str, int]) -> Split:
    """Allocate ``amount`` to the invoices named in ``allocations`` (each capped at what the
    allocation asks and at the invoice's amount due in Xero, ``due``); the rest is excess."""
    left = dict(due)
    remaining = amount
    applied: list[tuple[str, int]] = []
    for invoice_id, asked in allocations:
        take = max(0, min(asked, left.get(invoice_id, 0), remaining))
        if take:
            applied.append((invoice_id, take))
            left[invoice_id] -= take
            remaining -= take
    return Split(applied, remaining)
