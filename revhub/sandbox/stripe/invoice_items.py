"""Invoice items: each line added to an invoice is backed by one, as in Stripe."""

from __future__ import annotations

import copy
import weakref
from typing import Any

from revhub.sandbox.stripe import lines
from revhub.sandbox.stripe import params as p
from revhub.sandbox.stripe.store import Store


def from_line(store: Store, line: dict[str, Any], invoice: dict[str, Any], created: int) -> dict[str, Any]:
    """The ``invoiceitem`` behind an invoice ``line`` (its id is the line's parent's invoice_item)."""
    item = {"id": line["parent"]["invoice_item_details"]["invoice_item"], "object": "invoiceitem",
            "amount": line["amount"], "currency": line["currency"], "customer": invoice["customer"],
            "customer_account": None, "date": created, "description": line["description"],
            "discountable": line["discountable"], "discounts": [], "frozen_fields": None, "invoice": invoice["id"],
            "invoicing_rules": None, "livemode": False, "metadata": dict(line["metadata"]),
            "net_amount": line["amount"], "parent": None, "period": dict(line["period"]),
            "pricing": copy.deepcopy(line["pricing"]), "proration": False,
            "proration_details": {"discount_amounts": []}, "quantity": line["quantity"],
            "quantity_decimal": line["quantity_decimal"],
            "tax_rates": [store["tax_rate"].get(i) for i in line["_tax_rates"]], "test_clock": None,
            "created": created, "_line": line}
    return store["invoiceitem"].add(item)


def create_pending(store: Store, q: dict[str, Any], customer: dict[str, Any], default_currency: str,
                   now: int) -> dict[str, Any]:
    """An invoice item not on any invoice yet: the customer's next invoice that asks for it takes it."""
    currency = (p.string(q, "currency") or customer["currency"] or default_currency).lower()
    holder = {"id": None, "status": "draft", "currency": currency, "customer": customer["id"]}
    line = lines.build(store, holder, {k: v for k, v in q.items() if k not in ("customer", "currency")}, "", now)
    item = from_line(store, line, holder, now)
    _pending.setdefault(store["invoiceitem"], {})[item["id"]] = None
    return item


# Ids of the items made pending, per collection, oldest first: an invoice looks through these
# only, not through every invoice item (a scan per invoice made seeding quadratic).
_pending: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def take_pending(store: Store, invoice: dict[str, Any]) -> list[dict[str, Any]]:
    """The customer's pending items in the invoice's currency, now on ``invoice`` (its lines)."""
    rows = []
    pending = _pending.get(store["invoiceitem"], {})
    for item_id in list(pending):
        item = store["invoiceitem"].objects.get(item_id)
        if item is None or item["invoice"] is not None:
            del pending[item_id]  # deleted, or taken
            continue
        if item["customer"] == invoice["customer"] and item["currency"] == invoice["currency"]:
            item["invoice"] = item["_line"]["invoice"] = invoice["id"]
            rows.append(item["_line"])
            del pending[item_id]
    return rows
