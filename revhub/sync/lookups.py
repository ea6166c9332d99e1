"""Batched reads for ``sync.apply``: links, references and first-contact candidates.

One query per kind of lookup per page, never one per record: the apply loop's cost must
stay flat as pages grow.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from revhub.store import Link, OutboxMessage
from revhub.sync.entities import EntitySpec

CHUNK = 500


def chunks(values: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def among(session: Session, column: ColumnElement, values: list, of: Any = None) -> ColumnElement[bool]:
    """``column IN (values)``; on PostgreSQL ``column = ANY(:array)``, one parameter.

    An IN list is a statement of its own for every length: SQLAlchemy renders it per
    execution, psycopg parses any statement of over 50 parameters anew each time (about a
    tenth of ``sync.apply`` on PostgreSQL, for the page look-ups), and the server never
    gets to prepare it. PostgreSQL turns ``IN (...)`` into ``= ANY(array)`` itself: the plan
    and the index use are the same. ``of``: the values' type where ``column``'s is not known
    (a function of a column).
    """
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type if of is None else of)))
    return column.in_(values)


def load_links(session: Session, entity: str, system: str, external_ids: Iterable[str]
               ) -> dict[str, dict[str, Any]]:
    """Links (as dicts) of ``system``'s records, keyed by external id."""
    table = Link.__table__
    found: dict[str, dict[str, Any]] = {}
    ids = list(dict.fromkeys(external_ids))
    for part in chunks(ids):
        query = select(table).where(table.c.entity == entity, table.c.system == system,
                                    among(session, table.c.external_id, part))
        for row in session.execute(query).mappings():
            found[row["external_id"]] = dict(row)
    return found


def resolve_refs(session: Session, system: str, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], uuid.UUID]:
    """Canonical ids of (entity, external id) references made by ``system``."""
    by_entity: dict[str, list[str]] = {}
    for entity, external_id in wanted:
        by_entity.setdefault(entity, []).append(external_id)
    resolved: dict[tuple[str, str], uuid.UUID] = {}
    links = Link.__table__  # Core, not ORM: no ORM compile state or row loading per page
    for entity, ids in by_entity.items():
        for part in chunks(ids):
            rows = session.execute(select(links.c.external_id, links.c.canonical_id).where(
                links.c.entity == entity, links.c.system == system, among(session, links.c.external_id, part)))
            for external_id, canonical_id in rows:
                resolved[(entity, external_id)] = canonical_id
    return resolved


def load_rows(session: Session, spec: EntitySpec, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """Current canonical rows (as dicts of column values) by id."""
    table = spec.table
    rows: dict[uuid.UUID, dict[str, Any]] = {}
    for part in chunks(list(ids)):
        for row in session.execute(select(table).where(among(session, table.c.id, part))).mappings():
            rows[row["id"]] = dict(row)
    if spec.children:
        load_children(session, spec, rows)
    return rows


def load_children(session: Session, spec: EntitySpec, rows: dict[uuid.UUID, dict[str, Any]]) -> None:
    children = spec.children
    assert children is not None
    for row in rows.values():
        row[children.field] = []
    table = children.table
    parent = table.c[children.parent_key]
    order = [table.c.position] if "position" in table.c else [table.c.id]
    for part in chunks(list(rows)):
        for child in session.execute(select(table).where(among(session, parent, part)).order_by(*order)).mappings():
            rows[child[children.parent_key]][children.field].append(
                {col: child[col] for col in children.columns})


def natural_key_candidates(session: Session, spec: EntitySpec, records: list[dict[str, Any]]
                           ) -> dict[tuple[str, ...], dict[tuple, set[uuid.UUID]]]:
    """For each natural key of ``spec``: key values → ids of live records carrying them.

    E-mail comparisons are case-insensitive; other keys exact.
    """
    table = spec.table
    result: dict[tuple[str, ...], dict[tuple, set[uuid.UUID]]] = {}
    for key in spec.natural_keys:
        lead = key[0]
        values = list({_key_value(lead, r.get(lead)) for r in records if r.get(lead) not in (None, "")})
        index: dict[tuple, set[uuid.UUID]] = {}
        column = func.lower(table.c[lead]) if lead == "email" else table.c[lead]
        for part in chunks(values):
            query = select(table.c.id, *(table.c[k] for k in key)).where(
                among(session, column, part, table.c[lead].type), table.c.deleted_at.is_(None))
            for row in session.execute(query):
                values_of_row = tuple(_key_value(k, row[i + 1]) for i, k in enumerate(key))
                index.setdefault(values_of_row, set()).add(row[0])
        result[key] = index
    return result


def _key_value(column: str, value: Any) -> Any:
    if value is None:
        return None
    if column == "email":
        return str(value).strip().lower()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def key_of(key: tuple[str, ...], record: dict[str, Any]) -> tuple | None:
    """The natural-key value of an incoming record, or None if any part is missing."""
    values = tuple(_key_value(k, record.get(k)) for k in key)
    return None if any(v in (None, "") for v in values) else values


def linked_to_system(session: Session, entity: str, system: str, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of ``ids`` already have a link from ``system`` (they cannot take a second one)."""
    taken: set[uuid.UUID] = set()
    links = Link.__table__
    for part in chunks(list(ids)):
        taken.update(session.scalars(select(links.c.canonical_id).where(
            links.c.entity == entity, links.c.system == system, among(session, links.c.canonical_id, part))))
    return taken


# Outbox states of a write that has not finished: queued, being pushed, or waiting to retry.
IN_FLIGHT = ("pending", "processing", "failed")


def origins(changes: Iterable[Any]) -> dict[str, uuid.UUID]:
    """External id → the canonical id revhub stamped on the system's copy, where it is a valid id."""
    found: dict[str, uuid.UUID] = {}
    for change in changes:
        if change.origin and not change.deleted:
            try:
                found[change.external_id] = uuid.UUID(str(change.origin))
            except ValueError:
                continue  # someone else's metadata: not ours, matched the ordinary way
    return found


def first_writes_in_flight(session: Session, entity: str, system: str, ids: Iterable[uuid.UUID]
                           ) -> set[uuid.UUID]:
    """Which of ``ids`` revhub is still writing to ``system`` for the first time: a message not
    yet done, and none ever sent. Until then the system's copy is only revhub's work in progress."""
    busy: set[uuid.UUID] = set()
    t = OutboxMessage.__table__.c
    for part in chunks(list(ids)):
        rows = session.execute(select(t.record_id, t.status).where(
            t.entity == entity, t.target_system == system, among(session, t.record_id, part),
            t.status.in_(IN_FLIGHT + ("sent",))))
        states: dict[uuid.UUID, set[str]] = {}
        for record_id, status in rows:
            states.setdefault(record_id, set()).add(status)
        busy.update(r for r, seen in states.items() if "sent" not in seen)
    return busy
