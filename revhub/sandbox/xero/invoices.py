"""Invoices (ACCREC sales invoices and ACCPAY bills): create, update, status rules, amounts.

Status model (PROVIDERS.md 2.3): DRAFT → SUBMITTED → AUTHORISED → PAID (PAID is set by
payments, never by clients); DELETED only from DRAFT/SUBMITTED; VOIDED only from AUTHORISED
with nothing paid or credited; AUTHORISED never goes back to DRAFT/SUBMITTED.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from revhub.sandbox.xero import contacts, lines
from revhub.sandbox.xero import documents as docs
from revhub.sandbox.xero.amounts import amount, cents
from revhub.sandbox.xero.errors import ValidationFailed
from revhub.sandbox.xero.ledger import Write
from revhub.sandbox.xero.store import Record
from revhub.sandbox.xero.xerojson import day

TYPES = ("ACCREC", "ACCPAY")
STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED")
_NEXT = {
    "DRAFT": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "SUBMITTED": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "AUTHORISED": {"AUTHORISED", "VOIDED"},
}
NOT_EDITABLE = "Invoice not of valid status for modification"


def find(w: Write, element: dict) -> Record | None:
    """The invoice an element or path names, by ``InvoiceID`` or ``InvoiceNumber``."""
    invoices = w.books["Invoices"]
    if element.get("InvoiceID"):
        return invoices.get(str(element["InvoiceID"]))
    if element.get("InvoiceNumber"):
        return invoices.by_key("InvoiceNumber", str(element["InvoiceNumber"]))
    return None


def create(w: Write, element: dict) -> Record:
    """A new invoice from a PUT/POST element; raises ``ValidationFailed``."""
    kind = element.get("Type")
    if kind not in TYPES:
        raise ValidationFailed(
            "Invoice Type must be specified (ACCREC or ACCPAY)."
            if not kind
            else f"Invoice Type '{kind}' is not supported."
        )
    status = element.get("Status") or "DRAFT"
    if status not in ("DRAFT", "SUBMITTED", "AUTHORISED"):
        raise ValidationFailed(f"Invoices cannot be created with a status of {status}.")
    number = element.get("InvoiceNumber")
    if kind == "ACCREC" and number and w.books["Invoices"].by_key("InvoiceNumber", number):
        raise ValidationFailed("Invoice # must be unique.")
    contact = docs.resolve_contact(w.books, element, lambda ref: contacts.create(w, ref))
    currency = docs.currency_of(element, contact.data.get("DefaultCurrency") or docs.BASE_CURRENCY)
    data = {
        "Type": kind,
        "InvoiceID": docs.new_id(),
        "InvoiceNumber": "",
        "Reference": "",
        "Contact": docs.contact_link(contact),
        "Date": None,
        "DueDate": None,
        "Status": "DRAFT",
        "LineAmountTypes": "Exclusive",
        "LineItems": [],
        "CurrencyCode": currency,
        "CurrencyRate": Decimal("1.0"),
        "AmountPaid": amount(0),
        "AmountCredited": amount(0),
        "SentToContact": False,
        "HasAttachments": False,
        "Payments": [],
        "CreditNotes": [],
        "Prepayments": [],
        "Overpayments": [],
        "IsDiscounted": False,
        "HasErrors": False,
    }
    data["InvoiceNumber"] = number or (
        w.books.next_number("INV", "Invoices", "InvoiceNumber") if kind == "ACCREC" else ""
    )
    record = Record(data["InvoiceID"], data, w.stamp)
    _apply(w, record, element, status, creating=True)
    w.save("Invoices", record, created=True)
    return record


def update(w: Write, record: Record, element: dict) -> Record:
    """Apply an update element to ``record`` under Xero's status rules."""
    data = record.data
    status = element.get("Status") or data["Status"]
    if status not in STATUSES:
        raise ValidationFailed(f"Invoice Status '{status}' is not valid.")
    allowed = _NEXT.get(data["Status"], set())
    if status not in allowed:
        raise ValidationFailed(NOT_EDITABLE)
    if status == "VOIDED" and (data["AmountPaid"] or data["AmountCredited"]):
        raise ValidationFailed(
            "This document cannot be voided as it has a payment or credit note allocated to it."
        )
    if (
        data["Status"] == "AUTHORISED"
        and (data["AmountPaid"] or data["AmountCredited"])
        and "LineItems" in element
    ):
        raise ValidationFailed(
            "This document cannot be edited as it has a payment or credit note allocated to it."
        )
    number = element.get("InvoiceNumber")
    if (
        number
        and number != data["InvoiceNumber"]
        and data["Type"] == "ACCREC"
        and w.books["Invoices"].by_key("InvoiceNumber", number)
    ):
        raise ValidationFailed("Invoice # must be unique.")
    if "Contact" in element:
        contact = docs.resolve_contact(w.books, element, lambda ref: contacts.create(w, ref))
        data["Contact"] = docs.contact_link(contact)
    _apply(w, record, element, status, creating=False)
    w.save("Invoices", record, created=False)
    return record


