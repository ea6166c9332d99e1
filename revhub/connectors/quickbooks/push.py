"""Write-back to QuickBooks Online through the batch endpoint (30 operations per request):
customers, invoices from POs (the PO number in a sales-form custom field), payments applied to
invoices, and refunds as credit memos quoting the processor's refund id.

Every batch carries a ``requestid`` derived from its items' idempotency keys and body: QBO
answers a repeated request id with its first answer, so a batch retried after a lost answer
writes nothing twice. Past that, a duplicate invoice number (fault 6140) is adopted when the
invoice QBO holds carries the same PO number. Each item answers for itself (a fault is that
item's dead letter); a stale SyncToken (5010) is retried.
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/batch
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from revhub.connectors.errors import ConfigError
from revhub.connectors.quickbooks import normalize
from revhub.connectors.quickbooks.client import QuickBooksAPI
from revhub.connectors.quickbooks.ledger_settings import quickbooks_ledger
from revhub.connectors.quickbooks.payloads import QuickBooksPayloads
from revhub.connectors.quickbooks.push_disputes import QuickBooksDisputePusher
from revhub.connectors.quickbooks.push_ledger import QuickBooksLedgerPusher
from revhub.connectors.xero.allocation import split_payment
from revhub.mappings.ledger_settings import LedgerSettingsError
from revhub.mappings.writes import WriteItem, WriteResult, push_in_batches
from revhub.tax.codes import TAX_CODES

BATCH = 30  # QBO's most operations in one batch request
STALE, DUPLICATE_NUMBER = "5010", "6140"


def request_id(items: list[WriteItem], what: str, body: Any) -> str:
    """A request id for this exact batch: the same items and body give the same id."""
    keys = "|".join(i.idempotency_key for i in items)
    return hashlib.sha256(f"{what}|{keys}|{json.dumps(body, sort_keys=True, default=str)}".encode()).hexdigest()[:40]


def _fault(answer: dict[str, Any]) -> tuple[str, str] | None:
    fault = answer.get("Fault")
    if not fault:
        return None
    error = (fault.get("Error") or [{}])[0]
    return str(error.get("code")), f"{error.get('Message')} [{error.get('code')}]: {error.get('Detail')}"


class QuickBooksPusher(QuickBooksPayloads, QuickBooksLedgerPusher, QuickBooksDisputePusher):
    def __init__(self, api: QuickBooksAPI, settings: dict[str, Any] | None = None) -> None:
        settings = settings or {}
        self.api = api
        self.po_field_id = str(settings.get("po_custom_field_id", normalize.PO_FIELD_ID))
        self.deposit_account = settings.get("deposit_account_id")
        try:
            self.ledger = quickbooks_ledger(settings)
        except LedgerSettingsError as exc:
            raise ConfigError(str(exc), provider="quickbooks") from None
        given = settings.get("tax_codes") or {}
        unknown = sorted(set(given) - set(TAX_CODES)) if isinstance(given, dict) else ["(not an object)"]
        if unknown:
            raise ConfigError(f"setting tax_codes names unknown revhub tax codes: {', '.join(unknown)}",
                              provider="quickbooks")
        self.tax_codes = {code: str(qbo) for code, qbo in given.items()}
        # How a processor's refund is booked: a credit memo (the customer's credit, the default)
        # or a refund receipt (money paid back out of ``deposit_account_id``).
        self.refund_document = settings.get("refund_document", "CreditMemo")
        if self.refund_document not in ("CreditMemo", "RefundReceipt"):
            raise ConfigError("setting refund_document must be CreditMemo or RefundReceipt", provider="quickbooks")
        if self.refund_document == "RefundReceipt" and not self.deposit_account:
            raise ConfigError("setting refund_document=RefundReceipt needs deposit_account_id (the account the "
                              "refund is paid from)", provider="quickbooks")

    def describe(self, entity: str, item: WriteItem) -> dict[str, Any]:
        if entity == "customer":
            return {"Customer": self._customer(item.record)}
        if entity == "invoice":
            return {"Invoice": self._invoice(item, item.refs.get("customer") or "<created with the invoice>")}
        if entity == "payment":
            return {"Payment": self._payment(item)}
        if entity == "refund":
            return {self.refund_document: self._refund_body(item, "<the refunded invoice's customer>")}
        if entity in ("fee", "payout"):
            return self.describe_ledger(entity, item)
        if entity == "dispute":
            return self.describe_dispute(item)
        return {}

    # -- pushing -------------------------------------------------------------------------
    def push(self, entity: str, items: list[WriteItem]) -> list[WriteResult]:
        handler = {"customer": self._push_customers, "invoice": self._push_invoices,
                   "payment": self._push_payments, "refund": self._push_refunds,
                   "fee": self._push_fees, "payout": self._push_payouts,
                   "dispute": self._push_disputes}.get(entity)
        if handler is None:
            return [WriteResult(i.message_id, "skipped") for i in items]
        return push_in_batches(items, BATCH, handler)

    def _batch(self, items: list[WriteItem], what: str, operations: list[dict[str, Any]],
               key_body: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        """One batch request; the answers in the order of ``operations`` (matched by bId). The
        request id is of ``key_body`` when given (what was asked, before any capping)."""
        body = {"BatchItemRequest": [{"bId": str(n), **op} for n, op in enumerate(operations)]}
        rid = request_id(items, what, body if key_body is None else key_body)

        def send(qb):
            return qb.post(f"{qb.api_url}/company/{qb.company_id}/batch", json.dumps(body), request_id=rid)

        answer = self.api.call(send, items[0].entity if items else None)
        by_id = {a.get("bId"): a for a in answer.get("BatchItemResponse") or ()}
        return [by_id.get(str(n), {"Fault": {"Error": [{"code": "0", "Message": "no answer for this item"}]}})
                for n in range(len(operations))]

    def _result(self, item: WriteItem, answer: dict[str, Any], entity: str, links=None) -> WriteResult:
        fault = _fault(answer)
        if fault is None:
            return WriteResult(item.message_id, "sent", external_id=answer[entity]["Id"], links=links or [])
        code, message = fault
        status = "retry" if code == STALE else "dead"
        return WriteResult(item.message_id, status, error=message, links=links or [])

    def _current(self, items: list[WriteItem], remote: str) -> dict[str, dict[str, Any]]:
        """The objects QBO holds now for linked items (their SyncTokens), in one query."""
        ids = ", ".join(f"'{i.external_id}'" for i in items)
        body = self.api.call(lambda qb: qb.query(f"SELECT * FROM {remote} WHERE Id IN ({ids}) MAXRESULTS 1000"))
        return {o["Id"]: o for o in (body.get("QueryResponse") or {}).get(remote) or ()}

    def _push_customers(self, items: list[WriteItem]) -> list[WriteResult]:
        current = self._current([i for i in items if i.external_id], "Customer") if any(
            i.external_id for i in items) else {}
        operations, sendable, results = [], [], []
        for item in items:
            body = self._customer(item.record)
            if item.external_id:
                held = current.get(item.external_id)
                if held is None:
                    results.append(WriteResult(item.message_id, "dead", error=f"customer {item.external_id} is "
                                               "not in QuickBooks"))
                    continue
                body = {**body, "Id": held["Id"], "SyncToken": held["SyncToken"], "sparse": True}
                body.pop("CurrencyRef", None)  # QBO fixes a customer's currency once it has one
            operations.append({"operation": "update" if item.external_id else "create", "Customer": body})
            sendable.append(item)
        if operations:
            answers = self._batch(sendable, "customers", operations)
            results += [self._result(i, a, "Customer") for i, a in zip(sendable, answers, strict=True)]
        return results

    def _ensure_customers(self, items: list[WriteItem]) -> dict[int, tuple[str | None, str | None]]:
        found = {i.message_id: (i.refs.get("customer"), None) for i in items}
        missing = [i for i in items if not i.refs.get("customer") and i.related.get("customer")]
        if missing:
            answers = self._batch(missing, "invoice-customers",
                                  [{"operation": "create", "Customer": self._customer(i.related["customer"])}
                                   for i in missing])
            for item, answer in zip(missing, answers, strict=True):
                fault = _fault(answer)
                found[item.message_id] = (None, f"customer: {fault[1]}") if fault else (answer["Customer"]["Id"], None)
        return found

    def _push_invoices(self, items: list[WriteItem]) -> list[WriteResult]:
        results: list[WriteResult] = [WriteResult(i.message_id, "skipped", external_id=i.external_id)
                                      for i in items if i.external_id]  # QBO computes balances; payments move them
        creates = [i for i in items if not i.external_id]
        customers = self._ensure_customers(creates)
        ready, bodies = [], []
        for item in creates:
            customer_id, error = customers.get(item.message_id, (None, None))
            if not customer_id:
                results.append(WriteResult(item.message_id, "dead", error=error or "the customer is not in QuickBooks"))
                continue
            try:
                bodies.append({"operation": "create", "Invoice": self._invoice(item, customer_id)})
            except ConfigError as exc:
                results.append(WriteResult(item.message_id, "dead", error=str(exc)))
                continue
            ready.append((item, customer_id))
        if not ready:
            return results
        answers = self._batch([i for i, _ in ready], "invoices", bodies)
        for (item, customer_id), answer in zip(ready, answers, strict=True):
            links = [] if item.refs.get("customer") else [("customer", _uuid(item.record["customer_id"]), customer_id)]
            fault = _fault(answer)
            if fault and fault[0] == DUPLICATE_NUMBER:
                results.append(self._adopt(item, links))
            else:
                results.append(self._result(item, answer, "Invoice", links))
        return results

    def _adopt(self, item: WriteItem, links: list) -> WriteResult:
        """Written on an earlier attempt whose answer was lost: link to it rather than fail."""
        number = str(item.record["number"]).replace("'", "\\'")
        body = self.api.call(lambda qb: qb.query(f"SELECT * FROM Invoice WHERE DocNumber = '{number}'"), "invoice")
        found = (body.get("QueryResponse") or {}).get("Invoice") or []
        if found and normalize.po_number(found[0], self.po_field_id) == item.record.get("po_number"):
            return WriteResult(item.message_id, "sent", external_id=found[0]["Id"], links=links)
        return WriteResult(item.message_id, "dead", links=links,
                           error=f"invoice number {item.record['number']} is already used in QuickBooks")

    def _push_payments(self, items: list[WriteItem]) -> list[WriteResult]:
        results, ready = [], []
        for item in items:
            if item.external_id:
                results.append(WriteResult(item.message_id, "skipped", external_id=item.external_id))
            elif not item.refs.get("customer"):
                results.append(WriteResult(item.message_id, "retry", error="the customer is not in QuickBooks yet"))
            elif any(not a.get("invoice_external_id") for a in item.record.get("allocations") or ()):
                results.append(WriteResult(item.message_id, "retry",
                                           error="an invoice it pays is not in QuickBooks yet"))
            else:
                ready.append(item)
        if ready:
            # The request id is of the payments as asked, not as capped: a retry after a lost answer
            # (the invoices now owing less) is still the same request, answered as the first was.
            asked = [{"operation": "create", "Payment": self._payment(i)} for i in ready]
            answers = self._batch(ready, "payments", self._capped(ready), key_body=asked)
            results += [self._result(i, a, "Payment") for i, a in zip(ready, answers, strict=True)]
        return results

    def _capped(self, items: list[WriteItem]) -> list[dict[str, Any]]:
        """Each payment applied up to what its invoices still owe in QBO (one query per batch);
        the rest of an over-payment stays unapplied, as the customer's credit."""
        wanted = sorted({a["invoice_external_id"] for i in items for a in i.record.get("allocations") or ()})
        owed: dict[str, int] = {}
        if wanted:
            ids = ", ".join(f"'{w}'" for w in wanted)
            body = self.api.call(lambda qb: qb.query(f"SELECT * FROM Invoice WHERE Id IN ({ids}) MAXRESULTS 1000"),
                                 "payment")
            owed = {v["Id"]: normalize.minor(v.get("Balance"), (v.get("CurrencyRef") or {}).get("value") or "USD")
                    for v in (body.get("QueryResponse") or {}).get("Invoice") or ()}
        operations = []
        for item in items:
            asked = [(a["invoice_external_id"], a["amount_minor"]) for a in item.record.get("allocations") or ()]
            split = split_payment(item.record["amount_minor"], asked, owed)
            for invoice_id, amount in split.applied:
                owed[invoice_id] -= amount  # a second payment in this batch sees what the first left
            operations.append({"operation": "create", "Payment": self._payment(item, split.applied)})
        return operations

    def _push_refunds(self, items: list[WriteItem]) -> list[WriteResult]:
        results, ready = [], []
        invoices = {i.refs.get("invoice") for i in items if not i.external_id and i.refs.get("invoice")}
        payments = {i.refs.get("payment") for i in items if not i.external_id and i.refs.get("payment")}
        owners = self._owners("Invoice", invoices) | self._owners("Payment", payments)
        for item in items:
            customer_id = owners.get(item.refs.get("invoice")) or owners.get(item.refs.get("payment"))
            if item.external_id:
                results.append(WriteResult(item.message_id, "skipped", external_id=item.external_id))
            elif not customer_id:
                results.append(WriteResult(item.message_id, "retry",
                                           error="the refunded invoice or payment is not in QuickBooks yet"))
            else:
                ready.append((item, customer_id))
        if ready:
            kind = self.refund_document
            answers = self._batch([i for i, _ in ready], f"refunds-{kind}",
                                  [{"operation": "create", kind: self._refund_body(i, c)} for i, c in ready])
            results += [self._result(i, a, kind) for (i, _), a in zip(ready, answers, strict=True)]
        return results

    def _owners(self, remote: str, ids: set[str | None]) -> dict[str, str]:
        """The customer each of these QBO transactions belongs to."""
        ids = {i for i in ids if i}
        if not ids:
            return {}
        quoted = ", ".join(f"'{i}'" for i in sorted(ids))
        body = self.api.call(lambda qb: qb.query(f"SELECT * FROM {remote} WHERE Id IN ({quoted})"))
        return {o["Id"]: o["CustomerRef"]["value"] for o in (body.get("QueryResponse") or {}).get(remote) or ()}


def _uuid(value: str):
    import uuid

    return uuid.UUID(value)
