"""Allocating credit (a credit note or an overpayment) to invoices.

``PUT /CreditNotes/{id}/Allocations`` and ``PUT /Overpayments/{id}/Allocations`` take
``{"Allocations": [{"Invoice": {"InvoiceID": ..}, "Amount": .., "Date": ..}]}``. Each
allocation moves credit onto an AUTHORISED invoice of the same side and currency: the
invoice's ``AmountCredited`` grows and ``AmountDue`` shrinks (PAID at zero), the source's
``RemainingCredit`` shrinks (PAID at zero). Everything is checked before anything is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from revhub.sandbox.xero import documents as docs
from revhub.sandbox.xero import invoices
from revhub.sandbox.xero.amounts import amount, cents, exact_cents
from revhub.sandbox.xero.errors import ValidationFailed
from revhub.sandbox.xero.ledger import Write
from revhub.sandbox.xero.store import Record
from revhub.sandbox.xero.xerojson import day


@dataclass(frozen=True)
class Source:
    resource: str  # "CreditNotes" or "Overpayments"
    link_key: str  # how an allocation and an invoice name the source
    id_field: str
    number_field: str | None
    invoice_type: dict[str, str]  # source Type -> the invoice Type it may pay
    recompute: Callable[[dict], None]
    noun: str


def allocate(w: Write, source: Source, record: Record, element: dict) -> dict:
    """Allocate part of ``record`` to one invoice; returns the allocation as Xero shows it."""
    data = record.data
    ref = element.get("Invoice")
    invoice = invoices.find(w, ref) if isinstance(ref, dict) else None
    if invoice is None:
        raise ValidationFailed("Invoice could not be found")
    given = docs.number(element, "Amount")
    if given is None or given <= 0:
        raise ValidationFailed("Allocation amount must be greater than zero.")
    minor = exact_cents(given)
    if data["Status"] != "AUTHORISED":
        raise ValidationFailed(f"{source.noun} must be AUTHORISED to be allocated")
    if invoice.data["Status"] != "AUTHORISED":
        raise ValidationFailed("Invoice must be AUTHORISED to receive an allocation")
    if invoice.data["Type"] != source.invoice_type.get(data["Type"]):
        raise ValidationFailed(f"The {source.noun.lower()} cannot be allocated to this invoice type")
    if invoice.data["CurrencyCode"] != data["CurrencyCode"]:
        raise ValidationFailed(f"The currency of the {source.noun.lower()} must match the invoice")
    if minor > cents(data["RemainingCredit"]):
        raise ValidationFailed(
            f"The amount allocated exceeds the remaining credit on the {source.noun.lower()}"
        )
    if minor > cents(invoice.data["AmountDue"]):
        raise ValidationFailed("The amount allocated exceeds the amount due on the invoice")
    link = {source.id_field: data[source.id_field]}
    if source.number_field:
        link[source.number_field] = data[source.number_field]
    allocation = {
        "AllocationID": docs.new_id(),
        "Amount": amount(minor),
        "Date": docs.date_field(element, "Date", day(w.now)),
        "Invoice": {
            "InvoiceID": invoice.data["InvoiceID"],
            "InvoiceNumber": invoice.data["InvoiceNumber"],
        },
        source.link_key: link,
        "IsDeleted": False,
    }
    data["Allocations"].append(allocation)
    source.recompute(data)
    w.save(source.resource, record, created=False)
    _credit_invoice(w, invoice, source, data, allocation)
    return allocation


def _credit_invoice(w: Write, invoice: Record, source: Source, data: dict, allocation: dict) -> None:
    inv = invoice.data
    inv["AmountCredited"] = amount(cents(inv["AmountCredited"]) + cents(allocation["Amount"]))
    applied = {**allocation[source.link_key], "Total": data["Total"],
               "AppliedAmount": allocation["Amount"]}
    inv[source.resource].append(applied)
    invoices.recompute(inv)
    if inv["Status"] == "PAID":
        inv["FullyPaidOnDate"] = allocation["Date"]
    w.save("Invoices", invoice, created=False)


def settle_credit(data: dict, credit: int, *, unused_credit_is_paid: bool = True) -> None:
    """``RemainingCredit`` of a credit note or overpayment worth ``credit`` cents after its
    allocations and cash refunds; used up, an AUTHORISED one is PAID (one of nothing only when
    ``unused_credit_is_paid``), and back to AUTHORISED when credit returns."""
    used = sum(cents(a["Amount"]) for a in data["Allocations"]) + cents(data["_AmountPaid"])
    remaining = credit - used
    data["RemainingCredit"] = amount(remaining)
    if data["Status"] == "AUTHORISED" and remaining == 0 and (used or unused_credit_is_paid):
        data["Status"] = "PAID"
    elif data["Status"] == "PAID" and remaining > 0:
        data["Status"] = "AUTHORISED"
