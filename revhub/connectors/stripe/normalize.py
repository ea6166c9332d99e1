"""Stripe JSON → canonical records. Pure functions: provider dict in, record dict out.

Keys a Stripe object does not carry are left out of the record (not set to None), so the
merge never mistakes "Stripe has no such field" for "Stripe cleared it".
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from revhub.connectors.base import Ref
from revhub.connectors.stripe.catalog import LINE_PRODUCT_ID
from revhub.currency_rules import WireRule, rule
from revhub.money import exponent

StripeObject = dict[str, Any]

_PO_FIELD_NAMES = ("po number", "po", "purchase order", "po#", "po no", "purchase order number")
_PAYMENT_STATUS = {"succeeded": "succeeded", "pending": "pending", "failed": "failed"}


@functools.lru_cache(maxsize=256)
def _stripe_rule(currency: str) -> WireRule:
    return rule("stripe", currency)


def stripe_minor(amount: int, currency: str) -> int:
    """``currency_rules.stripe_minor`` with the currency's rule looked up once per currency
    (building it per amount was ~2 % of a full sync's CPU)."""
    return minor_units(currency)(amount)


@functools.lru_cache(maxsize=256)
def minor_units(currency: str) -> Callable[[int], int]:
    """``stripe_minor`` for one currency, its wire rule read once: an invoice converts a dozen
    amounts in one currency, and the rule's look-ups per amount were a third of its normalizing."""
    wire = _stripe_rule(currency)
    shift = wire.exponent - exponent(wire.currency)  # ``from_wire``'s arithmetic, its shift fixed
    if shift >= 0:
        divisor = 10**shift
        return lambda value: value // divisor
    factor = 10**-shift
    return lambda value: value * factor


@functools.lru_cache(maxsize=4096)
def _cached_ref(entity: str, external_id: str) -> Ref:
    # Refs are frozen, so one per id can be shared: the same customer and products recur
    # across a page, and building a frozen dataclass costs more than finding it.
    return Ref(entity, external_id)


def iso_date(ts: int | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).date().isoformat()


@functools.lru_cache(maxsize=1024)
def iso_datetime(ts: int | None) -> str | None:
    # Cached: a record's creation time is formatted twice (its field and its change's time),
    # and an aware datetime's ``isoformat`` is the dearer half of each call.
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


def _currency(code: str | None) -> str | None:
    return code.upper() if code else None


def _ref(entity: str, value: Any) -> Ref | None:
    if isinstance(value, dict):
        value = value.get("id")
    if not value:
        return None
    return _cached_ref(entity, value) if isinstance(value, str) else Ref(entity, value)


def po_number(invoice: StripeObject) -> str | None:
    """The PO number from the invoice's custom fields, else from its metadata."""
    for field in invoice.get("custom_fields") or ():
        if (field.get("name") or "").strip().lower() in _PO_FIELD_NAMES:
            return field.get("value")
    metadata = invoice.get("metadata") or {}
    return metadata.get("po_number") or metadata.get("po")


def customer(obj: StripeObject) -> dict[str, Any]:
    address = obj.get("address") or {}
    metadata = obj.get("metadata") or {}
    record = {
        "name": obj.get("name"),
        "email": obj.get("email"),
        "billing_line1": address.get("line1") or None,
        "billing_line2": address.get("line2") or None,
        "billing_city": address.get("city") or None,
        "billing_region": address.get("state") or None,
        "billing_postal_code": address.get("postal_code") or None,
        "billing_country": (address.get("country") or None) and address["country"].upper(),
        "default_currency": _currency(obj.get("currency")),
    }
    if metadata.get("tax_id"):
        record["tax_id"] = metadata["tax_id"]
    return record


def product(obj: StripeObject) -> dict[str, Any]:
    record: dict[str, Any] = {"name": obj.get("name"), "active": bool(obj.get("active", True))}
    sku = (obj.get("metadata") or {}).get("sku")
    if sku:
        record["sku"] = sku
    price = obj.get("default_price")
    if isinstance(price, dict):
        record["currency"] = _currency(price.get("currency"))
        amount = price.get("unit_amount")
        record["unit_amount_minor"] = amount if amount is None or not record["currency"] \
            else stripe_minor(amount, record["currency"])
        recurring = price.get("recurring") or {}
        record["recurring_interval"] = recurring.get("interval")
    return record


def _line(line: StripeObject, to_minor: Callable[[int], int]) -> dict[str, Any]:
    """Quantity × unit price as Stripe holds them (``pricing.unit_amount_decimal`` is a string of
    minor units); the amount only as a fallback for lines that carry no unit price.
    ``to_minor`` is the invoice currency's ``minor_units``."""
    pricing = line.get("pricing") or {}
    details = pricing.get("price_details") or {}
    quantity = line.get("quantity") or 1
    amount = to_minor(line.get("amount", 0))
    unit = _whole_units(pricing.get("unit_amount_decimal"))
    unit_minor = amount // quantity if unit is None else to_minor(unit)
    product = details.get("product")
    taxes = line.get("taxes")
    return {
        "description": line.get("description") or "",
        "quantity": quantity,
        "unit_amount_minor": unit_minor,
        "amount_minor": amount,
        # revhub's own line product stands for "no catalogue product".
        "product_id": None if product == LINE_PRODUCT_ID else _ref("product", product),
        "tax_code": (line.get("metadata") or {}).get("revhub_tax_code"),
        "tax_minor": to_minor(sum(t.get("amount", 0) for t in taxes) if taxes else 0),
    }


def _whole_units(given: Any) -> int | None:
    """A ``unit_amount_decimal`` that is a whole number of (Stripe) minor units, as an int;
    None when absent or fractional (a sub-cent unit price)."""
    if given is None or given == "":
        return None
    if isinstance(given, str) and given.isdecimal():  # the usual "54000": no Decimal needed
        return int(given)
    unit = Decimal(str(given))
    return int(unit) if unit == unit.to_integral_value() else None


def invoice(obj: StripeObject) -> dict[str, Any]:
    """A Stripe invoice in ISO minor units (Stripe's own units differ for MGA, ISK, UGX)."""
    transitions = obj.get("status_transitions") or {}
    metadata = obj.get("metadata") or {}
    currency = _currency(obj.get("currency"))
    to_minor = minor_units(currency or "USD")
    taxes = obj.get("total_taxes")
    lines = (obj.get("lines") or {}).get("data") or []
    subtotal = obj.get("subtotal_excluding_tax")
    return {
        "number": obj.get("number"),
        "po_number": po_number(obj),
        "customer_id": _ref("customer", obj.get("customer")),
        "issue_date": iso_date(transitions.get("finalized_at") or obj.get("effective_at") or obj.get("created")),
        # The contract's due date (the PO's terms) where revhub sent it; Stripe's own due date
        # counts from finalization and may be later when the invoice was pushed late.
        "due_date": metadata.get("terms_due_date") or iso_date(obj.get("due_date")),
        "currency": currency,
        "subtotal_minor": to_minor((obj.get("subtotal", 0) if subtotal is None else subtotal) or 0),
        "tax_minor": to_minor(sum(t.get("amount", 0) for t in taxes) if taxes else 0),
        "total_minor": to_minor(obj.get("total", 0) or 0),
        "amount_paid_minor": to_minor(obj.get("amount_paid", 0) or 0),
        "amount_due_minor": to_minor(obj.get("amount_remaining", obj.get("amount_due", 0)) or 0),
        "status": obj.get("status") or "draft",
        "amounts_include_tax": metadata.get("amounts_include_tax") == "true",
        # Where the customer pays it (set once the invoice is finalized); reminders link to it.
        "hosted_invoice_url": obj.get("hosted_invoice_url"),
        "lines": [_line(line, to_minor) for line in lines],
    }


def payment(charge: StripeObject, allocations: list[tuple[str, int]] | None = None) -> dict[str, Any]:
    """A charge as a canonical payment in ISO minor units; fee and net from its (expanded)
    balance transaction, in that transaction's currency (the caller drops them when it differs);
    ``allocations`` are Stripe's invoice payments, in the charge's Stripe units."""
    currency = _currency(charge.get("currency")) or "USD"
    txn = charge.get("balance_transaction")
    txn_currency = _currency(txn.get("currency")) or currency if isinstance(txn, dict) else currency
    amount = stripe_minor(charge.get("amount_captured") or charge.get("amount", 0), currency)
    fee = stripe_minor(txn.get("fee") or 0, txn_currency) if isinstance(txn, dict) else 0
    net = stripe_minor(txn["net"], txn_currency) if isinstance(txn, dict) and txn.get("net") is not None \
        else amount - fee
    method = (charge.get("payment_method_details") or {}).get("type") or "card"
    record = {
        "customer_id": _ref("customer", charge.get("customer")),
        "amount_minor": amount,
        "currency": _currency(charge.get("currency")),
        "received_at": iso_datetime(charge.get("created")),
        "method": method,
        "fee_minor": fee,
        "net_minor": net,
        "reference": charge.get("payment_intent") if isinstance(charge.get("payment_intent"), str)
        else charge.get("id"),
        "status": _PAYMENT_STATUS.get(charge.get("status"), "pending"),
    }
    if charge.get("refunded"):
        record["status"] = "reversed"
    record.update(settled(txn))
    if allocations is not None:
        record["allocations"] = [{"invoice_id": Ref("invoice", inv), "amount_minor": stripe_minor(paid, currency)}
                                 for inv, paid in allocations]
    return record


def settled(txn: Any) -> dict[str, Any]:
    """What the balance moved: ``abs(amount)`` of an (expanded) balance transaction, in its own
    settlement currency and ISO minor units; nothing when the transaction is not at hand."""
    if not isinstance(txn, dict) or not txn.get("currency"):
        return {}
    currency = txn["currency"].upper()
    return {"settled_minor": stripe_minor(abs(txn.get("amount") or 0), currency), "settled_currency": currency}


def refund(obj: StripeObject) -> dict[str, Any]:
    """A Stripe refund in ISO minor units."""
    currency = _currency(obj.get("currency")) or "USD"
    return {
        "kind": "refund",
        "amount_minor": stripe_minor(obj.get("amount") or 0, currency),
        "currency": _currency(obj.get("currency")),
        "reason": obj.get("reason"),
        "reference": obj.get("id"),
        "status": obj.get("status") or "succeeded",
        "issued_at": iso_datetime(obj.get("created")),
        "payment_id": _ref("payment", obj.get("charge")),
        **settled(obj.get("balance_transaction")),
    }


def subscription(obj: StripeObject) -> dict[str, Any]:
    items = (obj.get("items") or {}).get("data") or []
    first = items[0] if items else {}
    price = first.get("price") or {}
    return {
        "customer_id": _ref("customer", obj.get("customer")),
        "product_id": _ref("product", price.get("product") if isinstance(price, dict) else None),
        "quantity": first.get("quantity") or 1,
        "current_period_start": iso_datetime(first.get("current_period_start")),
        "current_period_end": iso_datetime(first.get("current_period_end")),
        "status": obj.get("status"),
    }
