"""The Accounting API's operations on one realm: read, create, update (full or sparse), delete,
void, query, CDC and batch. Called with the sandbox lock held; raises ``QBOFault``.
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/batch
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from revhub.sandbox.quickbooks import banking, journal, parties, query, transactions
from revhub.sandbox.quickbooks.faults import QBOFault, invalid
from revhub.sandbox.quickbooks.store import Realm

# URL path segment → entity name, for the entities the sandbox serves.
PATHS = {"customer": "Customer", "item": "Item", "invoice": "Invoice", "payment": "Payment",
         "creditmemo": "CreditMemo", "refundreceipt": "RefundReceipt", "taxcode": "TaxCode",
         "taxrate": "TaxRate", "account": "Account", "purchase": "Purchase", "transfer": "Transfer",
         "journalentry": "JournalEntry"}
WRITABLE = ("Customer", "Item", "Invoice", "Payment", "CreditMemo", "RefundReceipt", "Purchase", "Transfer",
            "JournalEntry")
CDC_DAYS = 30            # changedSince may go back at most 30 days
CDC_MAX_PER_ENTITY = 1000
BATCH_MAX = 30


class Operations:
    def __init__(self, realm: Realm, now: datetime, on_change=None) -> None:
        self.realm, self.now, self.on_change = realm, now, on_change or (lambda *a: None)

    @property
    def epoch(self) -> float:
        return self.now.timestamp()

    def _complete(self, entity: str, body: dict, own_id: str | None) -> dict:
        today = self.now.date()
        if entity == "Customer":
            return parties.customer(self.realm, body, own_id)
        if entity == "Item":
            return parties.item(self.realm, body, own_id)
        if entity == "Payment":
            return transactions.payment(self.realm, body, today, own_id)
        if entity == "Purchase":
            return banking.purchase(self.realm, body, today)
        if entity == "Transfer":
            return banking.transfer(self.realm, body, today)
        if entity == "JournalEntry":
            return journal.journal_entry(self.realm, body, today)
        return transactions.sales_document(self.realm, entity, body, today, own_id)

    def save(self, entity: str, body: dict, operation: str | None = None) -> dict:
        """POST /<entity>: create without Id, update with Id + SyncToken, or delete/void."""
        if entity not in WRITABLE:
            raise invalid(f"Operation not supported on {entity}")
        if not isinstance(body, dict):
            raise invalid("Request body must be a JSON object")
        if operation in ("delete", "void"):
            return self._delete_or_void(entity, body, operation)
        if operation:
            raise invalid(f"operation={operation} is not supported")
        if body.get("Id"):
            current = self.realm.check_token(entity, str(body["Id"]), body.get("SyncToken"))
            merged = {**current, **body} if body.get("sparse") else {**body, "Id": current["Id"]}
            if entity in ("Invoice", "CreditMemo", "RefundReceipt") and body.get("sparse") and "Line" not in body:
                merged["Line"] = current["Line"]
            if body.get("sparse") and "CustomField" not in body and "CustomField" in current:
                merged["CustomField"] = current["CustomField"]
            obj = self.realm.replace(entity, {**self._complete(entity, merged, current["Id"]), "Id": current["Id"]},
                                     self.epoch)
            created = False
        else:
            obj = self.realm.insert(entity, self._complete(entity, body, None), self.epoch)
            created = True
        self._settle(entity)
        self.on_change(entity, obj["Id"], "Create" if created else "Update")
        return self.realm.get(entity, obj["Id"])

    def _delete_or_void(self, entity: str, body: dict, operation: str) -> dict:
        current = self.realm.check_token(entity, str(body.get("Id", "")), body.get("SyncToken"))
        if entity in ("Customer", "Item"):
            raise invalid(f"{entity} cannot be deleted; make it inactive (Active: false)")
        if entity == "Invoice" and current.get("LinkedTxn"):
            raise QBOFault(400, "6480", "Deletion Error",
                           "This transaction is linked to a payment; delete or unapply the payment first.")
        if operation == "void":
            if entity != "Invoice" and entity != "Payment":
                raise invalid(f"operation=void is not supported on {entity}")
            obj = self.realm.replace(entity, transactions.void(current), self.epoch)
            self._settle(entity)
            self.on_change(entity, obj["Id"], "Void")
            return obj
        self.realm.delete(entity, current["Id"], self.epoch)
        self._settle(entity)
        self.on_change(entity, current["Id"], "Delete")
        return {"domain": "QBO", "status": "Deleted", "Id": current["Id"]}

    def _settle(self, entity: str) -> None:
        if entity in ("Payment", "Invoice", "CreditMemo"):
            before = {(e, i): o.get("Balance") for e in ("Invoice", "CreditMemo")
                      for i, o in self.realm.objects[e].items()}
            transactions.settle(self.realm)
            for (e, i), balance in before.items():
                obj = self.realm.objects[e][i]
                if obj.get("Balance") != balance and e != entity:
                    # QBO updates the invoice a payment touched: new SyncToken and LastUpdatedTime.
                    self.realm.replace(e, obj, self.epoch)
                    self.on_change(e, i, "Update")

    def read(self, entity: str, ident: str) -> dict:
        return self.realm.get(entity, ident)

    def query(self, text: str) -> dict:
        parsed = query.parse(text)
        entity = next((e for e in self.realm.objects if e.lower() == parsed.entity.lower()), None)
        if entity is None:
            raise QBOFault(400, "4001", "Invalid query",
                           f"QueryValidationError: Entity {parsed.entity} is not supported")
        rows = query.run(parsed, list(self.realm.objects[entity].values()))
        if parsed.count:
            return {"totalCount": len(rows)}
        page = rows[parsed.start - 1: parsed.start - 1 + parsed.max_results]
        if not page:
            return {}
        return {entity: page, "startPosition": parsed.start, "maxResults": len(page)}

    def cdc(self, entities: str, changed_since: str) -> list[dict]:
        """``GET /cdc``: what changed (deletions as ``status: Deleted``) since a time ≤ 30 days ago."""
        try:
            since = datetime.fromisoformat(changed_since.replace(" ", "+"))
        except (TypeError, ValueError, AttributeError):
            raise invalid(f"changedSince {changed_since!r} is not a valid date-time", "changedSince") from None
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        if since < self.now - timedelta(days=CDC_DAYS):
            # QBO's own words (it does not say how many days): https://github.com/Wish-Org/QuickBooksSharp/issues/19
            raise QBOFault(400, "4001", "Invalid query", f"Operation cdc with changedSince date {changed_since} "
                           "which is older than fixed days is not supported.", element="changedSince")
        names = [n.strip() for n in (entities or "").split(",") if n.strip()]
        if not names:
            raise invalid("Required parameter entities is missing in the request", "entities")
        out = []
        for name in names:
            entity = next((e for e in self.realm.objects if e.lower() == name.lower()), None)
            if entity is None:
                raise invalid(f"entities: {name} is not supported by change data capture", "entities")
            rows = [obj for _, obj in self.realm.changed_since(entity, since.timestamp())][:CDC_MAX_PER_ENTITY]
            out.append({entity: rows, "startPosition": 1, "maxResults": len(rows)} if rows else {})
        return [{"QueryResponse": out}]

    def batch(self, body: dict) -> list[dict]:
        items = (body or {}).get("BatchItemRequest")
        if not isinstance(items, list) or not items:
            raise invalid("Required parameter BatchItemRequest is missing in the request", "BatchItemRequest")
        if len(items) > BATCH_MAX:
            raise QBOFault(400, "2010", "Request has invalid or unsupported property",
                           f"The batch request has {len(items)} items; at most {BATCH_MAX} are allowed")
        return [self._batch_item(item) for item in items]

    def _batch_item(self, item: dict) -> dict:
        bid = str(item.get("bId", ""))
        try:
            if "Query" in item:
                return {"bId": bid, "QueryResponse": self.query(item["Query"])}
            entity = next((e for e in WRITABLE if e in item), None)
            if entity is None:
                raise invalid("batch item names no supported entity")
            operation = item.get("operation", "create")
            if operation not in ("create", "update", "delete"):
                raise invalid(f"batch operation {operation!r} is not supported", "operation")
            if operation == "create" and item[entity].get("Id"):
                raise invalid("a create carries no Id", "Id")
            obj = self.save(entity, item[entity], "delete" if operation == "delete" else None)
            return {"bId": bid, entity: obj}
        except QBOFault as fault:
            return {"bId": bid, "Fault": {"type": fault.kind, "Error": [
                {"Message": fault.message, "Detail": fault.detail, "code": fault.code, "element": fault.element}]}}
