"""Money moved between the company's own accounts: expenses (``Purchase``) paid out of a bank
account, and ``Transfer`` between two balance-sheet accounts. Where a payment is deposited
(``DepositToAccountRef``) is checked here too.

A Purchase needs ``AccountRef`` (the account paid from: a Bank account for Cash and Check, a
Credit Card account for CreditCard), ``PaymentType`` and at least one line; its ``TotalAmt``
is the sum of its lines (QBO computes it). A Transfer needs ``FromAccountRef``,
``ToAccountRef`` (two different Bank or Other Current Asset accounts, one currency) and a
positive ``Amount``.
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/purchase
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/transfer
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from revhub.sandbox.quickbooks.amounts import dec, rounded
from revhub.sandbox.quickbooks.faults import business, invalid, not_found
from revhub.sandbox.quickbooks.store import Realm

PAYMENT_TYPES = {"Cash": ("Bank",), "Check": ("Bank",), "CreditCard": ("Credit Card",)}
EXPENSE_DETAIL = "AccountBasedExpenseLineDetail"
TRANSFERABLE = ("Bank", "Other Current Asset")
# Where a received payment may sit: a bank account, or Undeposited Funds (an Other Current Asset).
DEPOSITABLE = ("Bank", "Other Current Asset")
_SERVER_SET = ("Id", "SyncToken", "MetaData", "sparse", "TotalAmt")


def _value(body: dict, key: str) -> str | None:
    """A reference's ``value`` (``{"value": …}``), or QBO's invalid-property error naming ``key``."""
    ref = body.get(key)
    if ref is None:
        return None
    if not isinstance(ref, dict):
        raise invalid(f"{key} must be a reference object with a value", key)
    return str(ref["value"]) if ref.get("value") not in (None, "") else None


def account(realm: Realm, body: dict, key: str, kinds: tuple[str, ...] | None = None) -> dict:
    """The account ``body[key]`` names, as a reference; QBO's errors when absent or of another type."""
    ident = _value(body, key)
    if not ident:
        raise invalid(f"Required parameter {key} is missing in the request", key)
    found = realm.get("Account", str(ident))
    if not found.get("Active", True):
        raise business(f"{key}: account {found['Name']} is inactive.")
    if kinds and found["AccountType"] not in kinds:
        raise business(f"{key}: account {found['Name']} is of type {found['AccountType']}; "
                       f"it must be {' or '.join(kinds)}.")
    return found


def _ref(found: dict) -> dict:
    return {"value": found["Id"], "name": found["Name"]}


def _currency(body: dict, paid_from: dict, key: str) -> str:
    currency = (paid_from.get("CurrencyRef") or {}).get("value") or "USD"
    given = _value(body, "CurrencyRef")
    if given and given != currency:
        raise business(f"The currency of the transaction ({given}) must match the currency of the account "
                       f"in {key} ({currency}).")
    return currency


def purchase(realm: Realm, body: dict, today: date) -> dict:
    """A Purchase (an expense) checked and completed with its TotalAmt."""
    kind = body.get("PaymentType")
    if not kind:
        raise invalid("Required parameter PaymentType is missing in the request", "PaymentType")
    if kind not in PAYMENT_TYPES:
        raise invalid(f"PaymentType {kind!r} is not one of {', '.join(PAYMENT_TYPES)}", "PaymentType")
    paid_from = account(realm, body, "AccountRef", PAYMENT_TYPES[kind])
    payee = _value(body, "EntityRef")
    if payee:
        raise not_found("Vendor", payee)  # the sandbox's companies have no vendors (nor employees)
    currency = _currency(body, paid_from, "AccountRef")
    lines, total = [], Decimal(0)
    given = body.get("Line") or []
    if not isinstance(given, list) or not all(isinstance(line, dict) for line in given):
        raise invalid("Line must be a list of line objects", "Line")
    for n, line in enumerate(given):
        if not isinstance(line.get(EXPENSE_DETAIL) or {}, dict):
            raise invalid(f"Line.{EXPENSE_DETAIL} must be an object", f"Line.{EXPENSE_DETAIL}")
        if line.get("DetailType") != EXPENSE_DETAIL:
            raise invalid(f"Line DetailType {line.get('DetailType')!r} is not supported; use {EXPENSE_DETAIL}",
                          "Line.DetailType")
        if line.get("Amount") is None:
            raise invalid("Required parameter Line.Amount is missing in the request", "Line.Amount")
        amount = rounded(dec(line["Amount"], "Line.Amount"), currency)
        if amount < 0:
            raise business("A line's Amount cannot be negative.")
        detail = dict(line.get(EXPENSE_DETAIL) or {})
        expense = account(realm, detail, "AccountRef")
        lines.append({"Id": str(n + 1), "LineNum": n + 1, "Description": line.get("Description", ""),
                      "Amount": amount, "DetailType": EXPENSE_DETAIL,
                      EXPENSE_DETAIL: {**detail, "AccountRef": _ref(expense),
                                       "BillableStatus": detail.get("BillableStatus", "NotBillable")}})
        total += amount
    if not lines:
        raise invalid("Required parameter Line is missing in the request", "Line")
    return {**{k: v for k, v in body.items() if k not in _SERVER_SET},
            "PaymentType": kind, "AccountRef": _ref(paid_from), "CurrencyRef": {"value": currency, "name": currency},
            "TxnDate": body.get("TxnDate") or today.isoformat(), "Line": lines, "TotalAmt": total,
            "Credit": bool(body.get("Credit", False)) if kind == "CreditCard" else False,
            "ExchangeRate": body.get("ExchangeRate", 1)}


def transfer(realm: Realm, body: dict, today: date) -> dict:
    """A Transfer between two of the company's balance-sheet accounts."""
    source = account(realm, body, "FromAccountRef", TRANSFERABLE)
    target = account(realm, body, "ToAccountRef", TRANSFERABLE)
    if source["Id"] == target["Id"]:
        raise business("FromAccountRef and ToAccountRef must be different accounts.")
    currencies = {(a.get("CurrencyRef") or {}).get("value") or "USD" for a in (source, target)}
    if len(currencies) > 1:
        raise business("A transfer moves money between accounts of one currency.")
    if body.get("Amount") is None:
        raise invalid("Required parameter Amount is missing in the request", "Amount")
    amount = rounded(dec(body["Amount"], "Amount"), currencies.pop())
    if amount <= 0:
        raise business("A transfer's Amount must be more than zero.")
    return {**{k: v for k, v in body.items() if k not in _SERVER_SET},
            "FromAccountRef": _ref(source), "ToAccountRef": _ref(target), "Amount": amount,
            "TxnDate": body.get("TxnDate") or today.isoformat()}


def deposit_account(realm: Realm, body: dict) -> dict | None:
    """A payment's or refund receipt's ``DepositToAccountRef`` as a reference (None if not given)."""
    if not _value(body, "DepositToAccountRef"):
        return None
    return _ref(account(realm, body, "DepositToAccountRef", DEPOSITABLE))
