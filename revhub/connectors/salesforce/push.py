"""Write-back to Salesforce: purchase orders, and invoicing and payment onto the PO record.

sObject collections carry up to 200 records per call with ``allOrNone: false``, so one bad
record is a dead letter with Salesforce's own message and the rest go through. POs revhub
created are upserted by the ``Revhub_Id__c`` external id, so a retry cannot create a twin.
"""

from __future__ import annotations

from typing import Any

from revhub.connectors.salesforce.client import SalesforceAPI
from revhub.mappings import engine
from revhub.mappings.loader import mapping_for
from revhub.mappings.writes import WriteItem, WriteResult

BATCH = 200
RETRIABLE_CODES = {"UNABLE_TO_LOCK_ROW", "REQUEST_LIMIT_EXCEEDED", "SERVER_UNAVAILABLE"}


class SalesforcePusher:
    def __init__(self, api: SalesforceAPI, overrides: dict | None = None) -> None:
        self.api, self.overrides = api, overrides

    def describe(self, entity: str, item: WriteItem) -> dict[str, Any]:
        return self._fields(entity, item) or {}

    def _fields(self, entity: str, item: WriteItem) -> dict[str, Any] | None:
        currency = item.record.get("currency")
        record = engine.write(mapping_for("salesforce", entity, self.overrides), item.record, currency)
        record = {k: (float(v) if hasattr(v, "as_tuple") else v) for k, v in record.items()}
        if entity == "purchase_order":
            if not item.refs.get("customer"):
                return None
            record.update(Account__c=item.refs["customer"], Revhub_Id__c=str(item.record_id))
            if not item.external_id:
                record["Name"] = item.record.get("po_number")
        return record

    def push(self, entity: str, items: list[WriteItem]) -> list[WriteResult]:
        results: list[WriteResult] = []
        ready: list[tuple[WriteItem, dict[str, Any], str | None]] = []
        for item in items:
            fields = self._fields(entity, item)
            target_id = item.external_id if entity == "purchase_order" else item.refs.get("purchase_order")
            if entity == "purchase_order" and fields is None:
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
        for start in range(0, len(updates), BATCH):
            results += self._send(updates[start:start + BATCH], upsert=False)
        for start in range(0, len(creates), BATCH):
            results += self._send(creates[start:start + BATCH], upsert=True)
        return results

    def _send(self, batch: list[tuple[WriteItem, dict[str, Any], str | None]], upsert: bool) -> list[WriteResult]:
        """https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections.htm"""
        records = []
        for _item, fields, target_id in batch:
            record = {"attributes": {"type": "Purchase_Order__c"}, **fields}
            if not upsert:
                record["Id"] = target_id
            records.append(record)
        path = "composite/sobjects/Purchase_Order__c/Revhub_Id__c" if upsert else "composite/sobjects"
        answers = self.api.request(lambda sf: sf.restful(path, method="PATCH",
                                                         json={"allOrNone": False, "records": records}))
        results = []
        for (item, _fields, target_id), answer in zip(batch, answers, strict=True):
            if answer.get("success"):
                results.append(WriteResult(item.message_id, "sent", external_id=answer.get("id") or target_id))
                continue
            errors = answer.get("errors") or [{}]
            code = errors[0].get("statusCode")
            message = "; ".join(f"{e.get('statusCode')}: {e.get('message')}" for e in errors)
            results.append(WriteResult(item.message_id, "retry" if code in RETRIABLE_CODES else "dead",
                                       error=message))
        return results
