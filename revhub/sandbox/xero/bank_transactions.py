"""Bank transactions: spend money, receive money, and the overpayments received or paid.

``PUT/POST /BankTransactions`` with ``Type`` SPEND or RECEIVE (lines coded to any account,
taxed like invoice lines), or RECEIVE-OVERPAYMENT / SPEND-OVERPAYMENT (one line, coded by
Xero to the receivable or payable control account, no tax; an ``Overpayment`` is created
with the same total). RECEIVE-TRANSFER and SPEND-TRANSFER are made only by bank transfers.
Every transaction names a ``BankAccount`` of type BANK and takes that account's currency.
"""

from __future__ import annotations

from decimal import Decimal

from revhub.sandbox.xero import accounts, contacts, lines, overpayments
from revhub.sandbox.xero import documents as docs
from revhub.sandbox.xero.amounts import amount
from revhub.sandbox.xero.errors import ValidationFailed
from revhub.sandbox.xero.ledger import Write
from revhub.sandbox.xero.store import Record
from revhub.sandbox.xero.xerojson import day

TYPES = ("RECEIVE", "SPEND", "RECEIVE-OVERPAYMENT", "SPEND-OVERPAYMENT")
TRANSFER_TYPES = ("RECEIVE-TRANSFER", "SPEND-TRANSFER")
BAD_BANK_ACCOUNT = "A valid BankAccount must be specified"


def find(w: Write, element: dict) -> Record | None:
    if element.get("BankTransactionID"):
        return w.books["BankTransactions"].get(str(element["BankTransactionID"]))
    return None


def create(w: Write, element: dict) -> Record:
    """A new spend, receive or overpayment transaction; raises ``ValidationFailed``."""
    kind = element.get("Type")
    if kind not in TYPES:
        raise ValidationFailed(
            f"Bank transaction Type must be one of {', '.join(TYPES)}."
            if kind not in TRANSFER_TYPES
            else "Transfer transactions are created with PUT /BankTransfers."
        )
    if (element.get("Status") or "AUTHORISED") != "AUTHORISED":
        raise ValidationFailed("Bank transactions can only be created with a status of AUTHORISED.")
    bank = accounts.bank_account(w, element.get("BankAccount"), BAD_BANK_ACCOUNT)
    overpaid = kind in overpayments.CONTROL_ACCOUNTS
    amount_types = "NoTax" if overpaid else docs.amount_types(element, "Exclusive")
    raw_lines = element.get("LineItems")
    if overpaid:
        if not isinstance(raw_lines, list) or len(raw_lines) != 1:
            raise ValidationFailed("An overpayment must have exactly one line item.")
        control = overpayments.CONTROL_ACCOUNTS[kind]
        raw_lines = [{**raw_lines[0], "AccountCode": control, "TaxType": "NONE"}]
    built = lines.build_lines(w, raw_lines or [], [], True, amount_types)
    if not built:
        raise ValidationFailed("At least one line item must be specified")
    sums = lines.totals(built, amount_types)
    if sums.pop("_total_cents") <= 0:
        raise ValidationFailed("The Total for this document must be greater than zero.")
    data = _base(kind, bank, element, w)
    currency = docs.currency_of(element, data["CurrencyCode"])
    # Last, for naming an unknown contact creates it (as Xero does): nothing fails after.
    contact = docs.resolve_contact(w.books, element, lambda ref: contacts.create(w, ref))
    data.update(Contact=docs.contact_link(contact), LineAmountTypes=amount_types,
                LineItems=built, **sums)
    data["CurrencyCode"] = currency
    record = Record(data["BankTransactionID"], data, w.stamp)
    if overpaid:
        data["OverpaymentID"] = docs.new_id()
        w.save("Overpayments", overpayments.from_bank_transaction(w, data), created=True)
    w.save("BankTransactions", record, created=True)
    contacts.mark_role(w, data["Contact"]["ContactID"], "ACCREC" if kind.startswith("RECEIVE") else "ACCPAY")
    return record


def transfer_leg(w: Write, kind: str, bank: Record, total: Decimal, element: dict) -> Record:
    """One side of a bank transfer, as the transaction Xero books on that account."""
    data = _base(kind, bank, element, w)
    data.update(LineAmountTypes="NoTax", LineItems=[], SubTotal=total,
                TotalTax=amount(0), Total=total)
    record = Record(data["BankTransactionID"], data, w.stamp)
    w.save("BankTransactions", record, created=True)
    return record


def _base(kind: str, bank: Record, element: dict, w: Write) -> dict:
    data = {
        "BankTransactionID": docs.new_id(),
        "Type": kind,
        "BankAccount": accounts.link(bank),
        "Date": docs.date_field(element, "Date", day(w.now)),
        "Status": "AUTHORISED",
        "CurrencyCode": bank.data.get("CurrencyCode") or docs.BASE_CURRENCY,
        "CurrencyRate": docs.number(element, "CurrencyRate") or Decimal("1.0"),
        "IsReconciled": bool(element.get("IsReconciled", False)),
        "HasAttachments": False,
    }
    if element.get("Reference"):
        data["Reference"] = str(element["Reference"])
    if element.get("Url"):
        data["Url"] = str(element["Url"])
    return data


def update(w: Write, record: Record, element: dict) -> Record:
    """``POST /BankTransactions/{id}``: lines, reference, date, reconciled flag, or DELETED
    (a deletion ignores the rest of the element, as the SDK must send lines with it)."""
    data = record.data
    if data["Status"] == "DELETED":
        raise ValidationFailed("This bank transaction has been deleted and cannot be edited.")
    if element.get("Type") not in (None, data["Type"]):
        raise ValidationFailed("The type of a bank transaction cannot be changed.")
    status = element.get("Status") or data["Status"]
    if status not in ("AUTHORISED", "DELETED"):
        raise ValidationFailed(f"Bank transaction Status '{status}' is not valid.")
    if status == "DELETED":
        _delete(w, data)
        data["Status"] = "DELETED"
        w.save("BankTransactions", record, created=False)
        return record
    date = docs.date_field(element, "Date", data["Date"])
    if element.get("LineItems") is not None or element.get("LineAmountTypes"):
        if data["Type"] not in ("RECEIVE", "SPEND"):
            raise ValidationFailed("The lines of this bank transaction cannot be changed.")
        amount_types = docs.amount_types(element, data["LineAmountTypes"])
        built = lines.build_lines(w, element.get("LineItems"), data["LineItems"], True, amount_types)
        sums = lines.totals(built, amount_types)
        sums.pop("_total_cents")
        data.update(LineAmountTypes=amount_types, LineItems=built, **sums)
    if element.get("Reference") is not None:
        data["Reference"] = str(element["Reference"])
    if "IsReconciled" in element:
        data["IsReconciled"] = bool(element["IsReconciled"])
    data["Date"] = date
    w.save("BankTransactions", record, created=False)
    return record


def _delete(w: Write, data: dict) -> None:
    if data["Type"] in TRANSFER_TYPES:
        raise ValidationFailed("A transfer's transactions cannot be deleted on their own.")
    overpayment_id = data.get("OverpaymentID")
    if overpayment_id:
        overpayment = w.books["Overpayments"].get(overpayment_id)
        if overpayment.data["Allocations"]:
            raise ValidationFailed(
                "This overpayment has been allocated and its transaction cannot be deleted."
            )
        overpayment.data.update(Status="VOIDED", RemainingCredit=amount(0))
        w.save("Overpayments", overpayment, created=False)
