"""``JournalEntry``: amounts moved between any accounts of the chart, as QBO checks them.

Every line is a ``JournalEntryLineDetail`` line (``DescriptionOnly`` lines carry no amount) with
a ``PostingType`` (Debit or Credit), an ``AccountRef`` and a non-negative ``Amount``; there are
at least two, and the debits equal the credits, else QBO refuses the entry with a business
validation error (6000). A line on Accounts Receivable or Payable needs its customer or vendor
(``Entity``). ``CurrencyRef`` defaults to the home currency; a balance-sheet account in a line
keeps its own currency and must be in the entry's (income and expense accounts are in the home
currency and take any). ``TotalAmt`` is the sum of the debits (QBO computes it).
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/journalentry
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from revhub.sandbox.quickbooks.amounts import dec, rounded
from revhub.sandbox.quickbooks.banking import account
from revhub.sandbox.quickbooks.faults import business, invalid
from revhub.sandbox.quickbooks.store import Realm

DETAIL = "JournalEntryLineDetail"
POSTING_TYPES = ("Debit", "Credit")
NEEDS_ENTITY = ("Accounts Receivable", "Accounts Payable")
# Accounts QBO keeps in the home currency whatever the transaction's currency.
HOME_ONLY = ("Income", "Other Income", "Expense", "Other Expense", "Cost of Goods Sold")
_SERVER_SET = ("Id", "SyncToken", "MetaData", "sparse", "TotalAmt")


def _line(realm: Realm, line: object, n: int, currency: str) -> dict:
    if not isinstance(line, dict):
        raise invalid("Line must be a list of line objects", "Line")
    if line.get("DetailType") != DETAIL:
        raise invalid(f"Line DetailType {line.get('DetailType')!r} is not supported; use {DETAIL}",
                      "Line.DetailType")
    detail = line.get(DETAIL)
    if not isinstance(detail, dict):
        raise invalid(f"Required parameter Line.{DETAIL} is missing in the request", f"Line.{DETAIL}")
    posting = detail.get("PostingType")
    if posting not in POSTING_TYPES:
        raise invalid(f"Line.{DETAIL}.PostingType {posting!r} is not one of Debit, Credit",
                      f"Line.{DETAIL}.PostingType")
    if line.get("Amount") is None:
        raise invalid("Required parameter Line.Amount is missing in the request", "Line.Amount")
    amount = rounded(dec(line["Amount"], "Line.Amount"), currency)
    if amount < 0:
        raise business("A journal entry line's Amount cannot be negative.")
    found = account(realm, detail, "AccountRef")
    if found["AccountType"] in NEEDS_ENTITY and not ((detail.get("Entity") or {}).get("EntityRef") or {}).get("value"):
        raise business(f"When you use {found['AccountType']}, you must choose a customer or vendor in the "
                       "Name field.")
    held = (found.get("CurrencyRef") or {}).get("value") or realm.home_currency
    if found["AccountType"] not in HOME_ONLY and held != currency:
        raise business(f"The currency of account {found['Name']} ({held}) must match the currency of the "
                       f"journal entry ({currency}).")
    return {"Id": str(n + 1), "LineNum": n + 1, "Description": line.get("Description", ""), "Amount": amount,
            "DetailType": DETAIL, DETAIL: {**detail, "PostingType": posting,
                                           "AccountRef": {"value": found["Id"], "name": found["Name"]}}}


def journal_entry(realm: Realm, body: dict, today: date) -> dict:
    """A JournalEntry checked (balanced lines) and completed with its TotalAmt."""
    currency = ((body.get("CurrencyRef") or {}).get("value") if isinstance(body.get("CurrencyRef"), dict)
                else None) or realm.home_currency
    given = body.get("Line")
    if not isinstance(given, list) or not given:
        raise invalid("Required parameter Line is missing in the request", "Line")
    lines = [_line(realm, line, n, currency) for n, line in enumerate(given)]
    totals = {kind: sum((line["Amount"] for line in lines if line[DETAIL]["PostingType"] == kind), Decimal(0))
              for kind in POSTING_TYPES}
    if len(lines) < 2:
        raise business("A journal entry needs at least one debit line and one credit line.")
    if totals["Debit"] != totals["Credit"]:
        raise business(f"Your debits and credits don't balance: debits total {totals['Debit']}, credits total "
                       f"{totals['Credit']}. Make sure they're equal.")
    return {**{k: v for k, v in body.items() if k not in _SERVER_SET},
            "CurrencyRef": {"value": currency, "name": currency}, "TxnDate": body.get("TxnDate") or today.isoformat(),
            "Line": lines, "TotalAmt": totals["Debit"], "Adjustment": bool(body.get("Adjustment", False)),
            "ExchangeRate": body.get("ExchangeRate", 1)}
