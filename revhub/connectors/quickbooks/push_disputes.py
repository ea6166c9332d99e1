"""Write-back to QuickBooks Online of disputes (chargebacks), so the clearing account keeps
following the processor's balance (accounts in :mod:`revhub.connectors.quickbooks.ledger_settings`):

- opened, money withdrawn: a ``Purchase`` paid out of the clearing account (PaymentType Cash),
  one line with the amount to Disputed Payments (an Other Current Asset: money the company may
  still get back) and, fees booked per charge, one with the dispute fee to the fee account. One
  transaction, as Stripe withdraws both in one balance transaction; a Transfer could carry the
  amount (both sides balance-sheet accounts) but not the fee, which is an expense;
- won, money reinstated: a ``JournalEntry`` debiting the clearing account and crediting Disputed
  Payments (and the fee account for a fee given back): QBO has no negative Purchase lines, and a
  journal names every account the mirror moves;
- lost: a ``JournalEntry`` from Disputed Payments to Chargeback Losses; no money moves then, it
  left when the dispute opened.

Each booking quotes the dispute id in ``PrivateNote`` (``Stripe dispute du_…``, ``Stripe dispute
reversal du_…``, ``Stripe dispute lost du_…``). The batch's ``requestid`` answers a retried
request as the first; past that, what QBO holds on the bookings' dates is read first and adopted
by its note, so a new version of the dispute, a retry or a resync books nothing twice.
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/purchase
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/journalentry
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from revhub.connectors.quickbooks.ledger_settings import QuickBooksLedger
from revhub.connectors.quickbooks.payloads import _number
from revhub.mappings.writes import WriteItem, WriteResult

WITHDRAWN, REINSTATED, LOST = "Stripe dispute ", "Stripe dispute reversal ", "Stripe dispute lost "
EXPENSE, JOURNAL = "AccountBasedExpenseLineDetail", "JournalEntryLineDetail"


def _day(value: Any) -> str | None:
    return str(value)[:10] if value else None


def withdrawn_note(item: WriteItem) -> str:
    return f"{WITHDRAWN}{item.record['reference']}"


def reinstated_note(item: WriteItem) -> str:
    return f"{REINSTATED}{item.record['reference']}"


def lost_note(item: WriteItem) -> str:
    return f"{LOST}{item.record['reference']}"


def _decided(item: WriteItem) -> Any:
    return item.record.get("closed_at") or item.record.get("opened_at")


def _journal_line(amount: int, currency: str, posting: str, account: str | None, what: str) -> dict[str, Any]:
    return {"DetailType": JOURNAL, "Amount": _number(amount, currency), "Description": what[:4000],
            JOURNAL: {"PostingType": posting, "AccountRef": {"value": account}}}


class QuickBooksDisputePusher:
    """Needs ``api``, ``ledger`` and ``_book`` of :class:`QuickBooksLedgerPusher`."""

    ledger: QuickBooksLedger
    _book: Callable[..., list[WriteResult]]

    # -- payloads ------------------------------------------------------------------------
    def _fee_booked(self, fee: int | None) -> bool:
        return bool(fee) and self.ledger.fee_treatment == "per_charge"  # per payout it is in the payout's fees

    def _withdrawal(self, item: WriteItem) -> dict[str, Any]:
        """The money Stripe withdrew: the amount to Disputed Payments, the fee to the fee account."""
        r = item.record
        currency, fee = r["settled_currency"], r.get("fee_minor")
        lines = [{"DetailType": EXPENSE, "Amount": _number(r["withdrawn_minor"], currency),
                  "Description": f"Chargeback withdrawn: Stripe dispute {r['reference']}",
                  EXPENSE: {"AccountRef": {"value": self.ledger.dispute_account_id}}}]
        if self._fee_booked(fee):
            lines.append({"DetailType": EXPENSE, "Amount": _number(fee, currency),
                          "Description": f"Stripe dispute fee ({r['reference']})",
                          EXPENSE: {"AccountRef": {"value": self.ledger.fee_account_id}}})
        body = {"PaymentType": "Cash", "AccountRef": {"value": self.ledger.clearing_account_id},
                "CurrencyRef": {"value": currency}, "TxnDate": _day(r.get("opened_at")),
                "PrivateNote": withdrawn_note(item), "Line": lines}
        return {k: v for k, v in body.items() if v is not None}

    def _reinstatement(self, item: WriteItem) -> dict[str, Any]:
        """A won dispute's money back in the clearing account, out of Disputed Payments (and the fee back)."""
        r = item.record
        currency, amount, fee = r["settled_currency"], r["reinstated_minor"], r.get("fee_returned_minor")
        fee = fee if self._fee_booked(fee) else 0
        what = f"Chargeback reinstated: Stripe dispute {r['reference']}"
        lines = [_journal_line(amount + fee, currency, "Debit", self.ledger.clearing_account_id, what),
                 _journal_line(amount, currency, "Credit", self.ledger.dispute_account_id, what)]
        if fee:
            lines.append(_journal_line(fee, currency, "Credit", self.ledger.fee_account_id,
                                       f"Stripe dispute fee returned ({r['reference']})"))
        return self._journal(item, reinstated_note(item), r.get("closed_at") or r.get("opened_at"), lines)

    def _loss(self, item: WriteItem) -> dict[str, Any]:
        """A lost dispute's amount moved from Disputed Payments to Chargeback Losses."""
        r = item.record
        currency = r["settled_currency"]
        amount = (r.get("withdrawn_minor") or 0) - (r.get("reinstated_minor") or 0)
        what = f"Chargeback lost: Stripe dispute {r['reference']}"
        lines = [_journal_line(amount, currency, "Debit", self.ledger.chargeback_account_id, what),
                 _journal_line(amount, currency, "Credit", self.ledger.dispute_account_id, what)]
        return self._journal(item, lost_note(item), r.get("closed_at") or r.get("opened_at"), lines)

    def _journal(self, item: WriteItem, note: str, day: Any, lines: list[dict[str, Any]]) -> dict[str, Any]:
        body = {"CurrencyRef": {"value": item.record["settled_currency"]}, "TxnDate": _day(day),
                "PrivateNote": note, "Line": lines}
        return {k: v for k, v in body.items() if v is not None}

    def describe_dispute(self, item: WriteItem) -> dict[str, Any]:
        """The bookings a dispute would make in QuickBooks."""
        if not self.ledger.books_disputes:
            return {"note": "disputes are booked when fees are (fee_treatment) and dispute_account_id and "
                            "chargeback_account_id are set"}
        body: dict[str, Any] = {"Purchase": self._withdrawal(item)}
        journals = [self._reinstatement(item)] if item.record.get("reinstated_minor") else []
        if item.record.get("status") == "lost":
            journals.append(self._loss(item))
        return {**body, "JournalEntry": journals} if journals else body

    # -- pushing -------------------------------------------------------------------------
    def _push_disputes(self, items: list[WriteItem]) -> list[WriteResult]:
        """Each dispute's bookings that QuickBooks does not hold yet (every version re-checks)."""
        wanted = [i for i in items if self.ledger.books_disputes and i.record.get("withdrawn_minor")
                  and i.record.get("settled_currency")]
        results = [WriteResult(i.message_id, "skipped", external_id=i.external_id) for i in items if i not in wanted]
        if not wanted:
            return results
        steps = [self._book(wanted, "Purchase", withdrawn_note, self._withdrawal, "dispute-withdrawn",
                            lambda i: i.record.get("opened_at"))]
        withdrawn = {r.message_id for r in steps[0] if r.status == "sent"}  # nothing comes back before it left
        wanted_after = [i for i in wanted if i.message_id in withdrawn]
        won = [i for i in wanted_after if i.record.get("reinstated_minor")]
        steps.append(self._book(won, "JournalEntry", reinstated_note, self._reinstatement, "dispute-reinstated",
                                _decided))
        lost = [i for i in wanted_after if i.record.get("status") == "lost"]
        steps.append(self._book(lost, "JournalEntry", lost_note, self._loss, "dispute-lost", _decided))
        by_item: dict[int, list[WriteResult]] = {}
        for step in steps:
            for result in step:
                by_item.setdefault(result.message_id, []).append(result)
        for item in wanted:
            booked = by_item[item.message_id]
            failed = next((r for r in booked if r.status != "sent"), None)
            results.append(failed or WriteResult(item.message_id, "sent", external_id=booked[0].external_id))
        return results
