"""Running SOQL for ``query``/``queryAll`` and serving the pages through query locators.

A locator holds the list of record versions the query matched when it ran (references,
not copies), so records written afterwards neither shift nor change later pages. A page
is a slice of that list, serialized straight to JSON text.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from dataclasses import dataclass

from revhub.sandbox.salesforce.errors import ApiError
from revhub.sandbox.salesforce.soql.errors import SoqlError
from revhub.sandbox.salesforce.soql.plan import Column, Plan, bind
from revhub.sandbox.salesforce.store import Store
from revhub.sandbox.salesforce.values import encode

DEFAULT_BATCH = 2000
MIN_BATCH = 200
LOCATOR_IDLE_SECONDS = 15 * 60
MAX_OPEN_LOCATORS = 50


@dataclass
class Cursor:
    plan: Plan
    rows: list[dict]
    endpoint: str       # "query" or "queryAll", echoed in nextRecordsUrl
    batch: int
    last_used: float


class QueryService:
    def __init__(self, store: Store, clock, locator_prefix: str = "01g") -> None:
        self.store, self.clock = store, clock
        self._cursors: OrderedDict[str, Cursor] = OrderedDict()
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._prefix = locator_prefix

    def reset(self) -> None:
        with self._lock:
            self._cursors.clear()

    def run(self, soql: str, *, include_deleted: bool, batch: int, version: str) -> str:
        """The first page of ``soql`` as JSON text (``query`` or ``queryAll``)."""
        with self.store.lock:
            try:
                plan = bind(soql, self.store.live_or_deleted, self.store.org)
            except SoqlError as exc:
                raise exc.to_api_error(soql) from None
            name = plan.definition.name
            # A parent link the query must match narrows the rows read to those holding it.
            rows = plan.run(self.store.holding(name, *plan.seek) if plan.seek else self.store.tables[name].rows,
                            include_deleted)
            if plan.count:
                return '{"totalSize":%d,"done":true,"records":[]}' % len(rows)
            endpoint = "queryAll" if include_deleted else "query"
            cursor = Cursor(plan, rows, endpoint, batch, self.clock.time())
            return self._page(cursor, 0, version)

    def more(self, locator: str, version: str) -> str:
        """A later page: ``locator`` is the ``01g...-2000`` tail of ``nextRecordsUrl``."""
        key, _, start_text = locator.partition("-")
        with self._lock:
            cursor = self._cursors.get(key)
            expired = cursor is not None and self.clock.time() - cursor.last_used > LOCATOR_IDLE_SECONDS
            if expired:
                del self._cursors[key]
        if cursor is None or expired or not start_text.isdigit() or int(start_text) >= len(cursor.rows):
            raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        cursor.last_used = self.clock.time()
        with self.store.lock:
            return self._page(cursor, int(start_text), version, key)

    def _page(self, cursor: Cursor, start: int, version: str, key: str | None = None) -> str:
        end = start + cursor.batch
        lookup = self.store.live_or_deleted
        render = _renderer(cursor.plan.columns, version, lookup)
        body = ",".join(render(r) for r in cursor.rows[start:end])
        head = '{"totalSize":%d,"done":%s' % (len(cursor.rows), "true" if end >= len(cursor.rows) else "false")
        if end < len(cursor.rows):
            key = key or self._open(cursor)
            head += ',"nextRecordsUrl":"/services/data/v%s/%s/%s-%d"' % (version, cursor.endpoint, key, end)
        elif key is not None:
            with self._lock:
                self._cursors.pop(key, None)  # the last page closes the locator
        return head + ',"records":[' + body + "]}"

    def _open(self, cursor: Cursor) -> str:
        key = self.store.ids.make(self._prefix, next(self._numbers))
        with self._lock:
            self._cursors[key] = cursor
            while len(self._cursors) > MAX_OPEN_LOCATORS:
                self._cursors.popitem(last=False)  # Salesforce closes the oldest open locator
        return key


def _renderer(columns: list[Column], version: str, lookup):
    """A function turning one record version into its JSON text for these columns."""
    url = "/services/data/v" + version + "/sobjects/"
    parts: list = []           # (key text, field name) or (relationship key text, ref name, [fields])
    groups: dict[str, list] = {}
    for column in columns:
        if column.relationship is None:
            parts.append((f'"{column.field.name}":', column.field.name))
            continue
        rel = column.relationship
        if rel.name not in groups:
            groups[rel.name] = []
            parts.append((f'"{rel.relationship_name}":', rel.name, groups[rel.name]))
        groups[rel.name].append(column.field.name)

    def attributes(record: dict) -> str:
        kind = record["attributes_type"]
        return '"attributes":{{"type":"{}","url":"{}{}/{}"}}'.format(kind, url, kind, record["Id"])

    def render(record: dict) -> str:
        out = [attributes(record)]
        for part in parts:
            if len(part) == 2:
                value = record[part[1]]
                if isinstance(value, bytes):  # a base64 field (a file's bytes) reads as its blob's URL
                    value = f"{url}{record['attributes_type']}/{record['Id']}/{part[1]}"
                out.append(part[0] + encode(value))
                continue
            parent = lookup(record[part[1]])
            if parent is None:
                out.append(part[0] + "null")
            else:
                inner = [attributes(parent)] + [f'"{n}":{encode(parent[n])}' for n in part[2]]
                out.append(part[0] + "{" + ",".join(inner) + "}")
        return "{" + ",".join(out) + "}"
    return render


def render_record(definition, record: dict, version: str, fields: str | None = None) -> str:
    """One record as ``GET /sobjects/{Type}/{Id}`` answers it (all fields, or ``fields``)."""
    if fields is None:
        columns = [Column(None, f) for f in definition.fields.values()]
    else:
        columns = []
        for name in (n.strip() for n in fields.split(",")):
            field = definition.field(name)
            if field is None:
                raise ApiError(400, "INVALID_FIELD", f"No such column '{name}' on entity "
                               f"'{definition.name}'. If you are attempting to use a custom "
                               "field, be sure to append the '__c' after the custom field name. "
                               "Please reference your WSDL or the describe call for the "
                               "appropriate names.")
            columns.append(Column(None, field))
    return _renderer(columns, version, lambda _id: None)(record)


def batch_size(header: str | None) -> int:
    """The batch size from ``Sforce-Query-Options`` (``batchSize=N``, clamped to 200..2000)."""
    if not header:
        return DEFAULT_BATCH
    for option in header.split(","):
        name, _, value = option.strip().partition("=")
        if name.strip().lower() == "batchsize":
            if not value.strip().isdigit():
                raise ApiError(400, "INVALID_HEADER_TYPE",
                               f"Sforce-Query-Options: batchSize must be an integer, got {value!r}")
            return max(MIN_BATCH, min(DEFAULT_BATCH, int(value)))
    return DEFAULT_BATCH
