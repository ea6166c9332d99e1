"""HubSpot records (as hubspot-api-client's ``to_dict()`` gives them) → canonical records.
Pure functions.

HubSpot keeps every property as a string; money in major units (converted exactly with
``revhub.money``), ``hs_lastmodifieddate`` as ISO with milliseconds.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from revhub.connectors.base import Ref
from revhub.connectors.errors import SkippableRecordError
from revhub.connectors.hubspot.mapping import COMPANY, DEAL
from revhub.mappings import engine
from revhub.money import MoneyError, to_minor

HubSpotRecord = dict[str, Any]


def modified_ms(record: HubSpotRecord) -> int:
    """The record's last change as epoch milliseconds (``updatedAt``, else hs_lastmodifieddate)."""
    stamp = record.get("updated_at") or record.get("archived_at")
    if isinstance(stamp, datetime):
        return int(stamp.timestamp() * 1000)
    text = (record.get("properties") or {}).get("hs_lastmodifieddate")
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000) if text else 0


def version(record: HubSpotRecord) -> str:
    """Zero-padded epoch milliseconds: compares in time order as text."""
    return f"{modified_ms(record):015d}"


def changed_at(record: HubSpotRecord) -> str:
    return datetime.fromtimestamp(modified_ms(record) / 1000, UTC).isoformat()


def customer(record: HubSpotRecord) -> dict[str, Any]:
    return engine.read(COMPANY, record.get("properties") or {}, None)


def contact(record: HubSpotRecord, company_id: str | None) -> dict[str, Any]:
    props = record.get("properties") or {}
    title = (props.get("jobtitle") or "").lower()
    role = "billing" if "billing" in title or "account" in title else (
        "purchasing" if "purchas" in title or "procure" in title else "other")
    name = " ".join(p for p in (props.get("firstname"), props.get("lastname")) if p)
    return {"customer_id": Ref("customer", company_id) if company_id else None, "name": name,
            "email": props.get("email") or None, "role": role}


def purchase_order(record: HubSpotRecord, company_id: str | None, lines: list[HubSpotRecord]) -> dict[str, Any]:
    """A deal with its PO properties and line items as a canonical PO."""
    props = record.get("properties") or {}
    currency = props.get("deal_currency_code") or "USD"
    try:
        po = engine.read(DEAL, props, currency)
        po["lines"] = [line_item(line, currency) for line in lines]
    except (MoneyError, InvalidOperation, ValueError) as exc:
        raise SkippableRecordError(f"deal {record.get('id')}: {exc}", provider="hubspot",
                                   entity="purchase_order") from None
    po.update(currency=currency, status=po.get("status") or "received",
              payment_terms=po.get("payment_terms") or "NET30",
              customer_id=Ref("customer", company_id) if company_id else None)
    return po


def line_item(record: HubSpotRecord, currency: str) -> dict[str, Any]:
    """A line item as a canonical PO line; HubSpot's ``amount`` is its own quantity × price."""
    props = record.get("properties") or {}
    quantity = int(Decimal(props.get("quantity") or "1"))
    unit = to_minor(Decimal(props.get("price") or "0"), currency)
    amount = props.get("amount")
    tax = props.get("tax_amount")
    return {"product_id": None, "description": props.get("description") or props.get("name") or "",
            "quantity": quantity, "unit_amount_minor": unit,
            "amount_minor": to_minor(Decimal(amount), currency) if amount else quantity * unit,
            "tax_code": props.get("tax_code") or None,
            "tax_minor": None if tax in (None, "") else to_minor(Decimal(tax), currency)}
