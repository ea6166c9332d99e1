"""The HubSpot sandbox's records: CRM objects with string properties, their archive, and v4
associations between them.

HubSpot keeps every property value as a string (numbers and dates too) and stamps each write
with ``hs_lastmodifieddate`` (ISO, milliseconds) and ``updatedAt``; archiving moves a record to
the recycling bin, where it is listed only with ``archived=true``.
https://developers.hubspot.com/docs/api/crm/understanding-the-crm
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

OBJECT_TYPES = ("companies", "contacts", "deals", "line_items")
# The default association type ids HubSpot defines (HUBSPOT_DEFINED), by (from, to).
# https://developers.hubspot.com/docs/api/crm/associations#association-type-id-values
ASSOCIATION_TYPES: dict[tuple[str, str], int] = {
    ("contacts", "companies"): 1, ("companies", "contacts"): 2, ("deals", "companies"): 5,
    ("companies", "deals"): 6, ("deals", "contacts"): 3, ("contacts", "deals"): 4,
    ("line_items", "deals"): 20, ("deals", "line_items"): 19,
}
# Properties HubSpot sets itself; a write naming one is refused (READ_ONLY_VALUE).
READ_ONLY = frozenset({"hs_object_id", "hs_lastmodifieddate", "createdate", "lastmodifieddate", "amount_calc"})


class NotFoundError(Exception):
    """No live record of that type and id."""


class ReadOnlyPropertyError(Exception):
    """A write named a property HubSpot sets itself."""


def iso_ms(moment: datetime) -> str:
    """HubSpot's timestamp text: UTC, milliseconds, ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class CrmObject:
    object_type: str
    id: str
    properties: dict[str, str]
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None = None

    @property
    def modified_ms(self) -> int:
        return int(self.updated_at.timestamp() * 1000)

    def as_json(self, names: list[str] | None) -> dict[str, Any]:
        """The SimplePublicObject wire shape; ``names`` picks properties (HubSpot returns only
        those asked for, plus its defaults)."""
        defaults = {"hs_object_id", "hs_lastmodifieddate", "createdate"}
        wanted = set(names or ()) | defaults
        body: dict[str, Any] = {
            "id": self.id,
            "properties": {k: v for k, v in self.properties.items() if k in wanted},
            "createdAt": iso_ms(self.created_at), "updatedAt": iso_ms(self.updated_at),
            "archived": self.archived_at is not None}
        if self.archived_at is not None:
            body["archivedAt"] = iso_ms(self.archived_at)
        return body


@dataclass
class HubSpotStore:
    """All objects of one portal, thread-safe; ``now`` is the sandbox clock."""

    now: Callable[[], datetime]
    objects: dict[str, dict[str, CrmObject]] = field(default_factory=lambda: {t: {} for t in OBJECT_TYPES})
    associations: dict[tuple[str, str, str], set[str]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    on_change: Callable[[str, str, str, dict[str, str]], None] | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1001))

    def _stamp(self, record: CrmObject) -> None:
        now = self.now()
        # Two writes within one millisecond still move the stamp, as HubSpot's do.
        if record.updated_at and now <= record.updated_at:
            now = datetime.fromtimestamp((record.modified_ms + 1) / 1000, UTC)
        record.updated_at = now
        record.properties["hs_lastmodifieddate"] = iso_ms(now)

    def create(self, object_type: str, properties: dict[str, str | None], *, system: bool = False) -> CrmObject:
        if not system:
            _check_writable(properties)
        with self.lock:
            now = self.now()
            record_id = str(next(self._ids))
            values = {k: _text(v) for k, v in properties.items() if v is not None}
            values.update(hs_object_id=record_id, createdate=iso_ms(now))
            record = CrmObject(object_type, record_id, values, now, now)
            record.updated_at = None  # type: ignore[assignment]
            self._stamp(record)
            self.objects[object_type][record_id] = record
        self._emit(object_type, record_id, "creation", values)
        return record

    def get(self, object_type: str, record_id: str, *, archived: bool = False) -> CrmObject:
        record = self.objects[object_type].get(record_id)
        if record is None or (record.archived_at is not None) != archived:
            raise NotFoundError(f"{object_type} {record_id}")
        return record

    def update(self, object_type: str, record_id: str, properties: dict[str, str | None]) -> CrmObject:
        _check_writable(properties)
        with self.lock:
            record = self.get(object_type, record_id)
            for name, value in properties.items():
                # An empty string clears a property, as HubSpot documents.
                if value in (None, ""):
                    record.properties.pop(name, None)
                else:
                    record.properties[name] = _text(value)
            self._stamp(record)
        self._emit(object_type, record_id, "propertyChange", {k: _text(v) for k, v in properties.items()})
        return record

    def archive(self, object_type: str, record_id: str) -> None:
        with self.lock:
            record = self.get(object_type, record_id)
            record.archived_at = self.now()
            self._stamp(record)
        self._emit(object_type, record_id, "deletion", {})

    def associate(self, from_type: str, from_id: str, to_type: str, to_id: str) -> None:
        """A default association, kept in both directions as HubSpot does."""
        with self.lock:
            self.get(from_type, from_id), self.get(to_type, to_id)
            self.associations.setdefault((from_type, from_id, to_type), set()).add(to_id)
            self.associations.setdefault((to_type, to_id, from_type), set()).add(from_id)

    def associated(self, from_type: str, from_id: str, to_type: str) -> list[str]:
        """Live associated ids, in id order."""
        ids = self.associations.get((from_type, from_id, to_type), set())
        live = self.objects[to_type]
        return sorted((i for i in ids if i in live and live[i].archived_at is None), key=int)

    def live(self, object_type: str) -> list[CrmObject]:
        return [r for r in self.objects[object_type].values() if r.archived_at is None]

    def archived(self, object_type: str) -> list[CrmObject]:
        return [r for r in self.objects[object_type].values() if r.archived_at is not None]

    def _emit(self, object_type: str, record_id: str, kind: str, changed: dict[str, str]) -> None:
        if self.on_change is not None:
            self.on_change(object_type, record_id, kind, changed)


def _check_writable(properties: dict[str, Any]) -> None:
    refused = sorted(set(properties) & READ_ONLY)
    if refused:
        raise ReadOnlyPropertyError(", ".join(refused))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
