"""The QuickBooks Online side of the books check, read with the query language in pages,
filtered by ``TxnDate``.

Cash in: payments (``TotalAmt``, over-payments included: the unapplied part is cash received
too). Cash out: refund receipts (money paid back out of their ``DepositToAccountRef``; a credit
memo alone moves no money and is not counted). Fees: purchases with lines on the fee expense
account. Payouts: transfers out of the Stripe clearing account. Disputes
(:mod:`revhub.connectors.quickbooks.push_disputes`): a purchase quoting ``Stripe dispute`` is
the money withdrawn (its Disputed Payments lines) and its fee; a journal entry quoting ``Stripe
dispute reversal`` the money given back (negative); a lost dispute's journal moves no cash and
is not read. Each entry carries the ids
quoted in its ``PrivateNote`` (Stripe ids, revhub record ids), which is how it meets Stripe's
and the store's records; the store meets it by its link too.
https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from revhub.connectors.quickbooks.client import QuickBooksAPI
from revhub.connectors.quickbooks.ledger_settings import QuickBooksLedger
from revhub.connectors.quickbooks.push_disputes import REINSTATED, WITHDRAWN
from revhub.ledger.check import Entry
from revhub.ledger.sources_xero import quoted_ids
from revhub.money import exponent, to_minor

SIDE = "quickbooks"
PAGE_SIZE = 1000  # MAXRESULTS ceiling of the query language
EXPENSE, JOURNAL = "AccountBasedExpenseLineDetail", "JournalEntryLineDetail"


def _where(since: date | None, until: date | None) -> str:
    terms = [f"TxnDate >= '{since.isoformat()}'"] if since else []
    terms += [f"TxnDate < '{until.isoformat()}'"] if until else []
    return f" WHERE {' AND '.join(terms)}" if terms else ""


class QuickBooksLedgerReader:
    """Reads one QuickBooks company's cash movements as ledger entries."""

    def __init__(self, api: QuickBooksAPI, ledger: QuickBooksLedger) -> None:
        self.api, self.ledger = api, ledger
        self._accounts: dict[str, dict[str, Any]] | None = None

    def entries(self, since: date | None, until: date | None) -> list[Entry]:
        """Every payment, refund, fee and payout QuickBooks holds dated in [since, until)."""
        found = [self._payment(p, "payment") for p in self._paged("Payment", since, until)]
        found += [self._payment(r, "refund") for r in self._paged("RefundReceipt", since, until)]
        found += [e for p in self._paged("Purchase", since, until) for e in self._fee(p)]
        found += [e for t in self._paged("Transfer", since, until) for e in self._transfer(t)]
        if self.ledger.books_disputes:
            found += [e for j in self._paged("JournalEntry", since, until) for e in self._reinstated(j)]
        return found

    def _paged(self, remote: str, since: date | None, until: date | None) -> Iterator[dict[str, Any]]:
        position = 1
        while True:
            text = f"SELECT * FROM {remote}{_where(since, until)} STARTPOSITION {position} MAXRESULTS {PAGE_SIZE}"
            body = self.api.call(lambda qb, text=text: qb.query(text), "ledger")
            rows = (body.get("QueryResponse") or {}).get(remote) or []
            yield from rows
            if len(rows) < PAGE_SIZE:
                return
            position += len(rows)

    def accounts(self) -> dict[str, dict[str, Any]]:
        """The chart of accounts by id, read once."""
        if self._accounts is None:
            body = self.api.call(lambda qb: qb.query(f"SELECT * FROM Account MAXRESULTS {PAGE_SIZE}"), "ledger")
            self._accounts = {a["Id"]: a for a in (body.get("QueryResponse") or {}).get("Account") or ()}
        return self._accounts

    def _account_currency(self, ref: dict[str, Any] | None) -> str | None:
        found = self.accounts().get(str((ref or {}).get("value") or "")) or {}
        return (found.get("CurrencyRef") or {}).get("value")

    def _is_clearing(self, ref: dict[str, Any] | None) -> bool:
        return bool(ref) and str(ref.get("value")) == str(self.ledger.clearing_account_id or "")

    def _payment(self, obj: dict[str, Any], kind: str) -> Entry:
        """A payment (cash in) or a refund receipt (cash out) as one entry."""
        currency = (obj.get("CurrencyRef") or {}).get("value") or "USD"
        account = obj.get("DepositToAccountRef")
        clearing = self._is_clearing(account)
        keys = quoted_ids(obj.get("PrivateNote"), obj.get("PaymentRefNum"))
        amount = _minor(obj.get("TotalAmt"), currency)
        return Entry(SIDE, kind, str(obj["Id"]), currency, amount, _day(obj), keys,
                     via_stripe=clearing or bool(keys), clearing=clearing,
                     **self._banked(obj, currency, amount, account))

    def _banked(self, obj: dict[str, Any], currency: str, amount: int, account: dict | None) -> dict[str, Any]:
        """What a foreign-currency transaction moved in its home-currency account: the amount
        times QBO's ``ExchangeRate`` (home units per unit of the transaction's currency)."""
        held = self._account_currency(account)
        if not held or held == currency:
            return {}
        rate = Decimal(str(obj.get("ExchangeRate") or 1))
        places = Decimal(1).scaleb(-exponent(held))
        moved = (Decimal(str(obj.get("TotalAmt") or 0)) * rate).quantize(places, ROUND_HALF_UP)
        return {"settled_currency": held, "settled_minor": _minor(moved, held)}

    def _fee(self, obj: dict[str, Any]) -> list[Entry]:
        """A purchase's lines on the fee expense account are a processor fee; a dispute's
        purchase is its withdrawal too."""
        if self.ledger.books_disputes and (obj.get("PrivateNote") or "").startswith(WITHDRAWN) \
                and not (obj.get("PrivateNote") or "").startswith(REINSTATED):
            return self._withdrawn(obj)
        lines = _on(obj, EXPENSE, self.ledger.fee_account_id)
        if not lines:
            return []
        currency = (obj.get("CurrencyRef") or {}).get("value") or "USD"
        keys = quoted_ids(obj.get("PrivateNote"), *(line.get("Description") for line in lines))
        amount = sum(_minor(line.get("Amount"), currency) for line in lines)
        return [Entry(SIDE, "fee", str(obj["Id"]), currency, amount, _day(obj), keys,
                      clearing=self._is_clearing(obj.get("AccountRef")))]

    def _withdrawn(self, obj: dict[str, Any]) -> list[Entry]:
        """A dispute's withdrawal: its Disputed Payments lines, and its fee lines."""
        currency = (obj.get("CurrencyRef") or {}).get("value") or "USD"
        clearing = self._is_clearing(obj.get("AccountRef"))
        keys = quoted_ids(obj.get("PrivateNote"), *(line.get("Description") for line in obj.get("Line") or ()))
        moved = _on(obj, EXPENSE, self.ledger.dispute_account_id)
        fees = _on(obj, EXPENSE, self.ledger.fee_account_id)
        found = [Entry(SIDE, "dispute", str(obj["Id"]), currency, sum(_minor(x.get("Amount"), currency) for x in moved),
                       _day(obj), keys, clearing=clearing)]
        if fees:
            found.append(Entry(SIDE, "fee", f"{obj['Id']}:fee", currency,
                               sum(_minor(x.get("Amount"), currency) for x in fees), _day(obj), keys,
                               clearing=clearing))
        return found

    def _reinstated(self, obj: dict[str, Any]) -> list[Entry]:
        """A won dispute's journal: the credits to Disputed Payments and the fee account came back
        into the clearing account (negative entries, as Stripe's reversal is)."""
        if not (obj.get("PrivateNote") or "").startswith(REINSTATED):
            return []
        currency = (obj.get("CurrencyRef") or {}).get("value") or "USD"
        keys = quoted_ids(obj.get("PrivateNote"), *(line.get("Description") for line in obj.get("Line") or ()))
        debits = _on(obj, JOURNAL, self.ledger.clearing_account_id, "Debit")
        clearing = bool(debits)
        back = _on(obj, JOURNAL, self.ledger.dispute_account_id, "Credit")
        found = [Entry(SIDE, "dispute", str(obj["Id"]), currency, -sum(_minor(x.get("Amount"), currency) for x in back),
                       _day(obj), keys, clearing=clearing)]
        fees = _on(obj, JOURNAL, self.ledger.fee_account_id, "Credit")
        if fees:
            found.append(Entry(SIDE, "fee", f"{obj['Id']}:fee", currency,
                               -sum(_minor(x.get("Amount"), currency) for x in fees), _day(obj), keys,
                               clearing=clearing))
        return found

    def _transfer(self, obj: dict[str, Any]) -> list[Entry]:
        """A transfer out of the clearing account is a Stripe payout reaching the bank."""
        if not self._is_clearing(obj.get("FromAccountRef")):
            return []
        currency = self._account_currency(obj.get("FromAccountRef")) or "USD"
        return [Entry(SIDE, "payout", str(obj["Id"]), currency, _minor(obj.get("Amount"), currency), _day(obj),
                      quoted_ids(obj.get("PrivateNote")), clearing=True)]


def _on(obj: dict[str, Any], detail: str, account: str | None, posting: str | None = None) -> list[dict[str, Any]]:
    """The lines of ``obj`` on ``account`` (of one posting type, for journal lines)."""
    return [line for line in obj.get("Line") or () if line.get("DetailType") == detail
            and str(((line.get(detail) or {}).get("AccountRef") or {}).get("value")) == str(account)
            and (posting is None or (line.get(detail) or {}).get("PostingType") == posting)]


def _minor(amount: Any, currency: str) -> int:
    # QBO's JSON numbers arrive as floats from json.loads; str() gives their shortest exact form.
    return abs(to_minor(Decimal(str(amount if amount is not None else 0)), currency))


def _day(obj: dict[str, Any]) -> date:
    if not obj.get("TxnDate"):
        raise ValueError(f"a QuickBooks record without a TxnDate (Id {obj.get('Id')})")
    return date.fromisoformat(str(obj["TxnDate"])[:10])
