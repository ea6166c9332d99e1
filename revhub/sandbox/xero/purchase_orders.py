"""Purchase orders: supplier-side documents with their own status model
(DRAFT/SUBMITTED/AUTHORISED/BILLED/DELETED) and auto-numbering ``PO-0001``."""

from __future__ import annotations

from decimal import Decimal

from revhub.sandbox.xero import documents as docs
from revhub.sandbox.xero import lines
from revhub.sandbox.xero.errors import ValidationFailed
from revhub.sandbox.xero.ledger import Write
from revhub.sandbox.xero.store import Record
from revhub.sandbox.xero.xerojson import day

STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED", "BILLED", "DELETED")
_NEXT = {
    "DRAFT": set(STATUSES),
    "SUBMITTED": set(STATUSES),
    "AUTHORISED": {"AUTHORISED", "BILLED", "DELETED"},
    "BILLED": {"BILLED", "AUTHORISED"},
}


def find(w: Write, element: dict) -> Record | None:
    orders = w.books["PurchaseOrders"]
    if element.get("PurchaseOrderID"):
        return orders.get(str(element["PurchaseOrderID"]))
    if element.get("PurchaseOrderNumber"):
        return orders.by_key("PurchaseOrderNumber", str(element["PurchaseOrderNumber"]))
    return None


def create(w: Write, element: dict) -> Record:
    ref = element.get("Contact")
    if not isinstance(ref, dict) or not ref.get("ContactID"):
        raise ValidationFailed("A Contact must be specified for this type of transaction")
    contact = w.books["Contacts"].get(str(ref["ContactID"]))
    if contact is None:
        raise ValidationFailed("The contact does not exist or is not valid for this transaction.")
    status = element.get("Status") or "DRAFT"
    if status not in ("DRAFT", "SUBMITTED", "AUTHORISED"):
        raise ValidationFailed(f"Purchase orders cannot be created with a status of {status}.")
    number = element.get("PurchaseOrderNumber")
    if number and w.books["PurchaseOrders"].by_key("PurchaseOrderNumber", number):
        raise ValidationFailed("Purchase Order # must be unique.")
    currency = docs.currency_of(element, contact.data.get("DefaultCurrency") or docs.BASE_CURRENCY)
    data = {
        "PurchaseOrderID": docs.new_id(),
        "PurchaseOrderNumber": number
        or w.books.next_number("PO", "PurchaseOrders", "PurchaseOrderNumber"),
        "Reference": "",
        "Contact": docs.contact_link(contact),
        "Date": day(w.now),
        "Status": status,
        "LineAmountTypes": "Exclusive",
        "LineItems": [],
        "CurrencyCode": currency,
        "CurrencyRate": Decimal("1.0"),
        "HasAttachments": False,
    }
    record = Record(data["PurchaseOrderID"], data, w.stamp)
    _apply(w, record, element, status)
    w.save("PurchaseOrders", record, created=True)
    return record


def update(w: Write, record: Record, element: dict) -> Record:
    status = element.get("Status") or record.data["Status"]
    if status not in STATUSES:
        raise ValidationFailed(f"Purchase order Status '{status}' is not valid.")
    if status not in _NEXT.get(record.data["Status"], set()):
        raise ValidationFailed("Purchase order not of valid status for modification")
    _apply(w, record, element, status)
    w.save("PurchaseOrders", record, created=False)
    return record


def _apply(w: Write, record: Record, element: dict, status: str) -> None:
    data = record.data
    for name in (
        "Reference",
        "DeliveryAddress",
        "AttentionTo",
        "Telephone",
        "DeliveryInstructions",
    ):
        if element.get(name) is not None:
            data[name] = element[name]
    data["Date"] = docs.date_field(element, "Date", data["Date"])
    delivery = docs.date_field(element, "DeliveryDate")
    if delivery is not None:
        data["DeliveryDate"] = delivery
    data["LineAmountTypes"] = docs.amount_types(element, data["LineAmountTypes"])
    data["LineItems"] = lines.build_lines(
        w, element.get("LineItems"), data["LineItems"], False, data["LineAmountTypes"]
    )
    data["Status"] = status
    sums = lines.totals(data["LineItems"], data["LineAmountTypes"])
    sums.pop("_total_cents")
    data.update(sums)
