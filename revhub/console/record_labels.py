"""What a person recognises a canonical record by: its name or number, and its e-mail."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from revhub.sync.entities import ENTITIES
from revhub.sync.lookups import chunks

_LABEL_COLUMNS = ("name", "number", "po_number", "email", "reference")


def record_labels(session: Session, records: Iterable[tuple[str, uuid.UUID | str]]) -> dict[str, str]:
    """{record id as text: "Acme Labs · ap@acme.example"} for each (entity, id) that has a label."""
    wanted: dict[str, set[uuid.UUID]] = defaultdict(set)
    for entity, record_id in records:
        if entity in ENTITIES and record_id:
            wanted[entity].add(record_id if isinstance(record_id, uuid.UUID) else uuid.UUID(str(record_id)))
    labels: dict[str, str] = {}
    for entity, ids in wanted.items():
        table = ENTITIES[entity].table
        columns = [table.c[name] for name in _LABEL_COLUMNS if name in table.c]
        if not columns:
            continue
        for part in chunks(list(ids)):
            for found in session.execute(select(table.c.id, *columns).where(table.c.id.in_(part))).mappings():
                text = " · ".join(str(found[c.key]) for c in columns if found[c.key])
                if text:
                    labels[str(found["id"])] = text
    return labels


def record_currencies(session: Session, records: Iterable[tuple[str, uuid.UUID | str]]) -> dict[str, str]:
    """{record id as text: its ISO currency} for records that carry one (money fields are in it)."""
    wanted: dict[str, set[uuid.UUID]] = defaultdict(set)
    for entity, record_id in records:
        if entity in ENTITIES and record_id:
            wanted[entity].add(record_id if isinstance(record_id, uuid.UUID) else uuid.UUID(str(record_id)))
    found: dict[str, str] = {}
    for entity, ids in wanted.items():
        table = ENTITIES[entity].table
        column = next((table.c[n] for n in ("currency", "default_currency") if n in table.c), None)
        if column is None:
            continue
        for part in chunks(list(ids)):
            for record_id, currency in session.execute(select(table.c.id, column).where(table.c.id.in_(part))):
                if currency:
                    found[str(record_id)] = currency
    return found
