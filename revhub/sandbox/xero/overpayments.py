"""Overpayments: money received (or paid) beyond what any invoice asked for.

Xero creates an overpayment only through a ``RECEIVE-OVERPAYMENT`` or ``SPEND-OVERPAYMENT``
bank transaction; the overpayment has one line, coded to the accounts receivable (or payable)
control account, with no tax. Its ``RemainingCredit`` is then allocated to invoices of the
same contact side with ``PUT /Overpayments/{id}/Allocations``; at zero it is PAID.
"""

from __future__ import annotations

from revhub.sandbox.xero import allocations
from revhub.sandbox.xero.amounts import amount, cents
from revhub.sandbox.xero.errors import ValidationFailed
from revhub.sandbox.xero.ledger import Write
from revhub.sandbox.xero.store import Record

# Where the single line of an overpayment is coded (Xero does it, whatever was sent).
CONTROL_ACCOUNTS = {"RECEIVE-OVERPAYMENT": "610", "SPEND-OVERPAYMENT": "800"}


def find(w: Write, element: dict) -> Record | None:
    if element.get("OverpaymentID"):
        return w.books["Overpayments"].get(str(element["OverpaymentID"]))
    return None


def create_directly(w: Write, element: dict) -> Record:
    """Xero has no ``PUT /Overpayments``: they come from bank transactions."""
    raise ValidationFailed(
        "Overpayments are created with a RECEIVE-OVERPAYMENT or SPEND-OVERPAYMENT bank "
        "transaction."
    )


def from_bank_transaction(w: Write, transaction: dict) -> Record:
    """The overpayment a ``*-OVERPAYMENT`` bank transaction makes (not yet saved)."""
    data = {
        "OverpaymentID": transaction["OverpaymentID"],
        "Type": transaction["Type"],
        "Contact": transaction["Contact"],
        "Date": transaction["Date"],
        "Status": "AUTHORISED",
        "LineAmountTypes": "NoTax",
        "LineItems": transaction["LineItems"],
        "SubTotal": transaction["SubTotal"],
        "TotalTax": transaction["TotalTax"],
        "Total": transaction["Total"],
        "CurrencyCode": transaction["CurrencyCode"],
        "CurrencyRate": transaction["CurrencyRate"],
        "RemainingCredit": transaction["Total"],
        "_AmountPaid": amount(0),  # refunded in cash, by payments against the overpayment
        "Allocations": [],
        "Payments": [],
        "HasAttachments": False,
    }
    if transaction.get("Reference"):
        data["Reference"] = transaction["Reference"]
    return Record(data["OverpaymentID"], data, w.stamp)


def recompute(data: dict) -> None:
    """``RemainingCredit`` after allocations and refunds; at zero the overpayment is PAID."""
    allocations.settle_credit(data, cents(data["Total"]))


def allocate(w: Write, overpayment: Record, element: dict) -> dict:
    """``PUT /Overpayments/{id}/Allocations``: one allocation to an invoice."""
    return allocations.allocate(w, SOURCE, overpayment, element)


SOURCE = allocations.Source(
    resource="Overpayments",
    link_key="Overpayment",
    id_field="OverpaymentID",
    number_field=None,
    invoice_type={"RECEIVE-OVERPAYMENT": "ACCREC", "SPEND-OVERPAYMENT": "ACCPAY"},
    recompute=recompute,
    noun="Overpayment",
)
