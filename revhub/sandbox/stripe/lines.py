"""Invoice lines: one ``add_lines`` entry or invoice item checked and shaped as Stripe's line item."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from revhub.sandbox.stripe import params as p
from revhub.sandbox.stripe import taxes
from revhub.sandbox.stripe.errors import StripeError
from revhub.sandbox.stripe.store import Store, new_id


def build(store: Store, invoice: dict[str, Any], line: dict[str, Any], where: str, now: int) -> dict[str, Any]:
    """The line item for ``line`` (``amount``, or ``price_data``/``pricing`` with a quantity)."""
    if invoice["status"] != "draft":
        raise StripeError(400, "You can only add lines to a draft invoice.", code="invoice_not_editable",
                          param=where or "invoice")
    if not isinstance(line, dict):
        raise StripeError(400, "Invalid object", param=where)
    quantity = p.integer(line, "quantity", minimum=1, default=1)
    amount, unit, price, product = _amount(store, invoice, line, where, quantity, now)
    tax_rates = taxes.rate_ids(store, line.get("tax_rates"), f"{where}[tax_rates]" if where else "tax_rates")
    return {"id": new_id("line_item"), "object": "line_item", "amount": amount, "currency": invoice["currency"],
            "description": p.string(line, "description") or "", "discount_amounts": [], "discountable": True,
            "discounts": [], "invoice": invoice["id"], "livemode": False, "metadata": p.metadata(line),
            "parent": {"type": "invoice_item_details", "subscription_item_details": None,
                       "invoice_item_details": {"invoice_item": new_id("invoiceitem"), "proration": False,
                                                "proration_details": {"credited_items": None},
                                                "subscription": None}},
            "period": {"end": now, "start": now}, "pretax_credit_amounts": [],
            "pricing": {"type": "price_details",
                        "price_details": {"price": price, "product": product} if product else None,
                        "unit_amount_decimal": str(unit)},
            "quantity": quantity, "quantity_decimal": str(quantity), "subscription": None, "subtotal": amount,
            "taxes": [], "_tax_rates": tax_rates}


def _amount(store: Store, invoice: dict[str, Any], line: dict[str, Any], where: str, quantity: int,
            now: int) -> tuple[int, int | Decimal, str | None, str | None]:
    """(amount, unit amount, price id, product id) of a line."""
    if line.get("price_data"):
        data = line["price_data"]
        product = store["product"].get(p.string(data, "product", required=True), f"{where}[price_data][product]")["id"]
        currency = p.string(data, "currency", required=True).lower()
        if currency != invoice["currency"]:
            raise StripeError(400, f"The price_data currency ({currency}) must match the invoice currency "
                                   f"({invoice['currency']}).", param=f"{where}[price_data][currency]")
        unit: int | Decimal | None = p.integer(data, "unit_amount", minimum=0)
        if unit is None:  # a decimal of the smallest unit: the line amount is rounded once
            unit = Decimal(p.string(data, "unit_amount_decimal", required=True))
        amount = int((Decimal(unit) * quantity).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        return amount, unit, _inline_price(store, currency, product, unit, now), product
    if line.get("pricing"):
        price = store["price"].get(p.string(line["pricing"], "price", required=True), f"{where}[pricing][price]")
        return price["unit_amount"] * quantity, price["unit_amount"], price["id"], price["product"]
    amount = p.integer(line, "amount", required=True)
    if "quantity" in line:
        raise StripeError(400, "You cannot specify quantity together with amount.", param=f"{where}[quantity]")
    return amount, amount, None, None


def _inline_price(store: Store, currency: str, product: str, unit: int | Decimal, now: int) -> str:
    """The one-off, inactive price Stripe makes for a line's ``price_data``."""
    whole = int(unit) if unit == int(unit) else None
    price = {"id": new_id("price"), "object": "price", "active": False, "billing_scheme": "per_unit",
             "created": now, "currency": currency, "custom_unit_amount": None, "livemode": False,
             "lookup_key": None, "metadata": {}, "nickname": None, "product": product, "recurring": None,
             "tax_behavior": "unspecified", "tiers_mode": None, "transform_quantity": None, "type": "one_time",
             "unit_amount": whole, "unit_amount_decimal": str(unit)}
    return store["price"].add(price)["id"]
