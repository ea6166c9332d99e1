"""Write-back to Xero of disputes (chargebacks), so the clearing account keeps following the
processor's balance (treatment in :mod:`revhub.mappings.ledger_settings`):

- opened, money withdrawn: a SPEND from the clearing account, the amount to the disputed
  payments account (a current asset while the outcome is open) and, per charge, the dispute
  fee to the fee account (``Stripe dispute du_…``);
- won, money reinstated: the mirror RECEIVE (``Stripe dispute reversal du_…``);
- lost: a manual journal from the disputed payments account to chargeback losses
  (``Stripe dispute lost du_…``); no money moves then, it left when the dispute opened.

Each booking quotes the dispute id and is looked up by it before it is written, so a retry, a
new version of the same dispute or a resync from an empty store books nothing twice.
"""

from __future__ import annotations

from typing import Any

from revhub.connectors.errors import FatalError
from revhub.connectors.xero.batches import batch_key as _key
from revhub.connectors.xero.exact_json import exact
from revhub.connectors.xero.push_ledger import _xero_date
from revhub.mappings.ledger_settings import LedgerSettings
from revhub.mappings.writes import WriteItem, WriteResult
from revhub.money import to_decimal

WITHDRAWN, REINSTATED, LOST = "Stripe dispute ", "Stripe dispute reversal ", "Stripe dispute lost "
PAGE = 100


class XeroDisputePusher:
    api: Any
    ledger: LedgerSettings

    # -- payloads --------------------------------------------------------------------------
    def _dispute_money(self, item: WriteItem, kind: str) -> dict[str, Any]:
        """The withdrawal (SPEND) or the reinstatement (RECEIVE) of one dispute.
        https://developer.xero.com/documentation/api/accounting/banktransactions#put-banktransactions"""
        r = item.record
        currency = r["settled_currency"]
        back = kind == "RECEIVE"
        amount, fee = (r.get("reinstated_minor"), r.get("fee_returned_minor")) if back else \
            (r.get("withdrawn_minor"), r.get("fee_minor"))
        what = "reinstated" if back else "withdrawn"
        lines = [{"Description": f"Chargeback {what}: Stripe dispute {r['reference']}", "Quantity": 1,
                  "UnitAmount": exact(to_decimal(amount or 0, currency)),
                  "AccountCode": self.ledger.dispute_account_code}]
        if fee and self.ledger.fee_treatment == "per_charge":  # per payout, the fee is in the payout's fees
            lines.append({"Description": f"Stripe dispute fee {'returned' if back else ''} ({r['reference']})"
                          .replace("  ", " "), "Quantity": 1, "UnitAmount": exact(to_decimal(fee, currency)),
                          "AccountCode": self.ledger.fee_account_code})
        day = (r.get("closed_at") if back else r.get("opened_at")) or r.get("opened_at")
        return {"Type": kind, "Contact": {"Name": self.ledger.fee_contact_name},
                "BankAccount": {"Code": self.ledger.clearing_account_code}, "Date": _xero_date(day),
                "CurrencyCode": currency, "LineAmountTypes": "NoTax",
                "Reference": f"{REINSTATED if back else WITHDRAWN}{r['reference']}", "LineItems": lines}

    def _dispute_loss(self, item: WriteItem) -> dict[str, Any]:
        """A lost dispute's amount moved to chargeback losses (debit) from disputed payments.
        https://developer.xero.com/documentation/api/accounting/manualjournals"""
        r = item.record
        amount = to_decimal((r.get("withdrawn_minor") or 0) - (r.get("reinstated_minor") or 0), r["settled_currency"])
        text = f"Chargeback lost: Stripe dispute {r['reference']}"
        return {"Narration": f"{LOST}{r['reference']}", "Date": _xero_date(r.get("closed_at") or r.get("opened_at")),
                "Status": "POSTED", "LineAmountTypes": "NoTax", "JournalLines": [
                    {"LineAmount": exact(amount), "AccountCode": self.ledger.chargeback_account_code,
                     "Description": text},
                    {"LineAmount": exact(-amount), "AccountCode": self.ledger.dispute_account_code,
                     "Description": text}]}

    def _describe_dispute(self, item: WriteItem) -> dict[str, Any]:
        if not self.ledger.books_fees:
            return {"note": "fee_treatment is none: the clearing account does not follow Stripe; disputes "
                            "are not booked"}
        body: dict[str, Any] = {"BankTransactions": [self._dispute_money(item, "SPEND")]}
        if item.record.get("reinstated_minor"):
            body["BankTransactions"].append(self._dispute_money(item, "RECEIVE"))
        if item.record.get("status") == "lost":
            body["ManualJournals"] = [self._dispute_loss(item)]
        return body

    # -- pushing ---------------------------------------------------------------------------
    def _push_disputes(self, items: list[WriteItem]) -> list[WriteResult]:
        """Each dispute's bookings that Xero does not hold yet (every version re-checks)."""
        wanted = [i for i in items if self.ledger.books_fees and i.record.get("withdrawn_minor")
                  and i.record.get("settled_currency")]
        results = [WriteResult(i.message_id, "skipped", external_id=i.external_id) for i in items if i not in wanted]
        if not wanted:
            return results
        booked = self._existing("get_bank_transactions", "BankTransactions", "BankTransactionID", WITHDRAWN)
        journals = self._journals() if any(i.record.get("status") == "lost" for i in wanted) else {}
        for item in wanted:
            try:
                results.append(self._book_dispute(item, booked, journals))
            except FatalError as exc:  # one dispute's refusal is its own
                results.append(WriteResult(item.message_id, "dead", error=str(exc)))
        return results

    def _book_dispute(self, item: WriteItem, booked: dict[str, str], journals: dict[str, str]) -> WriteResult:
        r = item.record
        steps = [("SPEND", f"{WITHDRAWN}{r['reference']}")]
        if r.get("reinstated_minor"):
            steps.append(("RECEIVE", f"{REINSTATED}{r['reference']}"))
        for kind, reference in steps:
            if reference not in booked:
                answer = self.api.call("create_bank_transactions", "dispute", bank_transactions={
                    "BankTransactions": [self._dispute_money(item, kind)]}, summarize_errors=True,
                    idempotency_key=_key([item], f"dispute-{kind.lower()}"))
                booked[reference] = answer["BankTransactions"][0]["BankTransactionID"]
        narration = f"{LOST}{r['reference']}"
        if r.get("status") == "lost" and narration not in journals:
            answer = self.api.call("create_manual_journals", "dispute",
                                   manual_journals={"ManualJournals": [self._dispute_loss(item)]},
                                   summarize_errors=True, idempotency_key=_key([item], "dispute-lost"))
            journals[narration] = answer["ManualJournals"][0]["ManualJournalID"]
        return WriteResult(item.message_id, "sent", external_id=booked[steps[0][1]])

    def _journals(self) -> dict[str, str]:
        """Narration → id of the lost-dispute journals Xero holds (paged)."""
        found: dict[str, str] = {}
        page = 1
        while True:
            rows = self.api.call("get_manual_journals", "dispute", where=f'Narration.StartsWith("{LOST}")',
                                 page=page).get("ManualJournals") or []
            found.update({j["Narration"]: j["ManualJournalID"] for j in rows
                          if j.get("Status") not in ("VOIDED", "DELETED")})
            if len(rows) < PAGE:
                return found
            page += 1
