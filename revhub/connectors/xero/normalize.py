"""Xero JSON → canonical records. Pure functions.

Xero speaks decimals in major units (converted exactly with ``revhub.money``) and MS-JSON
dates (``/Date(1704067200000+0000)/``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from revhub.connectors.base import Ref
from revhub.mappings import engine as mapping_engine
from revhub.mappings.loader import mapping_for
from revhub.money import exponent, to_minor
from revhub.tax.codes import strip_notes
from revhub.tax.mapping import xero_tax_types

XeroObject = dict[str, Any]
_MS_DATE = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/")
# A Stripe refund id quoted in a credit note's Reference ("Refund re_… of INV-1001").
_REFUND_ID = re.compile(r"\bre_[A-Za-z0-9]+\b")


def parse_date(value: str | None) -> datetime | None:
    """An MS-JSON or ISO date as an aware UTC datetime."""
    if not value:
        return None
    match = _MS_DATE.fullmatch(value)
    if match:
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(match.group(1)))
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso_date(value: str | None) -> str | None:
    parsed = parse_date(value)
    return parsed.date().isoformat() if parsed else None


def version(obj: XeroObject) -> str:
    """UpdatedDateUTC as zero-padded epoch milliseconds: sorts as it happened."""
    updated = parse_date(obj.get("UpdatedDateUTC"))
    millis = int(updated.timestamp() * 1000) if updated else 0
    return f"{millis:015d}"


def minor(amount: Any, currency: str) -> int:
    """A Xero decimal amount (JSON number) in minor units, exactly."""
    return to_minor(Decimal(str(amount if amount is not None else 0)), currency)


def unit_minor(amount: Any, currency: str) -> int:
    """A unit price (read with ``unitdp=4``) in minor units: exact where the currency holds it
    (KWD 1.235); finer than the currency's minor unit (a EUR price keyed in Xero as 33.3333) it
    is rounded half up to it, the value Xero itself shows at two decimals."""
    value = Decimal(str(amount if amount is not None else 0))
    return to_minor(value.quantize(Decimal(1).scaleb(-exponent(currency)), rounding=ROUND_HALF_UP)
                    if value.as_tuple().exponent < -exponent(currency) else value, currency)


def _ref(entity: str, value: str | None) -> Ref | None:
    return Ref(entity, value) if value else None


def is_deleted(entity: str, obj: XeroObject) -> bool:
    """Statuses that mean the record is gone (voided invoices stay, as status ``void``)."""
    if entity == "customer":
        return obj.get("ContactStatus") in ("ARCHIVED", "GDPRREQUEST")
    return obj.get("Status") == "DELETED"


_ADDRESS_PARTS = ("AddressLine1", "AddressLine2", "City", "Region", "PostalCode", "Country")


def _billing_address(addresses: list[dict[str, Any]]) -> dict[str, Any]:
    """The postal (POBOX) address, else the street one: whichever holds anything. Xero lists
    both types on every contact, empty ones included; an address of a country alone (what a
    Stripe customer with only a country is written as) is still the customer's country."""
    held = [a for a in addresses if any(a.get(part) for part in _ADDRESS_PARTS)]
    return next((a for a in held if a.get("AddressType") == "POBOX"), held[0] if held else {})


def is_customer(obj: XeroObject) -> bool:
    """Whether a contact is one of ours to sell to: a contact Xero marks as a supplier only
    (bills or spend money against it, no sales) -- the payee of the hub's own fee bookings,
    the landlord -- is not a customer, and must not become one in Stripe or the CRM."""
    return bool(obj.get("IsCustomer")) or not obj.get("IsSupplier")


def customer(obj: XeroObject) -> dict[str, Any]:
    address = _billing_address(obj.get("Addresses") or [])
    return {
        "name": obj.get("Name"),
        "email": obj.get("EmailAddress") or None,
        "tax_id": obj.get("TaxNumber") or None,
        "billing_line1": address.get("AddressLine1") or None,
        "billing_line2": address.get("AddressLine2") or None,
        "billing_city": address.get("City") or None,
        "billing_region": address.get("Region") or None,
        "billing_postal_code": address.get("PostalCode") or None,
        "billing_country": address.get("Country") or None,
        "default_currency": obj.get("DefaultCurrency") or None,
    }


