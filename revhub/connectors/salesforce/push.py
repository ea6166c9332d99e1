"""Write-back to Salesforce: customers onto their Accounts, purchase orders, and invoicing and
payment onto the PO record.

sObject collections carry up to 200 records per call with ``allOrNone: false``, so one bad
record is a dead letter with Salesforce's own message and the rest go through. POs revhub
created are upserted by the ``Revhub_Id__c`` external id, so a retry cannot create a twin.

A write sends only the fields that may change: the org's describe (read once per pusher)
says which fields are createable and updateable, and an update never carries the record's
identity (its account, its revhub id) or an auto-number Name, which Salesforce refuses with
INVALID_FIELD_FOR_INSERT_UPDATE.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from revhub.connectors.errors import FatalError, RetriableError
from revhub.connectors.salesforce import lines as po_lines
from revhub.connectors.salesforce.client import NotFound, SalesforceAPI
from revhub.connectors.salesforce.line_push import write_lines
from revhub.mappings import engine
from revhub.mappings.loader import mapping_for
from revhub.mappings.writes import WriteItem, WriteResult

BATCH = 200
RETRIABLE_CODES = {"UNABLE_TO_LOCK_ROW", "REQUEST_LIMIT_EXCEEDED", "SERVER_UNAVAILABLE"}
PO_OBJECT = "Purchase_Order__c"
ACCOUNT_OBJECT = "Account"
# Set when the PO is made and never moved: a PO stays with its account and its revhub id.
IDENTITY_ON_UPDATE = frozenset({"Account__c", "Revhub_Id__c"})


def account_changes(item: WriteItem, overrides: dict | None = None) -> dict[str, Any]:
    """The Account fields of the customer fields that differ from what Salesforce last had.

    Mapped by the ("salesforce", "customer") table; the street is the two address lines joined
    as the normalizer splits them. A field cleared in revhub is sent as null.
    """
    record, base = item.record, item.base or {}
    mapping = mapping_for("salesforce", "customer", overrides)
    changed = {m.field for m in mapping if m.field in record and record[m.field] != base.get(m.field)}
    fields = engine.write(mapping, record, record.get("default_currency"), only=changed)
    fields.update({m.path: None for m in mapping if m.field in changed and record[m.field] is None})
    street = [record.get("billing_line1"), record.get("billing_line2")]
    if street != [base.get("billing_line1"), base.get("billing_line2")] and "billing_line1" in record:
        fields["BillingStreet"] = "\n".join(p for p in street if p) or None
    return fields


def superseded(item: WriteItem) -> bool:
    """Whether ``item`` is a voided invoice whose PO has moved on (re-invoiced or cancelled).

    The Salesforce PO shows one invoice, its current one; a later version of the voided one
    (a sync or an echo that touches it after the re-invoice) must not write its number back.
    """
    po_status = (item.related.get("purchase_order") or {}).get("status")
    return item.record.get("status") == "void" and po_status not in (None, "invoice_voided")


def exact_json(body: Any) -> str:
    """JSON with Decimals written as exact numbers (json.dumps would need a float)."""
    decimals: list[Decimal] = []

    def mark(value: Any) -> Any:
        if isinstance(value, Decimal):
            decimals.append(value)
            return f"__revhub_decimal_{len(decimals) - 1}__"
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mark(v) for v in value]
        return value

    text = json.dumps(mark(body))
    for i, value in enumerate(decimals):
        text = text.replace(f'"__revhub_decimal_{i}__"', format(value, "f"), 1)
    return text


class SalesforcePusher:
    def __init__(self, api: SalesforceAPI, overrides: dict | None = None) -> None:
        self.api, self.overrides = api, overrides
        self._writable: dict[str, dict[str, tuple[bool, bool]]] = {}

    def writable(self, sobject: str) -> dict[str, tuple[bool, bool]]:
        """{field: (createable, updateable)} from the org's describe, read once.
        https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm"""
        if sobject not in self._writable:
            described = self.api.request(lambda sf: getattr(sf, sobject).describe(), entity=sobject)
            self._writable[sobject] = {f["name"]: (bool(f["createable"]), bool(f["updateable"]))
                                       for f in described["fields"]}
        return self._writable[sobject]

    def only_changeable(self, sobject: str, fields: dict[str, Any], *, creating: bool) -> dict[str, Any]:
        """``fields`` less those Salesforce would refuse on this write (and identity on update)."""
        flags = self.writable(sobject)
        keep = {}
        for name, value in fields.items():
            createable, updateable = flags.get(name, (False, False))
            if (createable if creating else updateable and name not in IDENTITY_ON_UPDATE):
                keep[name] = value
        return keep

    def describe(self, entity: str, item: WriteItem) -> dict[str, Any]:
        """The fields this item would send (the dry run's diff)."""
        if entity == "customer":
            return account_changes(item, self.overrides) if item.external_id else {}
        fields = self._fields(entity, item) or {}
        if entity == "purchase_order" and fields:
            currency = item.record.get("currency") or "USD"
            fields[po_lines.LINE_OBJECT] = [po_lines.line_fields(line, currency)
                                            for line in item.record.get("lines") or []]
        return fields

    def _fields(self, entity: str, item: WriteItem) -> dict[str, Any] | None:
        currency = item.record.get("currency")
        record = engine.write(mapping_for("salesforce", entity, self.overrides), item.record, currency)
        if entity == "purchase_order":
            if not item.refs.get("customer"):
                return None
            record.update(Account__c=item.refs["customer"], Revhub_Id__c=str(item.record_id))
            if not item.external_id:
                record["Name"] = item.record.get("po_number")
        return record

    def push(self, entity: str, items: list[WriteItem]) -> list[WriteResult]:
        if entity == "customer":
            return self._push_customers(items)
        results: list[WriteResult] = []
        ready: list[tuple[WriteItem, dict[str, Any], str | None]] = []
        for item in items:
            fields = self._fields(entity, item)
            target_id = item.external_id if entity == "purchase_order" else item.refs.get("purchase_order")
            if entity == "invoice" and superseded(item):
                results.append(WriteResult(item.message_id, "skipped"))
            elif entity == "purchase_order" and fields is None:
                results.append(WriteResult(item.message_id, "dead",
                                           error="the customer has no Salesforce account to attach the PO to"))
            elif entity == "invoice" and not target_id:
                results.append(WriteResult(item.message_id, "retry", retry_after=60,
                                           error="waiting for the purchase order to reach Salesforce"))
            elif entity not in ("purchase_order", "invoice"):
                results.append(WriteResult(item.message_id, "skipped"))
            else:
                ready.append((item, fields, target_id))
        updates = [r for r in ready if r[2]]
        creates = [r for r in ready if not r[2]]
        sent: list[WriteResult] = []
        for start in range(0, len(updates), BATCH):
            sent += self._send(updates[start:start + BATCH], upsert=False)
        for start in range(0, len(creates), BATCH):
            sent += self._send(creates[start:start + BATCH], upsert=True)
        if entity == "purchase_order":
            sent = self._with_lines({item.message_id: item for item, _f, _t in ready}, sent)
        return results + sent

    def _push_customers(self, items: list[WriteItem]) -> list[WriteResult]:
        """Changes to customers onto the Accounts they are linked to. revhub makes no Accounts:
        a customer that only a billing system knows is not the CRM's (skipped)."""
        results = [WriteResult(i.message_id, "skipped") for i in items if not i.external_id]
        changes = [(i, account_changes(i, self.overrides)) for i in items if i.external_id]
        changes = [(i, self.only_changeable(ACCOUNT_OBJECT, c, creating=False) if c else c) for i, c in changes]
        # The Account already holds every value: nothing to send, nothing to bump its modstamp.
        results += [WriteResult(i.message_id, "sent", external_id=i.external_id) for i, c in changes if not c]
        linked = [(i, c) for i, c in changes if c]
        for start in range(0, len(linked), BATCH):
            batch = [i for i, _c in linked[start:start + BATCH]]
            records = [{"attributes": {"type": ACCOUNT_OBJECT}, "Id": item.external_id, **fields}
                       for item, fields in linked[start:start + BATCH]]
            body = exact_json({"allOrNone": False, "records": records})
            try:
                answers = self.api.request(lambda sf, body=body: sf.restful("composite/sobjects", method="PATCH",
                                                                             data=body), entity="customer")
            except (RetriableError, FatalError, NotFound) as exc:
                results += refused_call(batch, exc)
                continue
            results += [self._result(item, item.external_id, answer)
                        for item, answer in zip(batch, answers, strict=True)]
        return results

    def _send(self, batch: list[tuple[WriteItem, dict[str, Any], str | None]], upsert: bool) -> list[WriteResult]:
        """https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections.htm"""
        records = []
        for _item, fields, target_id in batch:
            record = {"attributes": {"type": PO_OBJECT},
                      **self.only_changeable(PO_OBJECT, fields, creating=upsert)}
            if upsert:
                record["Revhub_Id__c"] = fields["Revhub_Id__c"]  # the upsert's key, always sent
            else:
                record["Id"] = target_id
            records.append(record)
        path = f"composite/sobjects/{PO_OBJECT}/Revhub_Id__c" if upsert else "composite/sobjects"
        body = exact_json({"allOrNone": False, "records": records})
        try:
            answers = self.api.request(lambda sf: sf.restful(path, method="PATCH", data=body))
        except (RetriableError, FatalError, NotFound) as exc:
            return refused_call([item for item, _f, _t in batch], exc)
        return [self._result(item, target_id, answer)
                for (item, _fields, target_id), answer in zip(batch, answers, strict=True)]

    def collection(self, method: str, path: str, records: list[dict] | None = None,
                   params: dict | None = None) -> list[dict[str, Any]]:
        """One sObject collections call; one answer per record or id, in order."""
        kwargs: dict[str, Any] = {"params": params} if params else {}
        if records is not None:
            kwargs["data"] = exact_json({"allOrNone": False, "records": records})
        return self.api.request(lambda sf: sf.restful(path, method=method, **kwargs), entity="purchase_order")

    def query_all_pages(self, soql: str) -> list[dict[str, Any]]:
        """Every row of a queryAll, page by page."""
        return self.api.query_all_rows(soql)

    def _with_lines(self, items: dict[int, WriteItem], results: list[WriteResult]) -> list[WriteResult]:
        """Write the lines of the POs just written; a PO is sent only once its lines are.

        What was sent becomes the link's base with the lines as Salesforce will echo them, so
        the echo of this write is recognised as no change.
        """
        written = [(items[r.message_id], r.external_id) for r in results if r.status == "sent" and r.external_id]
        errors = write_lines(self, written) if written else {}
        out = []
        for result in results:
            item = items[result.message_id]
            refused = errors.get(result.message_id)
            if result.status != "sent" or refused is None:
                out.append(result)
            elif refused:
                code = refused[0].get("statusCode")
                message = "lines: " + "; ".join(f"{e.get('statusCode')}: {e.get('message')}" for e in refused)
                out.append(WriteResult(result.message_id, "retry" if code in RETRIABLE_CODES else "dead",
                                       error=message))
            else:
                pushed = {**item.record, "lines": po_lines.echoed(item.record.get("lines") or [])}
                out.append(WriteResult(result.message_id, "sent", external_id=result.external_id, pushed=pushed))
        return out

    @staticmethod
    def _result(item: WriteItem, target_id: str | None, answer: dict[str, Any]) -> WriteResult:
        if answer.get("success"):
            return WriteResult(item.message_id, "sent", external_id=answer.get("id") or target_id)
        errors = answer.get("errors") or [{}]
        code = errors[0].get("statusCode")
        message = "; ".join(f"{e.get('statusCode')}: {e.get('message')}" for e in errors)
        return WriteResult(item.message_id, "retry" if code in RETRIABLE_CODES else "dead", error=message)


def refused_call(items: list[WriteItem], exc: Exception) -> list[WriteResult]:
    """The answer of one collection call refused as a whole (a 404, a refusal, a passing error):
    its own records fail, never the push's other calls. A ConfigError (credentials) is not
    caught: no record of the push could be written."""
    if isinstance(exc, RetriableError):
        return [WriteResult(i.message_id, "retry", error=str(exc), retry_after=exc.retry_after) for i in items]
    error = f"Salesforce answered 404 ({exc})" if isinstance(exc, NotFound) else str(exc)
    return [WriteResult(i.message_id, "dead", error=error) for i in items]
