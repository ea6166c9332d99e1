"""Salesforce records → canonical records. Pure functions.

Salesforce speaks decimals in major units (converted exactly with ``revhub.money``) and
ISO timestamps like ``2026-11-02T10:00:00.000+0000``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from revhub.connectors.base import Ref
from revhub.mappings import engine as mapping_engine
from revhub.mappings.loader import mapping_for
from revhub.money import to_minor

SalesforceRecord = dict[str, Any]


def parse_timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    text = value.replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"  # +0000 → +00:00
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def version(record: SalesforceRecord) -> str:
    """SystemModstamp as zero-padded epoch milliseconds."""
    stamp = parse_timestamp(record.get("SystemModstamp"))
    return f"{int(stamp.timestamp() * 1000) if stamp else 0:015d}"


def _minor(amount: Any, currency: str) -> int:
    return to_minor(Decimal(str(amount if amount is not None else 0)), currency)


def _ref(entity: str, value: str | None) -> Ref | None:
    return Ref(entity, value) if value else None


def customer(record: SalesforceRecord) -> dict[str, Any]:
    street = (record.get("BillingStreet") or "").split("\n")
    return {
        "name": record.get("Name"),
        "email": record.get("Billing_Email__c") or None,
        "tax_id": record.get("Tax_Id__c") or None,
        "billing_line1": street[0] or None,
        "billing_line2": street[1] if len(street) > 1 and street[1] else None,
        "billing_city": record.get("BillingCity") or None,
        "billing_region": record.get("BillingState") or None,
        "billing_postal_code": record.get("BillingPostalCode") or None,
        "billing_country": record.get("BillingCountry") or None,
    }


def contact(record: SalesforceRecord) -> dict[str, Any]:
    title = (record.get("Title") or "").lower()
    role = "billing" if "billing" in title or "account" in title else (
        "purchasing" if "purchas" in title or "procure" in title else "other")
    name = " ".join(p for p in (record.get("FirstName"), record.get("LastName")) if p)
    return {"customer_id": _ref("customer", record.get("AccountId")), "name": name,
            "email": record.get("Email") or None, "role": role}


def product(record: SalesforceRecord) -> dict[str, Any]:
    return {"sku": record.get("ProductCode") or None, "name": record.get("Name"),
            "active": bool(record.get("IsActive", True))}


def purchase_order(record: SalesforceRecord, lines: list[SalesforceRecord]) -> dict[str, Any]:
    currency = record.get("CurrencyIsoCode") or "USD"
    po = mapping_engine.read(mapping_for("salesforce", "purchase_order"), record, currency)
    po.update(status=po.get("status") or "received", payment_terms=po.get("payment_terms") or "NET30",
              customer_id=_ref("customer", record.get("Account__c")))
    po["lines"] = [purchase_order_line(line, currency) for line in lines]
    return po


def purchase_order_line(line: SalesforceRecord, currency: str) -> dict[str, Any]:
    """A Purchase_Order_Line__c as a canonical PO line (position is its place among the PO's lines).

    A blank tax amount is "no tax stated" (NULL), not zero, as the store keeps it.
    """
    tax = line.get("Tax_Amount__c")
    return {
        "product_id": _ref("product", line.get("Product__c")),
        "description": line.get("Description__c") or "",
        "quantity": int(Decimal(str(line.get("Quantity__c") or 1))),
        "unit_amount_minor": _minor(line.get("Unit_Price__c"), currency),
        "amount_minor": _minor(line.get("Total_Price__c"), currency),
        "tax_code": line.get("Tax_Code__c") or None,
        "tax_minor": None if tax is None else _minor(tax, currency),
    }
