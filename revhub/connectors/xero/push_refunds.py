"""Write-back to Xero of refunds: an AUTHORISED sales credit note for the amount, quoting the
processor's refund id (its natural key), then a refund payment out of the clearing account."""

from __future__ import annotations

from typing import Any

from revhub.connectors.xero.batches import batch_key as _key
from revhub.connectors.xero.batches import element_errors as _errors
from revhub.connectors.xero.client import NotFound
from revhub.connectors.xero.exact_json import exact
from revhub.connectors.xero.normalize import minor
from revhub.ledger.fx import realised_rate
from revhub.mappings.transforms import TRANSFORMS
from revhub.mappings.writes import WriteItem, WriteResult
from revhub.money import to_decimal


class XeroRefundPusher:
    api: Any
    clearing_account: str
    sales_account: str

    def _push_refunds(self, items: list[WriteItem]) -> list[WriteResult]:
        """Money returned to a customer, as Xero books it: an AUTHORISED sales credit note for
        the amount, then a refund payment out of the clearing account against that note.
        https://developer.xero.com/documentation/api/accounting/creditnotes#put-creditnotes"""
        results: list[WriteResult] = []
        ready: list[tuple[WriteItem, dict[str, Any]]] = []
        for item in items:
            answer = self._refund_ready(item)
            if isinstance(answer, WriteResult):
                results.append(answer)
            else:
                ready.append((item, answer))
        paid_from_credit, ready = self._from_credit(ready)
        results += paid_from_credit
        if not ready:
            return results
        notes = self.api.call("create_credit_notes", "refund",
                              credit_notes={"CreditNotes": [self._credit_note(i, p["Invoice"]) for i, p in ready]},
                              summarize_errors=False, idempotency_key=_key([i for i, _ in ready], "credit-notes"))
        created: list[tuple[WriteItem, dict[str, Any]]] = []
        for (item, _), element in zip(ready, notes.get("CreditNotes") or [], strict=True):
            if element.get("StatusAttributeString") == "ERROR":
                results.append(WriteResult(item.message_id, "dead", error=_errors(element)))
            else:
                created.append((item, element))
        if not created:
            return results
        paid_out = self.api.call("create_payments", "refund", payments={"Payments": [
            self._refund_payment(item, note) for item, note in created]},
            summarize_errors=False, idempotency_key=_key([i for i, _ in created], "refund-payments"))
        for (item, note), element in zip(created, paid_out.get("Payments") or [], strict=True):
            if element.get("StatusAttributeString") == "ERROR":
                results.append(WriteResult(item.message_id, "dead", external_id=note["CreditNoteID"],
                                           error=_errors(element)))
            else:
                results.append(WriteResult(item.message_id, "sent", external_id=note["CreditNoteID"]))
        return results

    def _refund_payment(self, item: WriteItem, note: dict[str, Any]) -> dict[str, Any]:
        """The cash paid out against the credit note, at the rate the processor realised on the
        refund when it converted it (so the clearing account moves as the processor's balance did).
        https://developer.xero.com/documentation/api/accounting/payments#put-payments"""
        record = item.record
        body = {"CreditNote": {"CreditNoteID": note["CreditNoteID"]}, "Account": {"Code": self.clearing_account},
                "Date": note["Date"], "Amount": exact(to_decimal(record["amount_minor"], record["currency"])),
                "Reference": f"revhub refund {item.record_id}"}
        return {**body, **self._refund_rate(record)}

    def _refund_rate(self, record: dict[str, Any]) -> dict[str, Any]:
        """``CurrencyRate`` for cash refunded out of the clearing account, when the processor
        converted the refund: the rate it realised (else none, and Xero takes its rate of the day)."""
        settled = record.get("settled_minor")
        if settled is None or not self._foreign(record["currency"], record.get("settled_currency")):
            return {}
        rate = realised_rate(record["amount_minor"], record["currency"], settled, record["settled_currency"])
        return {"CurrencyRate": exact(rate)} if rate is not None else {}

    def _foreign(self, currency: str, settled_currency: str | None) -> bool:
        """Whether money in ``currency`` that the processor settled in ``settled_currency`` is
        converted on its way into the clearing account (it settled in the account's currency)."""
        if not settled_currency or settled_currency == currency:
            return False
        return settled_currency == self._clearing_currency() != currency

    def _clearing_currency(self) -> str:
        """The clearing account's currency, read from Xero once per pusher (a BANK account's
        ``CurrencyCode``, else the organisation's base currency).
        https://developer.xero.com/documentation/api/accounting/accounts"""
        known = getattr(self, "_clearing_currency_code", None)
        if known is None:
            found = self.api.call("get_accounts", "payment",
                                  where=f'Code=="{self.clearing_account}"').get("Accounts") or [{}]
            known = found[0].get("CurrencyCode")
            if not known:
                # https://developer.xero.com/documentation/api/accounting/organisation
                known = (self.api.call("get_organisations", "payment").get("Organisations") or [{}])[0]["BaseCurrency"]
            self._clearing_currency_code = known
        return known

    def _from_credit(self, ready: list[tuple[WriteItem, dict[str, Any]]]
                     ) -> tuple[list[WriteResult], list[tuple[WriteItem, dict[str, Any]]]]:
        """Refunds the refunded payment's over-payment credit covers, paid out of that credit in
        cash (a payment against the Overpayment): the excess was never a sale, so no credit note
        reduces sales. The others are returned for a credit note.
        https://developer.xero.com/documentation/api/accounting/overpayments#refunding-overpayments"""
        results, rest = [], []
        for item, payment in ready:
            record = item.record
            credit = self._open_credit(payment)
            if credit is None or minor(credit.get("RemainingCredit"), record["currency"]) < record["amount_minor"]:
                rest.append((item, payment))
                continue
            answer = self.api.call("create_payments", "refund", payments={"Payments": [{
                "Overpayment": {"OverpaymentID": credit["OverpaymentID"]}, "Account": {"Code": self.clearing_account},
                "Date": _refund_date(record), "Amount": exact(to_decimal(record["amount_minor"], record["currency"])),
                "Reference": f"Refund {_quoted(record.get('reference'))}revhub refund {item.record_id}"[:255],
                **self._refund_rate(record)}]},
                summarize_errors=False, idempotency_key=_key([item], "overpayment-refund"))
            element = (answer.get("Payments") or [{}])[0]
            if element.get("StatusAttributeString") == "ERROR":
                results.append(WriteResult(item.message_id, "dead", error=_errors(element)))
            else:
                results.append(WriteResult(item.message_id, "sent", external_id=element["PaymentID"]))
        return results, rest

    def _open_credit(self, payment: dict[str, Any]) -> dict[str, Any] | None:
        """The overpayment Xero holds from the refunded payment's excess (its reference + " overpayment")."""
        if not payment.get("Reference"):
            return None
        rows = self.api.call("get_bank_transactions", "refund",
                             where=f'Reference=="{payment["Reference"]} overpayment"').get("BankTransactions") or []
        ids = [r["OverpaymentID"] for r in rows if r.get("Type") == "RECEIVE-OVERPAYMENT" and r.get("OverpaymentID")
               and r.get("Status") not in ("DELETED", "VOIDED")]
        if not ids:
            return None
        return (self.api.call("get_overpayment", "refund", overpayment_id=ids[0]).get("Overpayments") or [None])[0]

    def _credit_refund_quoting(self, reference: str | None) -> str | None:
        """The id of a cash refund of an overpayment quoting ``reference`` (written by an earlier attempt)."""
        if not reference:
            return None
        found = self.api.call("get_payments", "refund", where=f'Reference.Contains("{reference}")')
        live = [p for p in found.get("Payments") or () if p.get("PaymentType") == "AROVERPAYMENTPAYMENT"
                and p.get("Status") != "DELETED"]
        return live[0]["PaymentID"] if live else None

    def _refund_ready(self, item: WriteItem) -> WriteResult | dict[str, Any]:
        """The refunded payment (as Xero has it) for a refund to write now, else its answer."""
        if item.external_id or item.record.get("status") != "succeeded":
            return WriteResult(item.message_id, "skipped", external_id=item.external_id)
        if not item.refs.get("payment"):
            return WriteResult(item.message_id, "retry", retry_after=120,
                               error="waiting for the refunded payment to reach Xero")
        held = self._note_quoting(item.record.get("reference")) or self._credit_refund_quoting(
            item.record.get("reference"))
        if held:  # Xero already holds this refund (booked before revhub, or by an earlier attempt)
            return WriteResult(item.message_id, "sent", external_id=held)
        try:
            # The refunded payment, as Xero has it, names the invoice and the contact.
            answer = self.api.call("get_payment", "payment", payment_id=item.refs["payment"])
        except NotFound:
            # One missing record fails its own element, never the rest of the batch.
            return WriteResult(item.message_id, "dead",
                               error=f"the refunded payment {item.refs['payment']} is not in Xero (404)")
        return answer["Payments"][0]

    def _note_quoting(self, reference: str | None) -> str | None:
        """The id of a live sales credit note whose Reference quotes ``reference``, if any.
        https://developer.xero.com/documentation/api/accounting/creditnotes#get-creditnotes"""
        if not reference:
            return None
        found = self.api.call("get_credit_notes", "refund",
                              where=f'Type=="ACCRECCREDIT" AND Reference.Contains("{reference}")')
        live = [n for n in found.get("CreditNotes") or () if n.get("Status") not in ("DELETED", "VOIDED")]
        return live[0]["CreditNoteID"] if live else None

    def _credit_note(self, item: WriteItem, invoice: dict[str, Any]) -> dict[str, Any]:
        record = item.record
        currency = record["currency"]
        reason = f" ({record['reason']})" if record.get("reason") else ""
        return {"Type": "ACCRECCREDIT", "Status": "AUTHORISED", "LineAmountTypes": "NoTax",
                "Contact": {"ContactID": invoice["Contact"]["ContactID"]}, "CurrencyCode": currency,
                "Date": _refund_date(record),
                # The processor's refund id is the note's natural key (read back by the normalizer).
                "Reference": f"Refund {_quoted(record.get('reference'))}of "
                             f"{invoice.get('InvoiceNumber') or 'payment'}{reason}"[:255],
                "LineItems": [{"Description": f"Refund{reason}", "Quantity": 1,
                               "UnitAmount": exact(to_decimal(record["amount_minor"], currency)),
                               "AccountCode": self.sales_account}]}



def _refund_date(record: dict[str, Any]) -> str | None:
    return TRANSFORMS["xero_date"].write((record.get("issued_at") or "")[:10] or None, None)


def _quoted(reference: str | None) -> str:
    return f"{reference} " if reference else ""
