"""Write-back to Xero of the processor's fees and payouts, per the connection's fee treatment
(:mod:`revhub.mappings.ledger_settings`): a fee is a SPEND bank transaction from the clearing
account to the fee account (one per charge, or one per payout summing its fees); a payout is a
bank transfer from the clearing account to the bank account. The clearing account's balance
then equals the processor's balance.

Every booking quotes the processor's id in ``Reference`` (``Stripe fee txn_…``, ``Stripe
payout po_…``): before writing, bookings already in Xero with those references are looked up
(one paged read per batch), so neither a retry past the idempotency window nor a resync from
an empty store books anything twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from revhub.connectors.errors import FatalError
from revhub.connectors.xero.batches import batch_key as _key
from revhub.connectors.xero.batches import element_errors as _errors
from revhub.connectors.xero.exact_json import exact
from revhub.mappings.ledger_settings import LedgerSettings
from revhub.mappings.transforms import TRANSFORMS
from revhub.mappings.writes import WriteItem, WriteResult
from revhub.money import to_decimal

FEE_PREFIX, PAYOUT_FEES_PREFIX, PAYOUT_PREFIX = "Stripe fee ", "Stripe fees of ", "Stripe payout "
PAGE = 100
WHERE_CHARS = 1200  # before URL-encoding (quotes, = and spaces grow it by about a half)


def fee_reference(item: WriteItem) -> str:
    """The natural key a fee booking carries in Xero."""
    return f"{FEE_PREFIX}{item.record['reference']}"


def payout_fees_reference(item: WriteItem) -> str:
    return f"{PAYOUT_FEES_PREFIX}{item.record['reference']}"


def payout_reference(item: WriteItem) -> str:
    return f"{PAYOUT_PREFIX}{item.record['reference']}"


class XeroLedgerPusher:
    api: Any
    ledger: LedgerSettings

    # -- payloads ------------------------------------------------------------------------
    def spend_money(self, reference: str, amount: int, currency: str, day: str | None, what: str) -> dict[str, Any]:
        """A fee paid out of the clearing account.
        https://developer.xero.com/documentation/api/accounting/banktransactions#put-banktransactions"""
        return {"Type": "SPEND", "Contact": {"Name": self.ledger.fee_contact_name},
                "BankAccount": {"Code": self.ledger.clearing_account_code}, "Date": _xero_date(day),
                "CurrencyCode": currency, "LineAmountTypes": "NoTax", "Reference": reference[:255],
                "LineItems": [{"Description": what[:4000], "Quantity": 1,
                               "UnitAmount": exact(to_decimal(amount, currency)),
                               "AccountCode": self.ledger.fee_account_code}]}

    def bank_transfer(self, item: WriteItem) -> dict[str, Any]:
        """A payout landing in the bank. https://developer.xero.com/documentation/api/accounting/banktransfers"""
        record = item.record
        return {"FromBankAccount": {"Code": self.ledger.clearing_account_code},
                "ToBankAccount": {"Code": self.ledger.bank_account_code},
                "Amount": exact(to_decimal(record["amount_minor"], record["currency"])),
                "Date": _xero_date(record.get("arrival_date")), "Reference": payout_reference(item)}

    def _fee_body(self, item: WriteItem) -> dict[str, Any]:
        r = item.record
        return self.spend_money(fee_reference(item), r["amount_minor"], r["currency"], r.get("incurred_at"),
                                f"Stripe processing fee ({r['reference']})")

    def _payout_fees_body(self, item: WriteItem) -> dict[str, Any]:
        r = item.record
        return self.spend_money(payout_fees_reference(item), r["fee_minor"], r["currency"], r.get("arrival_date"),
                                f"Stripe processing fees settled by payout {r['reference']}")

    # -- pushing -------------------------------------------------------------------------
    def _push_fees(self, items: list[WriteItem]) -> list[WriteResult]:
        """Per-charge fees; under other treatments a fee is booked with its payout, or not at all."""
        wanted = [i for i in items if not i.external_id and self.ledger.fee_treatment == "per_charge"
                  and i.record.get("amount_minor")]
        results = [WriteResult(i.message_id, "skipped", external_id=i.external_id) for i in items if i not in wanted]
        return results + self._spend(wanted, fee_reference, self._fee_body, "fees", FEE_PREFIX)

    def _push_payouts(self, items: list[WriteItem]) -> list[WriteResult]:
        """Landed payouts: the transfer to the bank, and (per payout) the fees they settled."""
        wanted = [i for i in items if not i.external_id and self.ledger.books_fees and i.record.get("status") == "paid"]
        results = [WriteResult(i.message_id, "skipped", external_id=i.external_id) for i in items if i not in wanted]
        if not wanted:
            return results
        fees: dict[int, WriteResult] = {}
        if self.ledger.fee_treatment == "per_payout":
            charged = [i for i in wanted if i.record.get("fee_minor")]
            fees = {r.message_id: r for r in self._spend(charged, payout_fees_reference, self._payout_fees_body,
                                                         "payout-fees", PAYOUT_FEES_PREFIX)}
        booked = self._existing("get_bank_transfers", "BankTransfers", "BankTransferID", PAYOUT_PREFIX)
        for item in wanted:
            fee = fees.get(item.message_id)
            if fee is not None and fee.status != "sent":
                results.append(fee)  # the transfer waits until its fees are booked
                continue
            results.append(self._transfer(item, booked))
        return results

    def _transfer(self, item: WriteItem, booked: dict[str, str]) -> WriteResult:
        reference = payout_reference(item)
        if reference in booked:
            return WriteResult(item.message_id, "sent", external_id=booked[reference])
        try:
            answer = self.api.call("create_bank_transfer", "payout", bank_transfers={"BankTransfers": [
                self.bank_transfer(item)]}, idempotency_key=_key([item], "payout"))
        except FatalError as exc:  # one payout's refusal is its own
            return WriteResult(item.message_id, "dead", error=str(exc))
        return WriteResult(item.message_id, "sent", external_id=answer["BankTransfers"][0]["BankTransferID"])

    def _spend(self, items: list[WriteItem], reference: Callable[[WriteItem], str],
               body: Callable[[WriteItem], dict[str, Any]], step: str, prefix: str) -> list[WriteResult]:
        if not items:
            return []
        booked = self._booked_as({reference(i) for i in items})
        results = [WriteResult(i.message_id, "sent", external_id=booked[reference(i)])
                   for i in items if reference(i) in booked]
        new = [i for i in items if reference(i) not in booked]
        if not new:
            return results
        answer = self.api.call("create_bank_transactions", step, bank_transactions={
            "BankTransactions": [body(i) for i in new]}, summarize_errors=False, idempotency_key=_key(new, step))
        for item, element in zip(new, answer.get("BankTransactions") or [], strict=True):
            if element.get("StatusAttributeString") == "ERROR":
                results.append(WriteResult(item.message_id, "dead", error=_errors(element)))
            else:
                results.append(WriteResult(item.message_id, "sent", external_id=element["BankTransactionID"]))
        return results

    def _booked_as(self, references: set[str]) -> dict[str, str]:
        """Reference → id of the bank transactions Xero holds under exactly these references: a
        read per few dozen references (a where clause of ``Reference==…`` joined by OR), so the
        look-ups grow with the batch, not with every booking ever made under the prefix."""
        found: dict[str, str] = {}
        for where in _any_of("Reference", sorted(references)):
            page = 1
            while True:
                rows = self.api.call("get_bank_transactions", "banktransactions", where=where,
                                     page=page).get("BankTransactions") or []
                found.update({r["Reference"]: r["BankTransactionID"] for r in rows
                              if r.get("Reference") in references and r.get("Status") not in ("DELETED", "VOIDED")})
                if len(rows) < PAGE:
                    break
                page += 1
        return found

    def _existing(self, method: str, collection: str, id_field: str, prefix: str) -> dict[str, str]:
        """Reference → id of the bookings Xero already holds under ``prefix`` (paged)."""
        found: dict[str, str] = {}
        page = 1
        while True:
            params: dict[str, Any] = {"where": f'Reference.StartsWith("{prefix}")'}
            if method == "get_bank_transactions":
                params.update(page=page)
            rows = self.api.call(method, collection.lower(), **params).get(collection) or []
            found.update({r["Reference"]: r[id_field] for r in rows
                          if r.get("Reference") and r.get("Status") not in ("DELETED", "VOIDED")})
            if method != "get_bank_transactions" or len(rows) < PAGE:
                return found
            page += 1


def _any_of(field: str, values: list[str]) -> list[str]:
    """``field=="a" OR field=="b" …`` clauses, each short enough for a URL's query string (Xero
    refuses long ones: ``IDs`` stops at about 50 GUIDs, ~2,000 characters)."""
    clauses: list[str] = []
    terms: list[str] = []
    for value in values:
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        term = f'{field}=="{escaped}"'
        if terms and sum(len(t) + 4 for t in terms) + len(term) > WHERE_CHARS:
            clauses.append(" OR ".join(terms))
            terms = []
        terms.append(term)
    if terms:
        clauses.append(" OR ".join(terms))
    return clauses


def _xero_date(value: str | date | None) -> str | None:
    if isinstance(value, date):
        value = value.isoformat()
    return TRANSFORMS["xero_date"].write((value or "")[:10] or None, None)
