"""Three-way match: the purchase order, the invoice, and the service delivered.

The "receipt" of a subscription is its period being active: an invoice dated after the PO's
subscription has ended bills for service no longer delivered. (Billing before the period
starts is how SaaS is sold, in advance, and is not flagged.) Each invoice raised
against a PO is checked line by line against it, within tolerances an admin sets; what does
not fit is a finding, and the admin's policy says which findings block the invoice.

Also the PO ledger: ordered, invoiced, paid, remaining, expiry. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

FINDINGS = ("over_remaining", "after_end", "product_not_on_po", "quantity_over", "price_off",
            "currency_differs", "duplicate", "possible_duplicate")


@dataclass(frozen=True, slots=True)
class Tolerances:
    """How far an invoice may stray from its PO before it is flagged."""

    price_pct: Decimal = Decimal("0")  # unit price above the PO's, in percent
    quantity: int = 0  # licences above the PO's
    amount_minor: int = 0  # invoiced total above the PO's remaining value
    # A bill sent twice or beyond the PO costs a customer's trust; a late one is only flagged.
    blocking: frozenset[str] = frozenset({"over_remaining", "product_not_on_po", "currency_differs", "duplicate"})

    @classmethod
    def from_json(cls, data: dict | None) -> Tolerances:
        data = data or {}
        unknown = set(data.get("blocking", ())) - set(FINDINGS)
        if unknown:
            raise ValueError(f"blocking: unknown finding(s) {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(FINDINGS)}")
        defaults = cls()
        return cls(Decimal(str(data.get("price_pct", defaults.price_pct))), int(data.get("quantity", 0)),
                   int(data.get("amount_minor", 0)), frozenset(data.get("blocking", defaults.blocking)))

    def as_json(self) -> dict:
        return {"price_pct": str(self.price_pct), "quantity": self.quantity, "amount_minor": self.amount_minor,
                "blocking": sorted(self.blocking)}


@dataclass(frozen=True, slots=True)
class Line:
    product: str | None  # product id (or SKU); None for a free-text line
    quantity: int
    unit_minor: int
    amount_minor: int


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    currency: str
    total_minor: int
    lines: tuple[Line, ...]
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True, slots=True)
class Bill:
    id: str
    currency: str
    total_minor: int
    issued: date
    lines: tuple[Line, ...]
    amount_paid_minor: int = 0


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    message: str
    blocking: bool


@dataclass(frozen=True, slots=True)
class PoLedger:
    ordered_minor: int
    invoiced_minor: int
    paid_minor: int
    remaining_minor: int
    expires: date | None
    invoices: tuple[str, ...] = field(default=())


def po_ledger(order: Order, bills: list[Bill]) -> PoLedger:
    """What was ordered, invoiced against it, paid, and what is left to invoice."""
    invoiced = sum(b.total_minor for b in bills)
    return PoLedger(order.total_minor, invoiced, sum(b.amount_paid_minor for b in bills),
                    order.total_minor - invoiced, order.end, tuple(b.id for b in bills))


def check(order: Order, bill: Bill, others: list[Bill], tolerances: Tolerances) -> list[Finding]:
    """Findings for ``bill`` against ``order``, given the PO's other (earlier) invoices."""
    found: list[tuple[str, str]] = []
    if bill.currency != order.currency:
        found.append(("currency_differs", f"invoice in {bill.currency}, PO in {order.currency}"))
    remaining = order.total_minor - sum(b.total_minor for b in others if b.id != bill.id)
    if bill.total_minor > remaining + tolerances.amount_minor:
        found.append(("over_remaining", f"invoice total {bill.total_minor} is above the PO's remaining "
                                        f"{remaining} (in minor units of {order.currency})"))
    if order.end and bill.issued > order.end:
        found.append(("after_end", f"invoiced {bill.issued.isoformat()}, after the PO ended {order.end.isoformat()}"))
    ordered = {ln.product: ln for ln in order.lines if ln.product}
    invoiced_before: dict[str | None, int] = {}
    for other in others:
        if other.id != bill.id:
            for ln in other.lines:
                invoiced_before[ln.product] = invoiced_before.get(ln.product, 0) + ln.quantity
    for ln in bill.lines:
        if ln.product is None:
            continue
        po_line = ordered.get(ln.product)
        if po_line is None:
            found.append(("product_not_on_po", f"product {ln.product} is not on the PO"))
            continue
        left = po_line.quantity - invoiced_before.get(ln.product, 0)
        if ln.quantity > left + tolerances.quantity:
            found.append(("quantity_over", f"{ln.quantity} of {ln.product} invoiced, {left} left on the PO"))
        ceiling = Decimal(po_line.unit_minor) * (1 + tolerances.price_pct / 100)
        if ln.unit_minor > ceiling:
            found.append(("price_off", f"unit price {ln.unit_minor} of {ln.product} above the PO's "
                                       f"{po_line.unit_minor}"))
    return [Finding(code, message, code in tolerances.blocking) for code, message in found]
