"""``sync.apply``: the one way into the canonical store.

For each incoming :class:`~revhub.connectors.base.Change` from system S:

1. stale input (an older remote version than the link's) is counted and ignored;
2. without a link, a copy revhub wrote (its revhub id stamped on it) links to that record;
   otherwise the record is matched on natural keys; two candidates make an exception for
   an admin, never a guess; none makes a new canonical record;
3. each field is merged three-way against S's base snapshot: only S changed it → apply;
   another system changed it too → a conflict, settled by the owner policy or left open;
4. the link takes the new remote version and base snapshot; every change is audited and
   every other system that takes writes for the entity gets an outbox row.

The echo of a write revhub has not finished (a Stripe draft revhub created and is still
filling) is not news: it is linked, and its state is not applied over the canonical record.

Changes are applied a page at a time with batched reads and writes.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, fields
from itertools import groupby
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from revhub.connectors.base import Change, Ref
from revhub.store.base import jsonable, utcnow
from revhub.store.ids import new_id
from revhub.sync.context import SyncContext
from revhub.sync.echoes import Echoes
from revhub.sync.entities import ENTITIES, EntitySpec, column_converter
from revhub.sync.lookups import (
    key_of,
    linked_to_system,
    load_links,
    load_rows,
    natural_key_candidates,
    resolve_refs,
)
from revhub.sync.merge import merge_fields
from revhub.sync.parking import dump_change, parked_row
from revhub.sync.writes import PendingWrites


@dataclass
class ApplyResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    conflicts: int = 0
    stale: int = 0
    exceptions: int = 0

    def add(self, other: ApplyResult) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def apply_changes(session: Session, ctx: SyncContext, changes: Iterable[Change], *,
                  match: bool = True) -> ApplyResult:
    """Apply ``changes`` from ``ctx.system`` inside the caller's transaction (no commit).

    ``match=False`` creates unlinked records without looking for natural-key matches (an
    admin's answer to an ambiguous match: "this is a new record").
    """
    total = ApplyResult()
    for entity, group in groupby(changes, key=lambda c: c.entity):
        if entity not in ENTITIES:
            raise ValueError(f"unknown canonical entity {entity!r}")
        total.add(_EntityBatch(session, ctx, ENTITIES[entity], list(group), match).run())
    return total


def apply_change(session: Session, ctx: SyncContext, change: Change) -> ApplyResult:
    """One change (a webhook, a console resolution): the same path as a page of one."""
    return apply_changes(session, ctx, [change])


class _EntityBatch:
    def __init__(self, session: Session, ctx: SyncContext, spec: EntitySpec, changes: list[Change],
                 match: bool = True):
        self.session, self.ctx, self.spec, self.changes, self.match = session, ctx, spec, changes, match
        self.now = utcnow()
        self.now_iso = self.now.isoformat()
        self.result = ApplyResult()
        self.writes = PendingWrites(spec)
        self.convert = {f: column_converter(spec.table, f) for f in spec.fields
                        if not (spec.children and f == spec.children.field)}
        self.child_field = spec.children.field if spec.children else None
        self.child_position = bool(spec.children) and "position" in spec.children.columns
        self.resolved: dict[int, dict[str, Any]] = {}  # id(change) -> its record, resolved once
        self._next_internal_number: int | None = None
        self.targets = tuple(ctx.targets_for(spec.name))  # the same for every record of the page
        # References the store cannot do without (NOT NULL columns): a change naming one that
        # is not here yet is parked rather than stored half-linked.
        self.required = {col for col in spec.refs if not spec.table.c[col].nullable} | set(spec.wait_for)
        self.required_child = {col for col in (spec.children.refs if spec.children else {})
                               if not spec.children.table.c[col].nullable}

    # -- loading ---------------------------------------------------------------
    def run(self) -> ApplyResult:
        spec, ctx = self.spec, self.ctx
        self.links = load_links(self.session, spec.name, ctx.system, (c.external_id for c in self.changes))
        self.refs = resolve_refs(self.session, ctx.system, self._wanted_refs())
        # Each referenced id as the text a resolved record carries, made once per page.
        self.ref_ids = {key: str(value) for key, value in self.refs.items()}
        self.rows = load_rows(self.session, spec, {link["canonical_id"] for link in self.links.values()})
        unlinked = []
        if self.match:
            for c in self.changes:
                if c.external_id not in self.links and not c.deleted:
                    unlinked.append(self.resolved.setdefault(id(c), self._resolve(c.record)))
        self.candidates = natural_key_candidates(self.session, spec, unlinked) if unlinked else {}
        self.echoes = Echoes(self.session, spec.name, ctx.system, self.changes)
        all_candidates = {i for index in self.candidates.values() for ids in index.values() for i in ids}
        all_candidates |= self.echoes.records
        self.taken = linked_to_system(self.session, spec.name, ctx.system, all_candidates)
        if self.taken or all_candidates:
            self.rows.update(load_rows(self.session, spec, all_candidates - set(self.rows)))
        self.echoes.load_in_flight()
        for change in self.changes:
            self._apply(change)
        self.writes.flush(self.session)
        if spec.name == "invoice" and ctx.system != "revhub":
            from revhub.orders.reconcile import after_invoices  # orders build on sync, not the reverse

            after_invoices(self.session, {row["id"] for row in self.writes.inserts + self.writes.updates})
        return self.result

    def _hold(self, change: Change, link: dict | None, row: dict[str, Any]) -> None:
        """Link revhub's unfinished echo to its record, applying none of its state.

        The base snapshot stays as it was (empty on a new link): it says what the system had
        when revhub last wrote or merged it, and an unfinished copy is neither.
        """
        if link is None:
            link = dict(entity=self.spec.name, canonical_id=row["id"], system=self.ctx.system,
                        external_id=change.external_id, remote_version=change.remote_version,
                        base_snapshot={}, last_synced_at=self.now)
            self.writes.new_links.append(link)
            self.links[change.external_id] = link
        else:
            link.update(remote_version=change.remote_version)
            if "id" in link:
                self.writes.link_updates.append(dict(id=link["id"], remote_version=change.remote_version,
                                                     base_snapshot=link.get("base_snapshot") or {},
                                                     last_synced_at=self.now))
        self.result.unchanged += 1

    def _wanted_refs(self) -> set[tuple[str, str]]:
        wanted: set[tuple[str, str]] = set()
        add = wanted.add
        for change in self.changes:
            for value in change.record.values():
                # Exact class checks: Ref is final and these loops run per value of every record.
                if value.__class__ is Ref:
                    add((value.entity, value.external_id))
                elif value.__class__ is list:
                    for child in value:
                        for v in child.values():
                            if v.__class__ is Ref:
                                add((v.entity, v.external_id))
        return wanted

    def _incoming(self, change: Change) -> dict[str, Any]:
        """``change.record`` resolved (once per change: first-contact matching needs it first)."""
        found = self.resolved.pop(id(change), None)
        return found if found is not None else self._resolve(change.record)

    def _resolve(self, record: dict[str, Any]) -> dict[str, Any]:
        """The record with references replaced by canonical ids (as strings) and children numbered."""
        out: dict[str, Any] = {}
        ref_ids, child_field = self.ref_ids, self.child_field
        for key, value in record.items():
            if value.__class__ is Ref:
                out[key] = ref_ids.get((value.entity, value.external_id))
            elif key == child_field and value.__class__ is list:
                out[key] = [self._resolve_child(i, child) for i, child in enumerate(value, 1)]
            else:
                out[key] = value
        return out

    def _missing(self, record: dict[str, Any]) -> list[tuple[str, str]]:
        refs = [record.get(col) for col in self.required]
        if self.required_child and self.spec.children:
            refs += [child.get(col) for child in record.get(self.spec.children.field) or ()
                     for col in self.required_child]
        return [(r.entity, r.external_id) for r in refs
                if isinstance(r, Ref) and (r.entity, r.external_id) not in self.refs]

    def _resolve_child(self, position: int, child: dict[str, Any]) -> dict[str, Any]:
        resolved = self._resolve(child)
        if self.child_position:
            resolved.setdefault("position", position)
        return resolved

    # -- per change --------------------------------------------------------------
    def _apply(self, change: Change) -> None:
        if not change.deleted and (self.required or self.required_child):
            missing = self._missing(change.record)
            if missing:
                self.result.exceptions += 1
                self.writes.exceptions.append(parked_row(self.ctx, change, missing, self.now))
                return
        link = self.links.get(change.external_id)
        if link is not None:
            if link["remote_version"] is not None and change.remote_version < link["remote_version"]:
                self.result.stale += 1
                return
            incoming = self._incoming(change)
            if change.remote_version == link["remote_version"] and (
                    change.deleted or jsonable_record(incoming) == link.get("base_snapshot")):
                # A redelivery. (Equal versions with other content are two changes within the
                # provider's timestamp resolution, applied in arrival order.)
                self.result.unchanged += 1
                return
            row = self.rows[link["canonical_id"]]
            if self.echoes.unfinished(change, row):
                self._hold(change, link, row)
                return
            self._update(change, link, row, first_contact=False, incoming=incoming)
            return
        if change.deleted:
            self.result.unchanged += 1  # never known here; nothing to delete
            return
        incoming = self._incoming(change)
        match = (self.match and self.echoes.origin(change, self.rows, self.taken)) or self._match(change, incoming)
        if match == "ambiguous":
            return
        if match is None:
            self._create(change, incoming)
        elif self.echoes.unfinished(change, self.rows[match]):
            self._hold(change, None, self.rows[match])
        else:
            self._update(change, None, self.rows[match], first_contact=True, incoming=incoming)

    def _match(self, change: Change, incoming: dict[str, Any]) -> uuid.UUID | None | str:
        for key in self.spec.natural_keys:
            value = key_of(key, incoming)
            if value is None:
                continue
            found = self.candidates.get(key, {}).get(value, set()) - self.taken
            if len(found) == 1:
                return next(iter(found))
            if len(found) > 1:
                self._exception(change, incoming, key, sorted(found, key=str))
                return "ambiguous"
        return None

    def _exception(self, change: Change, incoming: dict, key: tuple, candidates: list[uuid.UUID]) -> None:
        self.result.exceptions += 1
        self.writes.exceptions.append(dict(
            kind="ambiguous_match", entity=self.spec.name, system=self.ctx.system,
            external_id=change.external_id, status="open", created_at=self.now,
            message=(f"{len(candidates)} existing {self.spec.name} records share "
                     f"{'+'.join(key)} = {' + '.join(map(str, key_of(key, incoming)))}; "
                     "choose one or create a new record"),
            payload={"change": dump_change(change), "record": jsonable_record(incoming)},
            candidates=[str(c) for c in candidates]))

    def _create(self, change: Change, incoming: dict[str, Any]) -> None:
        spec, record_id = self.spec, new_id()
        source = {"system": self.ctx.system, "at": change.changed_at or self.now_iso}
        get = incoming.get
        row: dict[str, Any] = {f: conv(get(f)) for f, conv in self.convert.items()}
        row.update(id=record_id, version=1, created_at=self.now, updated_at=self.now, deleted_at=None,
                   field_sources={f: source for f, value in incoming.items() if value is not None})
        if spec.name == "purchase_order":
            row["internal_number"] = self._internal_number()
        self._fill_defaults(row)
        self.writes.inserts.append(row)
        if spec.children:
            self.writes.children[record_id] = incoming.get(spec.children.field) or []
        snapshot = self._record_link(change, None, record_id, incoming)
        self.rows[record_id] = {**row, **({spec.children.field: incoming.get(spec.children.field) or []}
                                         if spec.children else {})}
        self._audit(record_id, 1, "create", None, snapshot)
        self._outbox(record_id, 1, "upsert")
        self.result.created += 1

    def _fill_defaults(self, row: dict[str, Any]) -> None:
        # Core inserts do not run Python-side column defaults for keys that are present.
        for key, arg in _required_defaults(self.spec.table):
            if row.get(key) is None:
                row[key] = arg(None) if callable(arg) else arg

    def _internal_number(self) -> int:
        if self._next_internal_number is None:
            if self.session.get_bind().dialect.name == "postgresql":
                # Serialize PO numbering across processes for the rest of this transaction.
                self.session.execute(text("SELECT pg_advisory_xact_lock(727001)"))
            table = self.spec.table
            self._next_internal_number = (self.session.scalar(select(func.max(table.c.internal_number))) or 0) + 1
        number = self._next_internal_number
        self._next_internal_number += 1
        return number

    def _update(self, change: Change, link: dict | None, row: dict[str, Any], *, first_contact: bool,
                incoming: dict[str, Any] | None = None) -> None:
        spec, record_id = self.spec, row["id"]
        incoming = incoming if incoming is not None else self._resolve(change.record)
        current = {f: jsonable_value(row.get(f)) for f in spec.fields}
        base = None if first_contact or link is None else (link.get("base_snapshot") or {})
        outcome = merge_fields(spec.name, current, incoming, base, self.ctx, row.get("field_sources") or {},
                               change.changed_at)
        changed = dict(outcome.changed)
        if change.deleted and row.get("deleted_at") is None:
            changed["deleted_at"] = self.now_iso
        elif (not change.deleted and row.get("deleted_at") is not None
              and (row.get("field_sources") or {}).get("deleted_at", {}).get("system") == self.ctx.system):
            changed["deleted_at"] = None  # undeleted where it was deleted
        for conflict in outcome.conflicts:
            conflict.update(entity=spec.name, record_id=record_id, created_at=self.now)
            self.writes.conflicts.append(conflict)
        self.result.conflicts += len(outcome.conflicts)
        self._record_link(change, link, record_id, incoming)
        if not changed:
            self.result.unchanged += 1
            return
        version = row["version"] + 1
        sources = dict(row.get("field_sources") or {})
        for f in changed:
            sources[f] = {"system": self.ctx.system, "at": change.changed_at or self.now_iso}
        new_row = dict(row)
        for f, value in changed.items():
            if spec.children and f == spec.children.field:
                self.writes.children[record_id] = value or []
                new_row[f] = value or []
            elif f == "deleted_at":
                new_row[f] = self.now if value else None
            else:
                new_row[f] = self.convert[f](value)
        new_row.update(version=version, updated_at=self.now, field_sources=sources)
        self.rows[record_id] = new_row
        self.writes.updates.append({k: v for k, v in new_row.items()
                                    if not (spec.children and k == spec.children.field)})
        deleting = "deleted_at" in changed and changed["deleted_at"] is not None
        before = {f: (current.get(f) if f != "deleted_at" else None) for f in changed}
        self._audit(record_id, version, "delete" if deleting else "update", before, jsonable_record(changed))
        self._outbox(record_id, version, "delete" if deleting else "upsert")
        if deleting:
            self.result.deleted += 1
        else:
            self.result.updated += 1

    def _record_link(self, change: Change, link: dict | None, record_id: uuid.UUID, incoming: dict) -> dict:
        """Link the record and keep ``incoming`` as the base snapshot; returns that snapshot."""
        snapshot = jsonable_record(incoming)
        if link is None:
            link = dict(entity=self.spec.name, canonical_id=record_id, system=self.ctx.system,
                        external_id=change.external_id, remote_version=change.remote_version,
                        base_snapshot=snapshot, last_synced_at=self.now)
            # The same dict is written and consulted again if the record recurs in this page.
            self.writes.new_links.append(link)
            self.links[change.external_id] = link
            return snapshot
        link.update(remote_version=change.remote_version, base_snapshot=snapshot)
        if "id" in link:
            self.writes.link_updates.append(dict(id=link["id"], remote_version=change.remote_version,
                                                 base_snapshot=snapshot, last_synced_at=self.now))
        return snapshot

    def _audit(self, record_id: uuid.UUID, version: int, action: str, before, after) -> None:
        self.writes.audit.append(dict(at=self.now, actor=self.ctx.actor, source=self.ctx.system,
                                      entity=self.spec.name, record_id=record_id, action=action,
                                      version=version, before=before, after=after))

    def _outbox(self, record_id: uuid.UUID, version: int, operation: str) -> None:
        self.writes.outbox.extend(outbox_rows(self.ctx, self.spec.name, record_id, version, operation, self.now,
                                              targets=self.targets))


def outbox_rows(ctx: SyncContext, entity: str, record_id: uuid.UUID, version: int, operation: str, now,
                *, reason: str | None = None, targets: Iterable[Any] | None = None) -> list[dict[str, Any]]:
    """One outbox message per system that must hear of this version of the record.

    ``reason`` tells apart a second announcement of the same version (a conflict settled by
    keeping the canonical value), which must not collapse into the first one's idempotency key.
    ``targets`` is ``ctx.targets_for(entity)`` when the caller has it already.
    """
    suffix = f":{reason}" if reason else ""
    targets = ctx.targets_for(entity) if targets is None else targets
    if not targets:
        return []
    payload = {"source": ctx.system, **({"reason": reason} if reason else {})}  # read only: shared
    key = f"{entity}:{record_id}:v{version}:"
    return [{"target_system": target.name, "connection_id": target.connection_id, "entity": entity,
             "record_id": record_id, "record_version": version, "operation": operation, "payload": payload,
             "idempotency_key": f"{key}{target.name}{suffix}", "status": "pending", "attempts": 0,
             "created_at": now}
            for target in targets]


_PLAIN = frozenset({str, int, bool, float, type(None)})


@functools.cache
def _required_defaults(table: Any) -> tuple[tuple[str, Any], ...]:
    """(column, default) of the NOT NULL columns that have a Python-side default."""
    return tuple((c.key, c.default.arg) for c in table.columns if c.default is not None and not c.nullable)


def jsonable_value(value: Any) -> Any:
    if value.__class__ in _PLAIN:  # nearly every value: skip the conversions below
        return value
    if isinstance(value, list):
        plain = _PLAIN
        return [{k: v if v.__class__ in plain else jsonable(v) for k, v in item.items()}
                if isinstance(item, dict) else jsonable(item)
                for item in value]
    return jsonable(value)


def jsonable_record(record: dict[str, Any]) -> dict[str, Any]:
    plain = _PLAIN  # checked inline: a call per plain value was most of the cost
    return {k: v if v.__class__ in plain else jsonable_value(v) for k, v in record.items()}
