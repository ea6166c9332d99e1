"""The org's records in memory: one table per sObject, in Id (= creation) order.

Every write replaces the record's dict with a new one (copy on write), so a query locator
can keep references to the versions it matched and later pages never shift or change.
All methods take the store lock; the HTTP server is threaded.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from revhub.sandbox.salesforce import files, records
from revhub.sandbox.salesforce.errors import ApiError, dml, not_found
from revhub.sandbox.salesforce.ids import IdFactory, to18
from revhub.sandbox.salesforce.schema import MULTI_CURRENCY, OrgSchema, SObjectDef

# Lookups a delete still cascades through, as Salesforce does for standard objects:
# deleting an Account deletes its Contacts and Opportunities.
CASCADING_LOOKUPS = frozenset({("Contact", "AccountId"), ("Opportunity", "AccountId")})


@dataclass
class Table:
    definition: SObjectDef
    rows: list[dict] = field(default_factory=list)       # current versions, Id order
    position: dict[str, int] = field(default_factory=dict)
    # external-id field -> lower-cased value -> ids holding it (deleted ones included)
    external: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    # parent-link field -> lower-cased parent id -> ids of the rows holding it (deleted ones
    # included), made when a query first seeks through the field and kept from then on
    children: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    deleted_log: list[tuple[datetime, str]] = field(default_factory=list)
    earliest_deleted: datetime | None = None   # newest delete purged from the log


class Store:
    """CRUD with Salesforce's validation; ``listeners`` hear ``(sobject, id, change)``."""

    def __init__(self, ids: IdFactory, user_id: str, now, org: OrgSchema = MULTI_CURRENCY) -> None:
        self.lock = threading.RLock()
        self.org = org
        self.ids, self.user_id, self._now = ids, user_id, now
        self.listeners: list = []
        self.tables: dict[str, Table] = {}
        self._journal: list | None = None    # undo steps of the open transaction
        self._pending: list | None = None    # notifications held until it commits
        self.clear()

    def clear(self) -> None:
        with self.lock:
            self.tables = {name: Table(d) for name, d in self.org.objects.items()}
            for table in self.tables.values():
                for f in table.definition.fields.values():
                    if f.external_id:
                        table.external[f.name] = {}
            self._auto_numbers: dict[str, int] = {}

    @contextmanager
    def atomic(self):
        """A transaction: ``tx.rollback()`` inside undoes every write made in the block.

        Listeners hear about the writes only when the block ends without a rollback.
        """
        with self.lock:
            if self._journal is not None:
                raise RuntimeError("transactions do not nest")
            self._journal, self._pending = [], []
            tx = _Transaction()
            try:
                yield tx
            finally:
                journal, pending = self._journal, self._pending
                self._journal = self._pending = None
                if tx.rolled_back:
                    for undo in reversed(journal):
                        undo()
                    pending = []
        for change in pending:
            self._notify(*change)

    def now(self) -> datetime:
        # Salesforce keeps audit timestamps to the second; many records share one.
        return self._now().replace(microsecond=0)

    # -- reads ---------------------------------------------------------------------------
    def find(self, record_id: str | None) -> dict | None:
        """Current version of any record by 15/18-char id (deleted ones too), or None."""
        canonical = to18(record_id) if record_id else None
        if canonical is None:
            return None
        definition = self.org.by_prefix.get(canonical[:3])
        table = self.tables.get(definition.name) if definition else None
        pos = table.position.get(canonical) if table else None
        return table.rows[pos] if pos is not None else None

    def live_or_deleted(self, record_id: str | None) -> dict | None:
        """Like ``find`` for ids already in canonical 18-char form (the hot path of queries)."""
        if record_id is None:
            return None
        definition = self.org.by_prefix.get(record_id[:3])
        table = self.tables.get(definition.name) if definition else None
        pos = table.position.get(record_id) if table else None
        return table.rows[pos] if pos is not None else None

    def holding(self, sobject: str, field_name: str, values: frozenset[str]) -> list[dict]:
        """The rows (deleted ones included), in Id order, whose parent link ``field_name`` is one
        of ``values`` (lower-cased ids): what a query on that link reads instead of every row
        of the table, which made reading lines 500 orders at a time cost orders x lines."""
        with self.lock:
            table = self.tables[sobject]
            index = table.children.get(field_name)
            if index is None:
                index = table.children[field_name] = {}
                for row in table.rows:
                    if row.get(field_name) is not None:
                        index.setdefault(row[field_name].lower(), set()).add(row["Id"])
            positions = sorted({table.position[i] for value in values for i in index.get(value, ())})
            return [table.rows[p] for p in positions]

    def live(self, record_id: str | None) -> dict | None:
        record = self.find(record_id)
        return record if record is not None and not record["IsDeleted"] else None

    def get(self, sobject: str, record_id: str) -> dict:
        """The live record, or the 404 Salesforce answers for a missing or deleted one."""
        with self.lock:
            record = self.find(record_id)
            if record is None or record["attributes_type"] != sobject or record["IsDeleted"]:
                raise not_found()
            return record

    def match_external(self, sobject: str, field_name: str, value: str) -> list[dict]:
        with self.lock:
            table = self.tables[sobject]
            ids = table.external[field_name].get(value.lower(), set())
            found = [table.rows[table.position[i]] for i in ids]
            return sorted((r for r in found if not r["IsDeleted"]), key=lambda r: r["Id"])

    # -- writes --------------------------------------------------------------------------
    def create(self, sobject: str, body: dict, *, modstamp: datetime | None = None) -> str:
        """Insert one record from a request body; returns its 18-char id."""
        with self.lock:
            table = self.tables[sobject]
            definition = table.definition
            if sobject == "OpportunityLineItem":
                records.check_line_item_prices(body)
            fields = records.parse_fields(definition, body, creating=True)
            record = records.defaults(definition, self.user_id)
            record.update(fields)
            records.check_required(definition, record)
            self._check_references(definition, record, fields)
            records.derive(definition, record, self.live)
            if sobject == "ContentVersion":
                files.derive_version(record)
            self._check_unique(table, record, None)
            now = modstamp or self.now()
            record_id = self.ids.new(definition.key_prefix)
            if definition.name_auto_number:
                count = self._auto_numbers.get(sobject, 0) + 1
                self._auto_numbers[sobject] = count
                record["Name"] = definition.name_auto_number.format(count)
            record.update(Id=record_id, IsDeleted=False, CreatedDate=now, LastModifiedDate=now,
                          SystemModstamp=now, CreatedById=self.user_id,
                          LastModifiedById=self.user_id, attributes_type=sobject)
            table.position[record_id] = len(table.rows)
            table.rows.append(record)
            self._index(table, record)
            self._journaled(lambda: self._unappend(table, record))
            self._notify(sobject, record_id, "created")
            if sobject == "ContentVersion":
                files.publish(self, record_id)
        return record_id

    def update(self, sobject: str, record_id: str, body: dict) -> str:
        with self.lock:
            current = self._writable(sobject, record_id)
            table = self.tables[sobject]
            definition = table.definition
            if sobject == "OpportunityLineItem":
                records.check_line_item_prices(body)
            fields = records.parse_fields(definition, body, creating=False)
            record = dict(current)
            record.update(fields)
            if sobject == "OpportunityLineItem" and "TotalPrice" in fields:
                record["UnitPrice"] = None
            records.check_required(definition, record)
            self._check_references(definition, record, fields)
            records.derive(definition, record, self.live)
            self._check_unique(table, record, current["Id"])
            now = self.now()
            record.update(LastModifiedDate=now, SystemModstamp=now, LastModifiedById=self.user_id)
            self._replace(table, current, record)
            self._notify(sobject, record["Id"], "updated")
        return record["Id"]

    def delete(self, sobject: str, record_id: str) -> None:
        """Move the record (and the children deleted with it) to the Recycle Bin."""
        with self.lock:
            current = self._writable(sobject, record_id)
            now = self.now()
            self._delete_children(current["Id"], now)
            self._soft_delete(self.tables[sobject], current, now)
            self._notify(sobject, current["Id"], "deleted")

    # -- internals -----------------------------------------------------------------------
    def _writable(self, sobject: str, record_id: str) -> dict:
        record = self.find(record_id)
        if record is None or record["attributes_type"] != sobject:
            raise not_found()
        if record["IsDeleted"]:
            raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted", [])
        return record

    def _soft_delete(self, table: Table, current: dict, now: datetime) -> None:
        record = dict(current, IsDeleted=True, SystemModstamp=now, LastModifiedDate=now,
                      LastModifiedById=self.user_id)
        self._replace(table, current, record)
        table.deleted_log.append((now, record["Id"]))
        self._journaled(table.deleted_log.pop)

    def _delete_children(self, parent_id: str, now: datetime) -> None:
        for child_type, child in list(self._detail_children(parent_id)):
            self._delete_children(child["Id"], now)
            self._soft_delete(self.tables[child_type], child, now)

    def _detail_children(self, parent_id: str):
        for table in self.tables.values():
            for f in table.definition.fields.values():
                if f.master_detail or (table.definition.name, f.name) in CASCADING_LOOKUPS:
                    for row in table.rows:
                        if row[f.name] == parent_id and not row["IsDeleted"]:
                            yield table.definition.name, row

    def _unappend(self, table: Table, record: dict) -> None:
        table.rows.pop()
        del table.position[record["Id"]]
        for name, index in _indexes(table):
            if record.get(name) is not None:
                index.get(record[name].lower(), set()).discard(record["Id"])

    def _journaled(self, undo) -> None:
        if self._journal is not None:
            self._journal.append(undo)

    def _replace(self, table: Table, old: dict, new: dict, *, undoable: bool = True) -> None:
        if undoable:
            self._journaled(lambda: self._replace(table, new, old, undoable=False))
        table.rows[table.position[old["Id"]]] = new
        for name, index in _indexes(table):
            if old.get(name) is not None:
                index.get(old[name].lower(), set()).discard(old["Id"])
        self._index(table, new)

    def _index(self, table: Table, record: dict) -> None:
        for name, index in _indexes(table):
            if record.get(name) is not None:
                index.setdefault(record[name].lower(), set()).add(record["Id"])

    def _check_unique(self, table: Table, record: dict, own_id: str | None) -> None:
        for f in table.definition.fields.values():
            value = record.get(f.name)
            if not f.unique or value is None:
                continue
            for other in table.external[f.name].get(value.lower(), ()):
                if other != own_id:
                    raise dml("DUPLICATE_VALUE", f"duplicate value found: {f.name} duplicates "
                              f"value on record with id: {other}", [])

    def _check_references(self, definition: SObjectDef, record: dict, given: dict) -> None:
        for name in given:
            f = definition.fields[name]
            value = record.get(name)
            if f.type != "reference" or value is None:
                continue
            target = self.org.objects[f.reference_to] if f.reference_to else None  # None: polymorphic
            if target is not None and value[:3] != target.key_prefix:
                raise dml("FIELD_INTEGRITY_EXCEPTION", f"{f.label}: id value of incorrect type: "
                          f"{value}", [name])
            parent = self.find(value)
            if parent is None:
                raise dml("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [name])
            if parent["IsDeleted"]:
                raise dml("ENTITY_IS_DELETED", "entity is deleted", [name])

    def _notify(self, sobject: str, record_id: str, change: str) -> None:
        if self._pending is not None:
            self._pending.append((sobject, record_id, change))
            return
        for listener in list(self.listeners):
            listener(sobject, record_id, change)


def _indexes(table: Table):
    """Every index a write keeps up to date: (field, lower-cased value -> ids)."""
    return (*table.external.items(), *table.children.items())


class _Transaction:
    def __init__(self) -> None:
        self.rolled_back = False

    def rollback(self) -> None:
        self.rolled_back = True
