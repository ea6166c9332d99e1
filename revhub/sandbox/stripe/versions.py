"""``Stripe-Version``: the API versions the sandbox answers in, and the older object shapes.

Objects are kept in the shape of the pinned SDK's version (2026-10-28.endive). Versions before
2025-03-31.basil get the shapes they had then: invoices with ``paid``, ``charge``,
``payment_intent``, ``subscription``, ``tax`` and ``total_tax_amounts`` (no ``total_taxes``);
invoice lines with ``type``, ``proration``, ``price``, ``tax_amounts`` and ``tax_rates`` (no
``pricing``, ``parent`` or ``taxes``); charges and payment intents with ``invoice``.
"""

from __future__ import annotations

from typing import Any

from revhub.sandbox.stripe.errors import StripeError
from revhub.sandbox.stripe.store import Store

CURRENT = "2026-10-28.endive"  # what stripe-python 16.1.0 sends
BASIL = "2025-03-31.basil"
KNOWN = frozenset({"2022-11-15", "2023-08-16", "2023-10-16", "2024-04-10", "2024-06-20", "2024-09-30.acacia",
                   BASIL, CURRENT})


def check(version: str | None) -> str:
    """The version a request asks for (the account's when it names none), or Stripe's 400."""
    if not version:
        return CURRENT
    if version not in KNOWN:
        raise StripeError(400, f"Invalid Stripe API version: {version}")
    return version


def is_legacy(version: str) -> bool:
    """Whether ``version`` predates basil's invoice and payment shapes (dates sort as text)."""
    return version < BASIL


def shape(value: Any, version: str, store: Store) -> Any:
    """``value`` (rendered JSON) in the shape of ``version``; nested objects too."""
    if not is_legacy(version):
        return value
    return _walk(value, store)


def _walk(value: Any, store: Store) -> Any:
    if isinstance(value, list):
        return [_walk(v, store) for v in value]
    if not isinstance(value, dict) or value.get("object") == "event":
        return value  # an event keeps the version it was created in, whoever lists it
    out = {k: _walk(v, store) for k, v in value.items()}
    kind = out.get("object")
    legacy = _LEGACY.get(kind) if isinstance(kind, str) else None
    return legacy(out, store) if legacy else out


def _invoice(invoice: dict[str, Any], store: Store) -> dict[str, Any]:
    stored = store["invoice"].objects.get(invoice.get("id")) or {}
    intents = stored.get("_payment_intents") or []
    intent = store["payment_intent"].objects.get(intents[-1]) if intents else None
    parent = invoice.pop("parent", None) or {}
    taxes = invoice.pop("total_taxes", None) or []
    invoice.update(
        paid=invoice.get("status") == "paid", paid_out_of_band=bool(stored.get("_paid_out_of_band")),
        charge=intent["latest_charge"] if intent else None, payment_intent=intent["id"] if intent else None,
        subscription=(parent.get("subscription_details") or {}).get("subscription"),
        tax=sum(t["amount"] for t in taxes) if taxes else None,
        total_tax_amounts=[_tax_amount(t, store) for t in taxes])
    return invoice


def _line(line: dict[str, Any], store: Store) -> dict[str, Any]:
    parent = line.pop("parent", None) or {}
    pricing = line.pop("pricing", None) or {}
    taxes = line.pop("taxes", None) or []
    details = parent.get("invoice_item_details") or {}
    price_id = (pricing.get("price_details") or {}).get("price")
    price = store["price"].objects.get(price_id) if price_id else None
    inclusive = sum(t["amount"] for t in taxes if t["tax_behavior"] == "inclusive")
    line.update(
        type="invoiceitem" if parent.get("type") != "subscription_item_details" else "subscription",
        invoice_item=details.get("invoice_item"), proration=bool(details.get("proration")),
        proration_details={"credited_items": None}, plan=None, subscription_item=None,
        price={k: v for k, v in price.items() if not k.startswith("_")} if price else None,
        unit_amount_excluding_tax=pricing.get("unit_amount_decimal"),
        amount_excluding_tax=line.get("amount", 0) - inclusive,
        tax_amounts=[_tax_amount(t, store) for t in taxes],
        tax_rates=[_public(store["tax_rate"].objects.get(t["tax_rate_details"]["tax_rate"])) for t in taxes])
    line.setdefault("discountable", True)
    return line


def _tax_amount(tax: dict[str, Any], store: Store) -> dict[str, Any]:
    return {"amount": tax["amount"], "inclusive": tax["tax_behavior"] == "inclusive",
            "tax_rate": tax["tax_rate_details"]["tax_rate"], "taxability_reason": tax.get("taxability_reason"),
            "taxable_amount": tax.get("taxable_amount")}


def _with_invoice(obj: dict[str, Any], store: Store) -> dict[str, Any]:
    intent_id = obj["id"] if obj.get("object") == "payment_intent" else obj.get("payment_intent")
    intent = store["payment_intent"].objects.get(intent_id) if intent_id else None
    obj["invoice"] = intent.get("_invoice") if intent else None
    return obj


def _public(obj: dict[str, Any] | None) -> dict[str, Any] | None:
    return {k: v for k, v in obj.items() if not k.startswith("_")} if obj else None


_LEGACY = {"invoice": _invoice, "line_item": _line, "charge": _with_invoice, "payment_intent": _with_invoice}
