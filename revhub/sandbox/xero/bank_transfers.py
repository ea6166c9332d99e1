"""Bank transfers: money moved between two of the organisation's bank accounts.

``PUT /BankTransfers`` with ``FromBankAccount``, ``ToBankAccount`` (by ``Code`` or
``AccountID``, both BANK, different), ``Amount`` and ``Date``. Xero books a SPEND-TRANSFER
on the source account and a RECEIVE-TRANSFER on the destination and names both in the
transfer (``FromBankTransactionID``/``ToBankTransactionID``). Transfers cannot be edited.
"""

from __future__ import annotations

from decimal import Decimal

from revhub.sandbox.xero import accounts, bank_transactions
from revhub.sandbox.xero import documents as docs
from revhub.sandbox.xero.amounts import amount, exact_cents
from revhub.sandbox.xero.errors import ValidationFailed
from revhub.sandbox.xero.ledger import Write
from revhub.sandbox.xero.store import Record


def find(w: Write, element: dict) -> Record | None:
    if element.get("BankTransferID"):
        return w.books["BankTransfers"].get(str(element["BankTransferID"]))
    return None


def create(w: Write, element: dict) -> Record:
    """A new transfer and its two bank transactions; raises ``ValidationFailed``."""
    source = accounts.bank_account(
        w, element.get("FromBankAccount"), "A valid FromBankAccount must be specified"
    )
    target = accounts.bank_account(
        w, element.get("ToBankAccount"), "A valid ToBankAccount must be specified"
    )
    if source.id == target.id:
        raise ValidationFailed("The FromBankAccount and ToBankAccount must be different.")
    given = docs.number(element, "Amount")
    if given is None or given <= 0:
        raise ValidationFailed("The Amount must be greater than zero.")
    total = amount(exact_cents(given))
    docs.date_field(element, "Date")  # a bad date fails before anything is booked
    leg = {"Date": element.get("Date"), "Reference": element.get("Reference")}
    spend = bank_transactions.transfer_leg(w, "SPEND-TRANSFER", source, total, leg)
    receive = bank_transactions.transfer_leg(w, "RECEIVE-TRANSFER", target, total, leg)
    data = {
        "BankTransferID": docs.new_id(),
        "FromBankAccount": accounts.link(source),
        "ToBankAccount": accounts.link(target),
        "Amount": total,
        "Date": spend.data["Date"],
        "CurrencyRate": docs.number(element, "CurrencyRate") or Decimal("1.0"),
        "FromBankTransactionID": spend.id,
        "ToBankTransactionID": receive.id,
        "FromIsReconciled": False,
        "ToIsReconciled": False,
        "HasAttachments": False,
        "CreatedDateUTC": w.now,
    }
    if element.get("Reference"):
        data["Reference"] = str(element["Reference"])
    record = Record(data["BankTransferID"], data, w.stamp)
    w.save("BankTransfers", record, created=True)
    return record
