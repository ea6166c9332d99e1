"""Payments against invoices and credit notes, and their reversal (Status DELETED).

Rules (PROVIDERS.md 2.4): the document must be AUTHORISED; the account must be a BANK account
or have ``EnablePaymentsToAccount``; ``Amount`` ≤ ``AmountDue``; a payment that clears the
document flips it to PAID and sets ``FullyPaidOnDate``. Payments cannot be edited, only deleted.
A payment in another currency than its bank account's moves that account by ``BankAmount``,
converted at its ``CurrencyRate`` (:mod:`revhub.sandbox.xero.fx`).
"""

from __future__ import annotations

from revhub.sandbox.xero import accounts, contacts, credit_notes, fx, invoices, overpayments
from revhub.sandbox.xero import documents as docs
from revhub.sandbox.xero.amounts import amount, cents, exact_cents
from revhub.sandbox.xero.errors import ValidationFailed
from revhub.sandbox.xero.ledger import Write
from revhub.sandbox.xero.store import Record
from revhub.sandbox.xero.xerojson import day

NOT_AUTHORISED = "Payments can only be made against Authorised documents"
OVERPAYMENT = "Payment amount exceeds the amount outstanding on this document"
NO_ACCOUNT = "You must specify an Account code or Account ID for the payment"
INVALID_ACCOUNT = "Account must be valid."
_TYPES = {
    "ACCREC": "ACCRECPAYMENT",
    "ACCPAY": "ACCPAYPAYMENT",
    "ACCRECCREDIT": "ARCREDITPAYMENT",
    "ACCPAYCREDIT": "APCREDITPAYMENT",
    "RECEIVE-OVERPAYMENT": "AROVERPAYMENTPAYMENT",  # an overpayment refunded
    "SPEND-OVERPAYMENT": "APOVERPAYMENTPAYMENT",
}


def create(w: Write, element: dict) -> Record:
    """Record a payment; raises ``ValidationFailed`` with Xero's messages."""
    document, resource = _document(w, element)
    account = _account(w, element.get("Account"))
    data = document.data
    given = docs.number(element, "Amount")
    if given is None or given <= 0:
        raise ValidationFailed("Payment amount must be greater than zero.")
    if data["Status"] != "AUTHORISED":
        raise ValidationFailed(NOT_AUTHORISED)
    minor = exact_cents(given)
    outstanding_field = "AmountDue" if resource == "Invoices" else "RemainingCredit"
    if minor > cents(data[outstanding_field]):
        raise ValidationFailed(OVERPAYMENT)
    paid_on = docs.date_field(element, "Date", day(w.now))
    currency = data["CurrencyCode"]
    # Xero converts at the rate given with the payment, else at the day's rate (not the document's).
    rate = fx.payment_rate(docs.number(element, "CurrencyRate"), currency, docs.BASE_CURRENCY, paid_on.date())
    bank_currency = account.data.get("CurrencyCode") or docs.BASE_CURRENCY
    payment = {
        "PaymentID": docs.new_id(),
        "Date": paid_on,
        "BankAmount": amount(fx.bank_cents(minor, currency, bank_currency, docs.BASE_CURRENCY, rate,
                                           paid_on.date())),
        "Amount": amount(minor),
        "Reference": element.get("Reference") or "",
        "CurrencyRate": rate,
        "PaymentType": _TYPES[data["Type"]],
        "Status": "AUTHORISED",
        "IsReconciled": bool(element.get("IsReconciled", False)),
        "HasAccount": True,
        "HasValidationErrors": False,
        "Account": accounts.link(account),
    }
    payment[_LINK[resource]] = _document_link(data, resource)
    record = Record(payment["PaymentID"], payment, w.stamp)
    w.save("Payments", record, created=True)
    _apply_to_document(w, document, resource, payment, +minor)
    return record


