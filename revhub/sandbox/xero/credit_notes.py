"""Credit notes (ACCRECCREDIT / ACCPAYCREDIT) and their allocation to invoices.

An AUTHORISED credit note carries ``RemainingCredit``; allocations move credit onto invoices
of the same contact and currency (the invoice's ``AmountCredited``), and a note with no credit left is PAID.
"""

from __future__ import annotations

from decimal import Decimal

from revhub.sandbox.xero import allocations, contacts, lines
from revhub.sandbox.xero import documents as docs
from revhub.sandbox.xero.amounts import amount
from revhub.sandbox.xero.errors import ValidationFailed
from revhub.sandbox.xero.ledger import Write
from revhub.sandbox.xero.store import Record
from revhub.sandbox.xero.xerojson import day

TYPES = ("ACCRECCREDIT", "ACCPAYCREDIT")
_NEXT = {
    "DRAFT": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "SUBMITTED": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "AUTHORISED": {"AUTHORISED", "VOIDED"},
}


def find(w: Write, element: dict) -> Record | None:
    notes = w.books["CreditNotes"]
    if element.get("CreditNoteID"):
        return notes.get(str(element["CreditNoteID"]))
    if element.get("CreditNoteNumber"):
        return notes.by_key("CreditNoteNumber", str(element["CreditNoteNumber"]))
    return None


def create(w: Write, element: dict) -> Record:
    kind = element.get("Type")
    if kind not in TYPES:
        raise ValidationFailed("Credit note Type must be ACCRECCREDIT or ACCPAYCREDIT.")
    status = element.get("Status") or "DRAFT"
    if status not in ("DRAFT", "SUBMITTED", "AUTHORISED"):
        raise ValidationFailed(f"Credit notes cannot be created with a status of {status}.")
    number = element.get("CreditNoteNumber")
    if number and w.books["CreditNotes"].by_key("CreditNoteNumber", number):
        raise ValidationFailed("Credit Note # must be unique.")
    contact = docs.resolve_contact(w.books, element, lambda ref: contacts.create(w, ref))
    currency = docs.currency_of(element, contact.data.get("DefaultCurrency") or docs.BASE_CURRENCY)
    data = {
        "Type": kind,
        "CreditNoteID": docs.new_id(),
        "CreditNoteNumber": number or w.books.next_number("CN", "CreditNotes", "CreditNoteNumber"),
        "Reference": element.get("Reference") or "",
        "Contact": docs.contact_link(contact),
        "Date": docs.date_field(element, "Date", day(w.now)),
        "Status": status,
        "LineAmountTypes": docs.amount_types(element, "Exclusive"),
        "CurrencyCode": currency,
        "CurrencyRate": Decimal("1.0"),
        "_AmountPaid": amount(0),  # cash refunded: Xero shows it only as Payments
        "Payments": [],
        "Allocations": [],
        "HasAttachments": False,
        "HasErrors": False,
    }
    data["LineItems"] = lines.build_lines(
        w, element.get("LineItems") or [], [], status != "DRAFT", data["LineAmountTypes"]
    )
    lines.require_non_negative(data["LineItems"], data["LineAmountTypes"])
    record = Record(data["CreditNoteID"], data, w.stamp)
    recompute(data)
    w.save("CreditNotes", record, created=True)
    return record


def update(w: Write, record: Record, element: dict) -> Record:
    data = record.data
    status = element.get("Status") or data["Status"]
    if status not in _NEXT.get(data["Status"], set()):
        raise ValidationFailed("Credit note not of valid status for modification")
    if status == "VOIDED" and data["Allocations"]:
        raise ValidationFailed("This document cannot be voided as it has been allocated.")
    if element.get("Reference") is not None:
        data["Reference"] = element["Reference"]
    data["Date"] = docs.date_field(element, "Date", data["Date"])
    data["LineAmountTypes"] = docs.amount_types(element, data["LineAmountTypes"])
    data["LineItems"] = lines.build_lines(
        w, element.get("LineItems"), data["LineItems"], status != "DRAFT", data["LineAmountTypes"]
    )
    lines.require_non_negative(data["LineItems"], data["LineAmountTypes"])
    data["Status"] = status
    recompute(data)
    w.save("CreditNotes", record, created=False)
    return record


def recompute(data: dict) -> None:
    """Totals and ``RemainingCredit``; a fully used AUTHORISED note becomes PAID."""
    sums = lines.totals(data["LineItems"], data["LineAmountTypes"])
    total = sums.pop("_total_cents")
    data.update(sums)
    if data["Status"] not in ("AUTHORISED", "PAID"):
        data["RemainingCredit"] = amount(0)  # a draft or voided note offers no credit
        return
    allocations.settle_credit(data, total, unused_credit_is_paid=False)


def allocate(w: Write, note: Record, element: dict) -> dict:
    """``PUT /CreditNotes/{id}/Allocations``: one allocation of the note to an invoice."""
    return allocations.allocate(w, SOURCE, note, element)


SOURCE = allocations.Source(
    resource="CreditNotes",
    link_key="CreditNote",
    id_field="CreditNoteID",
    number_field="CreditNoteNumber",
    invoice_type={"ACCRECCREDIT": "ACCREC", "ACCPAYCREDIT": "ACCPAY"},
    recompute=recompute,
    noun="Credit note",
)
