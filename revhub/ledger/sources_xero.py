"""The Xero side of the books check, read with xero-python in pages, filtered by date.

Cash in: payments on sales invoices and RECEIVE-OVERPAYMENT bank transactions (an
over-payment is cash received too). Cash out: refund payments on sales credit notes and on
over-payments; fees as SPEND bank transactions to the fee account; payouts as bank transfers
out of the Stripe clearing account.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from revhub.connectors.xero.client import XeroAPI
from revhub.connectors.xero.normalize import parse_date
from revhub.ledger.check import Entry
from revhub.mappings.ledger_settings import ledger_settings
from revhub.money import exponent, to_minor

PAGE_SIZE = 1000  # the largest page Xero serves (pageSize 1-1000)
# Credit notes are read this far before the window: a note raised in one month may be
# refunded in cash in a later one, and its reference (the Stripe refund id) is still needed.
CREDIT_NOTE_LOOKBACK = timedelta(days=366)
# Ids another system may be quoted by in a Xero reference: Stripe objects and revhub records.
QUOTED_ID = re.compile(r"\b(?:(?:ch|py|pi|re|pyr|txn|po|du)_[A-Za-z0-9]+"
                       r"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b")
_CASH_IN = {"ACCRECPAYMENT": "payment"}
# Bookings of disputes quote this (revhub.connectors.xero.push_disputes).
DISPUTE_PREFIX = "Stripe dispute "
_CASH_OUT = {"ARCREDITPAYMENT": "refund", "AROVERPAYMENTPAYMENT": "refund"}


@dataclass(frozen=True)
class LedgerAccounts:
    """The Xero accounts the fee treatment books to (codes)."""

    clearing: str
    fee: str
    bank: str
    dispute: str = "615"


def ledger_accounts(settings: dict[str, Any]) -> LedgerAccounts:
    """The clearing, fee and bank account codes of a Xero connection, as the write-back books
    them (``mappings.ledger_settings``, the one place the setting names and defaults live)."""
    chosen = ledger_settings(settings)
    return LedgerAccounts(clearing=chosen.clearing_account_code, fee=chosen.fee_account_code,
                          bank=chosen.bank_account_code, dispute=chosen.dispute_account_code)


def quoted_ids(*texts: str | None) -> frozenset[str]:
    """Stripe ids and revhub record ids quoted in free text (references, descriptions)."""
    return frozenset(m.group(0) for text in texts if text for m in QUOTED_ID.finditer(text))


def _where(since: date | None, until: date | None) -> str | None:
    terms = []
    if since:
        terms.append(f"Date >= DateTime({since.year},{since.month:02d},{since.day:02d})")
    if until:
        terms.append(f"Date < DateTime({until.year},{until.month:02d},{until.day:02d})")
    return " AND ".join(terms) or None


class XeroLedgerReader:
    """Reads one Xero tenant's cash movements as ledger entries."""

    def __init__(self, api: XeroAPI, accounts: LedgerAccounts) -> None:
        self.api, self.accounts = api, accounts
        self._chart: dict[str, dict[str, Any]] | None = None
        self._base_currency: str | None = None

    def entries(self, since: date | None, until: date | None) -> list[Entry]:
        """Every payment, refund, fee and payout Xero holds dated in [since, until)."""
        notes = {n["CreditNoteID"]: n for n in self._paged("get_credit_notes", "CreditNotes",
                                                           since and since - CREDIT_NOTE_LOOKBACK, until)}
        found = [e for p in self._paged("get_payments", "Payments", since, until) for e in self._payment(p, notes)]
        found += [e for t in self._paged("get_bank_transactions", "BankTransactions", since, until)
                  for e in self._bank_transaction(t)]
        found += [e for t in self._transfers(since, until) for e in self._transfer(t)]
        return found

    def _paged(self, method: str, collection: str, since: date | None, until: date | None) -> Iterator[dict]:
        """https://developer.xero.com/documentation/api/accounting/overview (paging, where)"""
        params: dict[str, Any] = {"page_size": PAGE_SIZE}
        where = _where(since, until)
        if where:
            params["where"] = where
        page = 1
        while True:
            objects = self.api.call(method, "ledger", page=page, **params).get(collection) or []
            yield from objects
            if len(objects) < PAGE_SIZE:
                return
            page += 1

    def _transfers(self, since: date | None, until: date | None) -> list[dict]:
        """https://developer.xero.com/documentation/api/accounting/banktransfers (not paged)"""
        where = _where(since, until)
        body = self.api.call("get_bank_transfers", "ledger", **({"where": where} if where else {}))
        return body.get("BankTransfers") or []

    def chart(self) -> dict[str, dict[str, Any]]:
        """Accounts by code and by id, read once. https://developer.xero.com/documentation/api/accounting/accounts"""
        if self._chart is None:
            accounts = self.api.call("get_accounts", "ledger").get("Accounts") or []
            self._chart = {k: a for a in accounts for k in (a.get("Code"), a.get("AccountID")) if k}
        return self._chart

    def _is(self, code: str, account: dict[str, Any] | None) -> bool:
        if not account:
            return False
        if account.get("Code"):
            return account["Code"] == code
        return (self.chart().get(account.get("AccountID") or "") or {}).get("Code") == code

    def _payment(self, p: dict[str, Any], notes: dict[str, dict]) -> list[Entry]:
        kind = _CASH_IN.get(p.get("PaymentType")) or _CASH_OUT.get(p.get("PaymentType"))
        if kind is None or p.get("Status") == "DELETED":
            return []
        document = p.get("Invoice") or p.get("CreditNote") or p.get("Overpayment") or {}
        note = notes.get((p.get("CreditNote") or {}).get("CreditNoteID") or "", {})
        currency = document.get("CurrencyCode") or note.get("CurrencyCode") or self._currency(p.get("Account"))
        keys = quoted_ids(p.get("Reference"), note.get("Reference")) | {
            i for i in (note.get("CreditNoteID"), (p.get("Overpayment") or {}).get("OverpaymentID")) if i}
        clearing = self._is(self.accounts.clearing, p.get("Account"))
        # BankAmount is what the bank (clearing) account moved, in that account's currency.
        bank_currency = self._currency(p.get("Account")) if p.get("BankAmount") is not None else currency
        return [Entry("xero", kind, p["PaymentID"], currency, _minor(p.get("Amount"), currency),
                      _day(p.get("Date")), keys, tuple(sorted(k for k in keys if k == note.get("CreditNoteID"))),
                      via_stripe=clearing or bool(quoted_ids(p.get("Reference"))), clearing=clearing,
                      settled_currency=bank_currency,
                      settled_minor=_minor(p.get("BankAmount", p.get("Amount")), bank_currency))]

    def _bank_transaction(self, t: dict[str, Any]) -> list[Entry]:
        """https://developer.xero.com/documentation/api/accounting/banktransactions"""
        if t.get("Status") in ("DELETED", "VOIDED"):
            return []
        currency = t.get("CurrencyCode") or self._currency(t.get("BankAccount"))
        clearing = self._is(self.accounts.clearing, t.get("BankAccount"))
        lines = t.get("LineItems") or []
        keys = quoted_ids(t.get("Reference"), *(line.get("Description") for line in lines))
        if t.get("Type") == "RECEIVE-OVERPAYMENT":
            keys |= {t["OverpaymentID"]} if t.get("OverpaymentID") else frozenset()
            return [Entry("xero", "payment", t["BankTransactionID"], currency, _minor(t.get("Total"), currency),
                          _day(t.get("Date")), keys, via_stripe=clearing or bool(keys), clearing=clearing,
                          **self._banked(t, currency))]
        fee_lines = [line for line in lines if line.get("AccountCode") == self.accounts.fee]
        if (t.get("Reference") or "").startswith(DISPUTE_PREFIX):
            return self._dispute(t, currency, keys, clearing, fee_lines)
        if t.get("Type") != "SPEND" or not fee_lines:
            return []
        taxed = t.get("LineAmountTypes") == "Exclusive"
        amount = sum(_minor(line.get("LineAmount"), currency)
                     + (_minor(line.get("TaxAmount"), currency) if taxed else 0) for line in fee_lines)
        return [Entry("xero", "fee", t["BankTransactionID"], currency, amount, _day(t.get("Date")), keys,
                      clearing=clearing)]

    def _dispute(self, t: dict[str, Any], currency: str, keys: frozenset[str], clearing: bool,
                 fee_lines: list[dict[str, Any]]) -> list[Entry]:
        """A dispute's withdrawal (SPEND) or reinstatement (RECEIVE, negative), and its fee lines."""
        sign = -1 if t.get("Type") == "RECEIVE" else 1
        moved = [line for line in t.get("LineItems") or [] if line.get("AccountCode") == self.accounts.dispute]
        day = _day(t.get("Date"))
        found = [Entry("xero", "dispute", t["BankTransactionID"], currency,
                       sign * sum(_minor(line.get("LineAmount"), currency) for line in moved), day, keys,
                       clearing=clearing)]
        if fee_lines:
            found.append(Entry("xero", "fee", f"{t['BankTransactionID']}:fee", currency,
                               sign * sum(_minor(line.get("LineAmount"), currency) for line in fee_lines), day, keys,
                               clearing=clearing))
        return found

    def _banked(self, t: dict[str, Any], currency: str) -> dict[str, Any]:
        """What a foreign-currency bank transaction moved in its (base-currency) bank account:
        Total / CurrencyRate, Xero's rate being units of the foreign currency per base unit."""
        bank_currency = self._currency(t.get("BankAccount"))
        rate = t.get("CurrencyRate")
        if bank_currency == currency or not rate:
            return {}
        places = Decimal(1).scaleb(-exponent(bank_currency))
        moved = (Decimal(str(t.get("Total") or 0)) / Decimal(str(rate))).quantize(places, ROUND_HALF_UP)
        return {"settled_currency": bank_currency, "settled_minor": _minor(moved, bank_currency)}

    def _transfer(self, t: dict[str, Any]) -> list[Entry]:
        """A transfer out of the clearing account is a Stripe payout reaching the bank."""
        if t.get("Status") == "DELETED" or not self._is(self.accounts.clearing, t.get("FromBankAccount")):
            return []
        currency = self._currency(t.get("FromBankAccount"))
        return [Entry("xero", "payout", t["BankTransferID"], currency, _minor(t.get("Amount"), currency),
                      _day(t.get("Date")), quoted_ids(t.get("Reference")), clearing=True)]

    def _currency(self, account: dict[str, Any] | None) -> str:
        """A bank account's currency, else the organisation's base currency."""
        found = (self.chart().get((account or {}).get("AccountID") or (account or {}).get("Code") or "") or {})
        if found.get("CurrencyCode"):
            return found["CurrencyCode"]
        if self._base_currency is None:
            # https://developer.xero.com/documentation/api/accounting/organisation
            organisations = self.api.call("get_organisations", "ledger").get("Organisations") or [{}]
            self._base_currency = organisations[0]["BaseCurrency"]
        return self._base_currency


def _minor(amount: Any, currency: str) -> int:
    # Xero's JSON numbers arrive as floats from json.loads; str() gives their shortest exact form.
    return abs(to_minor(Decimal(str(amount if amount is not None else 0)), currency))


def _day(value: str | None) -> date:
    parsed = parse_date(value)
    if parsed is None:
        raise ValueError("a Xero record without a Date")
    return parsed.date()