def product(obj: XeroObject) -> dict[str, Any]:
    return {"sku": obj.get("Code") or None, "name": obj.get("Name") or obj.get("Code"),
            "active": bool(obj.get("IsSold", True))}


def _quantity(value: Any) -> int:
    quantity = Decimal(str(value if value is not None else 1))
    return int(quantity) if quantity == quantity.to_integral_value() else int(quantity.to_integral_value())


def _line(line: XeroObject, currency: str, codes_by_type: dict[str, str]) -> dict[str, Any]:
    item = line.get("Item") or {}
    tax_type = line.get("TaxType")
    return {
        "description": strip_notes(line.get("Description") or ""),
        "quantity": _quantity(line.get("Quantity")),
        "unit_amount_minor": unit_minor(line.get("UnitAmount"), currency),
        "amount_minor": minor(line.get("LineAmount"), currency),
        "product_id": _ref("product", item.get("ItemID")),
        "tax_code": codes_by_type.get(tax_type) if tax_type else None,
        "tax_minor": minor(line.get("TaxAmount"), currency),
    }


def invoice(obj: XeroObject, tax_types: dict[str, str] | None = None) -> dict[str, Any]:
    """An ACCREC invoice; ``tax_types`` is the connection's revhub code → Xero tax type map."""
    currency = obj.get("CurrencyCode") or "USD"
    record = mapping_engine.read(mapping_for("xero", "invoice"), obj, currency)
    record["status"] = record.get("status") or "draft"
    record["customer_id"] = _ref("customer", (obj.get("Contact") or {}).get("ContactID"))
    # NoTax: Xero still names a tax type per line (the account's default), which says nothing.
    codes_by_type = {} if obj.get("LineAmountTypes") == "NoTax" else {
        xero: code for code, xero in (tax_types or xero_tax_types(None)).items()}
    record["amounts_include_tax"] = obj.get("LineAmountTypes") == "Inclusive"
    record["lines"] = [_line(line, currency, codes_by_type) for line in obj.get("LineItems") or ()]
    return record


def payment(obj: XeroObject) -> dict[str, Any]:
    invoice_ = obj.get("Invoice") or {}
    currency = invoice_.get("CurrencyCode") or obj.get("CurrencyCode") or "USD"
    amount = minor(obj.get("Amount"), currency)
    record: dict[str, Any] = {
        "customer_id": _ref("customer", (invoice_.get("Contact") or {}).get("ContactID")),
        "amount_minor": amount,
        "currency": currency,
        "received_at": (parse_date(obj.get("Date")) or datetime.now(UTC)).isoformat(),
        "method": "bank_transfer",
        "reference": obj.get("Reference") or None,
        "status": "succeeded",
    }
    if invoice_.get("InvoiceID"):
        record["allocations"] = [{"invoice_id": Ref("invoice", invoice_["InvoiceID"]), "amount_minor": amount}]
    return record


def refund(obj: XeroObject) -> dict[str, Any]:
    """A sales credit note (ACCRECCREDIT) as a canonical refund/credit note."""
    currency = obj.get("CurrencyCode") or "USD"
    allocations = obj.get("Allocations") or []
    invoice_id = ((allocations[0].get("Invoice") or {}).get("InvoiceID")) if allocations else None
    return {
        "kind": "credit_note",
        "amount_minor": minor(obj.get("Total"), currency),
        "currency": currency,
        "reason": obj.get("Reference") or None,
        "reference": refund_reference(obj.get("Reference")),
        "status": "void" if obj.get("Status") == "VOIDED" else "succeeded",
        "issued_at": (parse_date(obj.get("Date")) or datetime.now(UTC)).isoformat(),
        "invoice_id": _ref("invoice", invoice_id),
    }


def refund_reference(text: str | None) -> str | None:
    """The processor's refund id a credit note quotes in its Reference, if any."""
    found = _REFUND_ID.search(text or "")
    return found.group(0) if found else None