def delete(w: Write, record: Record, element: dict) -> Record:
    """``POST /Payments/{id}`` with ``{"Status": "DELETED"}`` reverses the payment."""
    if element.get("Status") != "DELETED" or set(element) - {"Status", "PaymentID"} - _SDK_DEFAULTS:
        raise ValidationFailed(
            "Payments can only be deleted (Status DELETED); they cannot be edited."
        )
    payment = record.data
    if payment["Status"] == "DELETED":
        raise ValidationFailed("This payment has already been deleted.")
    resource = next(r for r, key in _LINK.items() if key in payment)
    link = payment[_LINK[resource]]
    document = w.books[resource].get(link[_ID[resource]])
    payment["Status"] = "DELETED"
    w.save("Payments", record, created=False)
    _apply_to_document(w, document, resource, payment, -cents(payment["Amount"]))
    return record


_LINK = {"Invoices": "Invoice", "CreditNotes": "CreditNote", "Overpayments": "Overpayment"}
_ID = {"Invoices": "InvoiceID", "CreditNotes": "CreditNoteID", "Overpayments": "OverpaymentID"}
_NUMBER = {"Invoices": "InvoiceNumber", "CreditNotes": "CreditNoteNumber"}
_RECOMPUTE = {"CreditNotes": credit_notes.recompute, "Overpayments": overpayments.recompute}
# Read-only fields the SDK serialises into every model; Xero ignores them.
_SDK_DEFAULTS = {"HasAccount", "HasValidationErrors", "HasErrors", "HasAttachments"}


def _document(w: Write, element: dict) -> tuple[Record, str]:
    if isinstance(element.get("Invoice"), dict):
        found = invoices.find(w, element["Invoice"])
        if found is None:
            raise ValidationFailed("Invoice could not be found")
        return found, "Invoices"
    if isinstance(element.get("CreditNote"), dict):
        found = credit_notes.find(w, element["CreditNote"])
        if found is None:
            raise ValidationFailed("Credit note could not be found")
        return found, "CreditNotes"
    if isinstance(element.get("Overpayment"), dict):
        found = overpayments.find(w, element["Overpayment"])
        if found is None:
            raise ValidationFailed("Overpayment could not be found")
        return found, "Overpayments"
    raise ValidationFailed("Payments must be made against an Invoice or Credit Note")


def _account(w: Write, ref: object) -> Record:
    """The account a payment goes to: a BANK account or one with payments enabled.

    Xero's wording: a missing reference is "You must specify an Account code or Account ID
    for the payment"; an unknown, archived or non-payable account is "Account must be valid."
    """
    if not isinstance(ref, dict) or not (ref.get("AccountID") or ref.get("Code")):
        raise ValidationFailed(NO_ACCOUNT)
    account = accounts.find(w, ref)
    if (
        account is None
        or account.data["Status"] != "ACTIVE"
        or (account.data["Type"] != "BANK" and not account.data.get("EnablePaymentsToAccount"))
    ):
        raise ValidationFailed(INVALID_ACCOUNT)
    return account


def _document_link(data: dict, resource: str) -> dict:
    link = {"Type": data["Type"], _ID[resource]: data[_ID[resource]]}
    if resource in _NUMBER:
        link[_NUMBER[resource]] = data[_NUMBER[resource]]
    link.update(Contact=data["Contact"], CurrencyCode=data["CurrencyCode"])
    return link


def _apply_to_document(
    w: Write, document: Record, resource: str, payment: dict, minor: int
) -> None:
    data = document.data
    paid = "AmountPaid" if resource == "Invoices" else "_AmountPaid"
    data[paid] = amount(cents(data[paid]) + minor)
    summary = {
        "PaymentID": payment["PaymentID"],
        "Date": payment["Date"],
        "Amount": payment["Amount"],
        "Reference": payment["Reference"],
        "CurrencyRate": payment["CurrencyRate"],
        "HasAccount": False,
        "HasValidationErrors": False,
    }
    data["Payments"] = [p for p in data["Payments"] if p["PaymentID"] != payment["PaymentID"]]
    if minor > 0:
        data["Payments"].append(summary)
    if resource == "Invoices":
        invoices.recompute(data)
        if data["Status"] == "PAID":
            data["FullyPaidOnDate"] = payment["Date"]
    else:
        _RECOMPUTE[resource](data)
    contacts.mark_role(w, data["Contact"]["ContactID"], data["Type"])
    w.save(resource, document, created=False)
