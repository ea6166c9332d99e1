"""QBO JSON → canonical records. Pure functions.

QBO speaks decimals in major units (read exactly with ``Decimal``), dates as ``YYYY-MM-DD`` and
``MetaData.LastUpdatedTime`` with the company's UTC offset. The customer's PO number is kept
in a sales-form custom field (QBO has no PO field on invoices), named by the connection's
``po_custom_field_id`` (default ``"1"``).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from revhub.connectors.base import Ref
from revhub.money import to_minor

QBOObject = dict[str, Any]
PO_FIELD_ID = "1"
_PAYMENT_ID = re.compile(r"\bpi_[A-Za-z0-9]+\b")
_REFUND_ID = re.compile(r"\bre_[A-Za-z0-9]+\b")


def updated_at(obj: QBOObject) -> datetime | None:
    stamp = (obj.get("MetaData") or {}).get("LastUpdatedTime")
    if not stamp:
        return None
    parsed = datetime.fromisoformat(stamp)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def version(obj: QBOObject) -> str:
    """LastUpdatedTime (whole seconds) then SyncToken: sorts as the changes happened; a
    tombstone sorts after any version written in the same second."""
    when = updated_at(obj)
    seconds = int(when.timestamp()) if when else 0
    token = 99_999_999 if obj.get("status") == "Deleted" else int(obj.get("SyncToken") or 0)
    return f"{seconds:012d}.{token:08d}"


def is_deleted(entity: str, obj: QBOObject) -> bool:
    """Tombstones from CDC; customers and items are never deleted in QBO, only made inactive."""
    if obj.get("status") == "Deleted":
        return True
    return entity in ("customer", "product") and obj.get("Active") is False


def minor(amount: Any, currency: str) -> int:
    return to_minor(Decimal(str(amount if amount is not None else 0)), currency)


def _ref(entity: str, ref: dict | None) -> Ref | None:
    return Ref(entity, str(ref["value"])) if ref and ref.get("value") else None


def _day(value: str | None) -> str:
    day = date.fromisoformat(value) if value else datetime.now(UTC).date()
    return datetime.combine(day, time(), tzinfo=UTC).isoformat()


def customer(obj: QBOObject) -> dict[str, Any]:
    address = obj.get("BillAddr") or {}
    return {
        "name": obj.get("DisplayName"),
        "email": (obj.get("PrimaryEmailAddr") or {}).get("Address") or None,
        "billing_line1": address.get("Line1") or None,
        "billing_line2": address.get("Line2") or None,
        "billing_city": address.get("City") or None,
        "billing_region": address.get("CountrySubDivisionCode") or None,
        "billing_postal_code": address.get("PostalCode") or None,
        "billing_country": address.get("Country") or None,
        "default_currency": (obj.get("CurrencyRef") or {}).get("value") or None,
    }


def product(obj: QBOObject) -> dict[str, Any]:
    return {"sku": obj.get("Sku") or None, "name": obj.get("Name"), "active": bool(obj.get("Active", True))}


def po_number(obj: QBOObject, field_id: str = PO_FIELD_ID) -> str | None:
    for field in obj.get("CustomField") or ():
        if str(field.get("DefinitionId")) == str(field_id):
            return field.get("StringValue") or None
    return None


def _sales_lines(obj: QBOObject) -> list[QBOObject]:
    return [line for line in obj.get("Line") or () if line.get("DetailType") == "SalesItemLineDetail"]


def _line(line: QBOObject, currency: str, codes: dict[str, str], rates: dict[str, Decimal]) -> dict[str, Any]:
    detail = line.get("SalesItemLineDetail") or {}
    qty = Decimal(str(detail.get("Qty", 1)))
    tax_id = str((detail.get("TaxCodeRef") or {}).get("value") or "")
    amount = minor(line.get("Amount"), currency)
    return {
        "description": line.get("Description") or "",
        "quantity": int(qty.to_integral_value()),
        "unit_amount_minor": minor(detail.get("UnitPrice"), currency),
        "amount_minor": amount,
        "product_id": _ref("product", detail.get("ItemRef")),
        "tax_code": codes.get(tax_id),
        # QBO totals tax per rate, not per line: the line's share at its code's rate.
        "tax_minor": int((amount * rates[tax_id] / 100).to_integral_value()) if tax_id in rates else 0,
    }


def invoice(obj: QBOObject, codes: dict[str, str] | None = None, rates: dict[str, Decimal] | None = None,
            po_field_id: str = PO_FIELD_ID) -> dict[str, Any]:
    """An invoice; ``codes`` maps QBO TaxCode ids to revhub tax codes, ``rates`` to percents."""
    currency = (obj.get("CurrencyRef") or {}).get("value") or "USD"
    lines = [_line(line, currency, codes or {}, rates or {}) for line in _sales_lines(obj)]
    total, balance = minor(obj.get("TotalAmt"), currency), minor(obj.get("Balance"), currency)
    voided = (obj.get("PrivateNote") or "").startswith("Voided") and total == 0
    return {
        "number": obj.get("DocNumber"),
        "po_number": po_number(obj, po_field_id),
        "customer_id": _ref("customer", obj.get("CustomerRef")),
        "issue_date": obj.get("TxnDate"),
        "due_date": obj.get("DueDate"),
        "currency": currency,
        "subtotal_minor": sum(line["amount_minor"] for line in lines),
        "tax_minor": minor((obj.get("TxnTaxDetail") or {}).get("TotalTax"), currency),
        "total_minor": total,
        "amount_paid_minor": total - balance,
        "amount_due_minor": balance,
        "status": "void" if voided else "paid" if total > 0 and balance == 0 else "open",
        "amounts_include_tax": obj.get("GlobalTaxCalculation") == "TaxInclusive",
        "lines": lines,
    }


def payment(obj: QBOObject) -> dict[str, Any]:
    currency = (obj.get("CurrencyRef") or {}).get("value") or "USD"
    found = _PAYMENT_ID.search(obj.get("PrivateNote") or "")
    allocations = [{"invoice_id": Ref("invoice", str(link["TxnId"])),
                    "amount_minor": minor(line.get("Amount"), currency)}
                   for line in obj.get("Line") or () for link in line.get("LinkedTxn") or ()
                   if link.get("TxnType") == "Invoice"]
    return {
        "customer_id": _ref("customer", obj.get("CustomerRef")),
        "amount_minor": minor(obj.get("TotalAmt"), currency),
        "currency": currency,
        "received_at": _day(obj.get("TxnDate")),
        "method": "bank_transfer",
        "reference": found.group(0) if found else (obj.get("PaymentRefNum") or None),
        "status": "succeeded",
        "allocations": allocations,
    }


def refund(obj: QBOObject) -> dict[str, Any]:
    """A credit memo as a canonical credit note, a refund receipt (money paid back out of its
    ``DepositToAccountRef``) as a refund; with the Stripe refund id either quotes, if any."""
    currency = (obj.get("CurrencyRef") or {}).get("value") or "USD"
    note = obj.get("PrivateNote") or obj.get("CustomerMemo", {}).get("value") or None
    found = _REFUND_ID.search(note or "")
    return {
        "kind": "refund" if obj.get("DepositToAccountRef") else "credit_note",
        "amount_minor": minor(obj.get("TotalAmt"), currency),
        "currency": currency,
        "reason": note,
        "reference": found.group(0) if found else None,
        "status": "succeeded",
        "issued_at": _day(obj.get("TxnDate")),
    }
