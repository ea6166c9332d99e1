"""Invoice items: each line added to an invoice is backed by one, as in Stripe."""

from __future__ import annotations

import copy
from typing import Any

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
            "created": created}
    return store["invoiceitem"].add(item)
