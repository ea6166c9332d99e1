"""Tax rates (``/v1/tax_rates``) and the taxes Stripe computes on invoice lines from them.

Stripe computes a tax rate's amount on each line, rounded per line: an exclusive rate adds
``amount × percentage`` on top, an inclusive rate is the part of the amount already holding it
(``amount − amount / (1 + Σ inclusive percentages)``, shared between the inclusive rates).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from revhub.sandbox.stripe import params as p
from revhub.sandbox.stripe.errors import StripeError
from revhub.sandbox.stripe.store import Store, new_id

HUNDRED = Decimal(100)


def create_rate(store: Store, q: dict[str, Any], now: int) -> dict[str, Any]:
    """``POST /v1/tax_rates``: percentage and inclusive are fixed for the rate's life."""
    percentage = Decimal(p.string(q, "percentage", required=True))
    if not Decimal(0) <= percentage <= HUNDRED:
        raise StripeError(400, "Percentage must be between 0 and 100.", param="percentage")
    rate = {"id": new_id("tax_rate"), "object": "tax_rate", "active": p.boolean(q, "active", default=True),
            "country": p.string(q, "country"), "created": now, "description": p.string(q, "description"),
            "display_name": p.string(q, "display_name", required=True, max_length=50),
            "effective_percentage": float(percentage), "flat_amount": None,
            "inclusive": p.boolean(q, "inclusive"), "jurisdiction": p.string(q, "jurisdiction"),
            "jurisdiction_level": None, "livemode": False, "metadata": p.metadata(q),
            "percentage": float(percentage), "rate_type": "percentage", "state": p.string(q, "state"),
            "tax_type": p.string(q, "tax_type"), "_percentage": str(percentage)}
    return store["tax_rate"].add(rate)


def update_rate(rate: dict[str, Any], q: dict[str, Any]) -> dict[str, Any]:
    """``POST /v1/tax_rates/{id}``: everything but the percentage and inclusiveness may change."""
    for name in ("country", "description", "display_name", "jurisdiction", "state", "tax_type"):
        if name in q:
            rate[name] = p.string(q, name)
    if "active" in q:
        rate["active"] = p.boolean(q, "active")
    if "metadata" in q:
        rate["metadata"] = p.metadata(q, rate["metadata"])
    return rate


def rate_ids(store: Store, given: Any, param: str) -> list[str]:
    """Tax rate ids from a ``tax_rates``/``default_tax_rates`` parameter, each existing and active."""
    if given in (None, ""):
        return []
    ids = list(given)
    for i, rate_id in enumerate(ids):
        rate = store["tax_rate"].get(rate_id, f"{param}[{i}]")
        if not rate["active"]:
            raise StripeError(400, f"Tax rate {rate_id} is not active and cannot be applied.", param=f"{param}[{i}]")
    return ids


def line_taxes(store: Store, amount: int, ids: list[str]) -> list[dict[str, Any]]:
    """The ``taxes`` of a line of ``amount`` under the tax rates ``ids``, rounded per line."""
    rates = [store["tax_rate"].get(i) for i in ids]
    inclusive = sum((Decimal(r["_percentage"]) for r in rates if r["inclusive"]), Decimal(0))
    base = Decimal(amount) / (1 + inclusive / HUNDRED)  # the line's amount without inclusive tax
    taxes = []
    for rate in rates:
        share = _round(base * Decimal(rate["_percentage"]) / HUNDRED)
        taxes.append({"amount": share, "tax_behavior": "inclusive" if rate["inclusive"] else "exclusive",
                      "tax_rate_details": {"tax_rate": rate["id"]}, "taxability_reason": "standard_rated",
                      "taxable_amount": int(_round(base)), "type": "tax_rate_details"})
    return taxes


def totals(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """Invoice amounts from its lines: subtotals, tax totals per rate, total."""
    subtotal = sum(line["amount"] for line in lines)
    inclusive = sum(t["amount"] for line in lines for t in line["taxes"] if t["tax_behavior"] == "inclusive")
    exclusive = sum(t["amount"] for line in lines for t in line["taxes"] if t["tax_behavior"] == "exclusive")
    per_rate: dict[str, dict[str, Any]] = {}
    for line in lines:
        for tax in line["taxes"]:
            key = tax["tax_rate_details"]["tax_rate"]
            if key in per_rate:
                per_rate[key]["amount"] += tax["amount"]
                per_rate[key]["taxable_amount"] += tax["taxable_amount"]
            else:
                per_rate[key] = dict(tax, tax_rate_details=dict(tax["tax_rate_details"]))
    return {"subtotal": subtotal, "subtotal_excluding_tax": subtotal - inclusive,
            "total_excluding_tax": subtotal - inclusive, "total": subtotal + exclusive,
            "total_taxes": list(per_rate.values())}


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
