"""Write-back to QuickBooks Online of the processor's fees and payouts, per the connection's fee
treatment (:mod:`revhub.connectors.quickbooks.ledger_settings`): a fee is a ``Purchase`` paid
out of the clearing account to the fee expense account (one per charge, or one per payout
summing its fees); a landed payout is a ``Transfer`` from the clearing account to the bank.
The clearing account's balance then follows the processor's balance.

Every booking quotes the processor's id in ``PrivateNote`` (``Stripe fee txn_…``, ``Stripe fees
of po_…``, ``Stripe payout po_…``). The batch's ``requestid`` makes a retried request answer
as the first did; past that, bookings QBO already holds for the batch's dates are read first
(one query per entity) and adopted by their note, so a resync from an empty store or a retry
after the request id is forgotten books nothing twice.
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/purchase
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/transfer
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from revhub.connectors.quickbooks.ledger_settings import QuickBooksLedger
from revhub.connectors.quickbooks.payloads import _number
from revhub.mappings.writes import WriteItem, WriteResult

FEE_PREFIX, PAYOUT_FEES_PREFIX, PAYOUT_PREFIX = "Stripe fee ", "Stripe fees of ", "Stripe payout "
EXPENSE = "AccountBasedExpenseLineDetail"


def fee_note(item: WriteItem) -> str:
    return f"{FEE_PREFIX}{item.record['reference']}"


def payout_fees_note(item: WriteItem) -> str:
    return f"{PAYOUT_FEES_PREFIX}{item.record['reference']}"


def payout_note(item: WriteItem) -> str:
    return f"{PAYOUT_PREFIX}{item.record['reference']}"


def _day(value: Any) -> str | None:
    return str(value)[:10] if value else None


class QuickBooksLedgerPusher:
    """Needs ``api``, ``ledger`` and the batch helpers of :class:`QuickBooksPusher`."""

    api: Any
    ledger: QuickBooksLedger
    _batch: Callable[..., list[dict[str, Any]]]
    _result: Callable[..., WriteResult]

    # -- payloads ------------------------------------------------------------------------
    def purchase(self, note: str, amount: int, currency: str, day: str | None, what: str) -> dict[str, Any]:
        """A fee paid out of the clearing account to the fee expense account."""
        body = {"PaymentType": "Cash", "AccountRef": {"value": self.ledger.clearing_account_id},
                "CurrencyRef": {"value": currency}, "TxnDate": day, "PrivateNote": note[:4000],
                "Line": [{"DetailType": EXPENSE, "Amount": _number(amount, currency), "Description": what[:4000],
                          EXPENSE: {"AccountRef": {"value": self.ledger.fee_account_id}}}]}
        return {k: v for k, v in body.items() if v is not None}

    def transfer(self, item: WriteItem) -> dict[str, Any]:
        """A payout landing in the bank."""
        r = item.record
        body = {"FromAccountRef": {"value": self.ledger.clearing_account_id},
                "ToAccountRef": {"value": self.ledger.bank_account_id},
                "Amount": _number(r["amount_minor"], r["currency"]), "TxnDate": _day(r.get("arrival_date")),
                "PrivateNote": payout_note(item)}
        return {k: v for k, v in body.items() if v is not None}

    def _fee_body(self, item: WriteItem) -> dict[str, Any]:
        r = item.record
        return self.purchase(fee_note(item), r["amount_minor"], r["currency"], _day(r.get("incurred_at")),
                             f"Stripe processing fee ({r['reference']})")

    def _payout_fees_body(self, item: WriteItem) -> dict[str, Any]:
        r = item.record
        return self.purchase(payout_fees_note(item), r["fee_minor"], r["currency"], _day(r.get("arrival_date")),
                             f"Stripe processing fees settled by payout {r['reference']}")

    def describe_ledger(self, entity: str, item: WriteItem) -> dict[str, Any]:
        """The bookings a fee or payout would make under the connection's fee treatment."""
        treatment = self.ledger.fee_treatment
        if entity == "fee":
            if treatment != "per_charge":
                return {"note": f"fee_treatment is {treatment}: a fee is not booked on its own"}
            return {"Purchase": self._fee_body(item)}
        if not self.ledger.books_fees:
            return {"note": "fee_treatment is none: payouts are not booked"}
        body: dict[str, Any] = {} if item.record.get("status") == "paid" else {
            "note": f"payout {item.record.get('status')}: booked once it is paid"}
        if treatment == "per_payout" and item.record.get("fee_minor"):
            body["Purchase"] = self._payout_fees_body(item)
        body["Transfer"] = self.transfer(item)
        return body

    # -- pushing -------------------------------------------------------------------------
    def _push_fees(self, items: list[WriteItem]) -> list[WriteResult]:
        """Per-charge fees; under other treatments a fee is booked with its payout, or not at all."""
        wanted = [i for i in items if not i.external_id and self.ledger.fee_treatment == "per_charge"
                  and i.record.get("amount_minor")]
        results = [WriteResult(i.message_id, "skipped", external_id=i.external_id) for i in items if i not in wanted]
        return results + self._book(wanted, "Purchase", fee_note, self._fee_body, "fees",
                                    lambda i: i.record.get("incurred_at"))

    def _push_payouts(self, items: list[WriteItem]) -> list[WriteResult]:
        """Landed payouts: the transfer to the bank, and (per payout) the fees they settled first."""
        wanted = [i for i in items if not i.external_id and self.ledger.books_fees and i.record.get("status") == "paid"]
        results = [WriteResult(i.message_id, "skipped", external_id=i.external_id) for i in items if i not in wanted]
        if self.ledger.fee_treatment == "per_payout":
            charged = [i for i in wanted if i.record.get("fee_minor")]
            fees = {r.message_id: r for r in self._book(charged, "Purchase", payout_fees_note, self._payout_fees_body,
                                                        "payout-fees", lambda i: i.record.get("arrival_date"))}
            waiting = [fees[i.message_id] for i in charged if fees[i.message_id].status != "sent"]
            results += waiting  # the transfer waits until its fees are booked
            wanted = [i for i in wanted if i.message_id not in {r.message_id for r in waiting}]
        return results + self._book(wanted, "Transfer", payout_note, self.transfer, "payouts",
                                    lambda i: i.record.get("arrival_date"))

    def _book(self, items: list[WriteItem], remote: str, note: Callable[[WriteItem], str],
              body: Callable[[WriteItem], dict[str, Any]], what: str,
              day: Callable[[WriteItem], Any]) -> list[WriteResult]:
        if not items:
            return []
        held = self._held(remote, [_day(day(i)) for i in items])
        results = [WriteResult(i.message_id, "sent", external_id=held[note(i)]) for i in items if note(i) in held]
        new = [i for i in items if note(i) not in held]
        if new:
            answers = self._batch(new, what, [{"operation": "create", remote: body(i)} for i in new])
            results += [self._result(i, a, remote) for i, a in zip(new, answers, strict=True)]
        return results

    def _held(self, remote: str, days: list[str | None]) -> dict[str, str]:
        """Note → id of the ``remote`` bookings QBO holds on these dates (PrivateNote cannot be
        queried, TxnDate can). https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries"""
        known = sorted(d for d in days if d)
        where = f" WHERE TxnDate >= '{known[0]}' AND TxnDate <= '{known[-1]}'" if len(known) == len(days) else ""
        found: dict[str, str] = {}
        position = 1
        while True:
            text = f"SELECT * FROM {remote}{where} STARTPOSITION {position} MAXRESULTS 1000"
            body = self.api.call(lambda qb, text=text: qb.query(text), remote.lower())
            rows = (body.get("QueryResponse") or {}).get(remote) or []
            found.update({r["PrivateNote"]: r["Id"] for r in rows if r.get("PrivateNote")})
            if len(rows) < 1000:
                return found
            position += len(rows)