def _apply(w: Write, record: Record, element: dict, status: str, creating: bool) -> None:
    data = record.data
    if not creating and element.get("CurrencyCode"):
        data["CurrencyCode"] = docs.currency_of(element, data["CurrencyCode"])
    for name in ("InvoiceNumber", "Reference", "Url", "BrandingThemeID"):
        if element.get(name) is not None:
            data[name] = element[name]
    if data["Type"] == "ACCPAY" and "Reference" in data and not element.get("Reference"):
        data.pop("Reference")  # Reference is a sales-invoice field
    data["Date"] = docs.date_field(element, "Date", data["Date"] or day(w.now))
    data["DueDate"] = docs.date_field(element, "DueDate", data["DueDate"])
    if data["DueDate"] is None and status in ("SUBMITTED", "AUTHORISED"):
        # Xero falls back to the organisation's default terms; the sandbox's are 30 days.
        data["DueDate"] = data["Date"] + timedelta(days=30)
    data["LineAmountTypes"] = docs.amount_types(element, data["LineAmountTypes"])
    needs_account = status in ("SUBMITTED", "AUTHORISED")
    data["LineItems"] = lines.build_lines(
        w, element.get("LineItems"), data["LineItems"], needs_account, data["LineAmountTypes"]
    )
    if needs_account:
        if not data["LineItems"]:
            raise ValidationFailed("At least one line item must be specified")
        missing = [line for line in data["LineItems"] if not line.get("AccountCode")]
        if missing:
            raise ValidationFailed("The account code or ID must be specified")
    lines.require_non_negative(data["LineItems"], data["LineAmountTypes"])
    data["Status"] = status
    recompute(data)


def recompute(data: dict) -> None:
    """Totals, ``AmountDue`` and the PAID flip from lines, payments and credit allocations."""
    sums = lines.totals(data["LineItems"], data["LineAmountTypes"])
    total_minor = sums.pop("_total_cents")
    data.update(sums)
    paid = cents(data["AmountPaid"])
    credited = cents(data["AmountCredited"])
    due = 0 if data["Status"] in ("VOIDED", "DELETED") else total_minor - paid - credited
    data["AmountDue"] = amount(due)
    if data["Status"] == "AUTHORISED" and due == 0 and (paid or credited):
        data["Status"] = "PAID"
    elif data["Status"] == "PAID" and due > 0:
        data["Status"] = "AUTHORISED"
        data.pop("FullyPaidOnDate", None)


def emailable(record: Record) -> None:
    """Raise unless Xero would e-mail this invoice (a sales invoice, sent-able status, e-mail)."""
    data = record.data
    if data["Type"] != "ACCREC" or data["Status"] not in ("SUBMITTED", "AUTHORISED", "PAID"):
        raise ValidationFailed("Invoice not of valid status for sending by email")
    if not data["Contact"].get("EmailAddress"):
        raise ValidationFailed("The contact does not have a valid email address")
