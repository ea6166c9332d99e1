"""Finding a record: by name, number, e-mail, revhub's id or any system's id.

Each canonical entity names the text columns a person would type from; any system's id is
looked up in the link table (exact), and a UUID is tried as revhub's own id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session

from revhub.store import Link
from revhub.sync.entities import ENTITIES

# What a person searches each entity by, and what a hit is shown as (first non-empty wins).
SEARCHED: dict[str, tuple[str, ...]] = {
    "customer": ("name", "email", "tax_id"),
    "contact": ("name", "email"),
    "purchase_order": ("po_number", "internal_number"),
    "invoice": ("number", "po_number"),
    "payment": ("reference",),
    "refund": ("reference",),
    "product": ("name", "sku"),
}
LABELS: dict[str, tuple[str, ...]] = {
    "customer": ("name", "email"), "contact": ("name", "email"), "purchase_order": ("po_number",),
    "invoice": ("number", "po_number"), "payment": ("reference",), "refund": ("reference",),
    "product": ("name", "sku"), "subscription": ("status",), "dispute": ("reference", "status"),
}
ENTITY_NAMES = {"customer": "Customer", "contact": "Contact", "purchase_order": "Purchase order",
                "invoice": "Invoice", "payment": "Payment", "refund": "Refund / credit note",
                "product": "Product", "subscription": "Subscription", "fee": "Fee", "payout": "Payout",
                "dispute": "Dispute"}
MAX_QUERY = 200
PER_ENTITY = 50


def has_control_characters(text: str, allowed: str = "") -> bool:
    """True if ``text`` holds a control character (NUL and the like; PostgreSQL refuses NUL)."""
    return any((ord(c) < 32 or ord(c) == 127) and c not in allowed for c in text)


class SearchError(ValueError):
    """A query that cannot be searched; the message says why."""


@dataclass(frozen=True)
class Hit:
    entity: str
    record_id: uuid.UUID
    label: str
    matched: str  # what matched: "name", "email", "xero id", …

    @property
    def entity_name(self) -> str:
        return ENTITY_NAMES.get(self.entity, self.entity)


def label_of(row: dict, entity: str) -> str:
    """What a person recognises a record by (its name or number, then its e-mail)."""
    parts = [str(row[c]) for c in LABELS.get(entity, ()) if row.get(c) not in (None, "")]
    return " · ".join(parts) or str(row["id"])


def _like(term: str) -> str:
    escaped = term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find(session: Session, query: str) -> list[Hit]:
    """Records matching ``query``; exact id matches first, then text matches per entity."""
    term = (query or "").strip()
    if not term:
        raise SearchError("q: type a name, number, e-mail or id")
    if len(term) > MAX_QUERY:
        raise SearchError(f"q: at most {MAX_QUERY} characters")
    if has_control_characters(term):
        raise SearchError("q: no control characters, please")
    hits: dict[tuple[str, uuid.UUID], Hit] = {}
    for hit in _by_id(session, term) + _by_text(session, term):
        hits.setdefault((hit.entity, hit.record_id), hit)
    return list(hits.values())


def _rows(session: Session, entity: str, where) -> list[dict]:
    table = ENTITIES[entity].table
    columns = [table.c.id, *(table.c[c] for c in LABELS.get(entity, ()) if c in table.c)]
    query = select(*columns).where(where, table.c.deleted_at.is_(None)).limit(PER_ENTITY)
    return [dict(r) for r in session.execute(query).mappings()]


def _by_id(session: Session, term: str) -> list[Hit]:
    hits: list[Hit] = []
    links = session.execute(select(Link.entity, Link.canonical_id, Link.system)
                            .where(Link.external_id == term).limit(PER_ENTITY)).all()
    for entity, canonical_id, system in links:
        if entity in ENTITIES:
            hits += [Hit(entity, r["id"], label_of(r, entity), f"{system} id")
                     for r in _rows(session, entity, ENTITIES[entity].table.c.id == canonical_id)]
    try:
        wanted = uuid.UUID(term)
    except ValueError:
        return hits
    for entity in ENTITY_NAMES:
        if entity in ENTITIES:
            hits += [Hit(entity, r["id"], label_of(r, entity), "revhub id")
                     for r in _rows(session, entity, ENTITIES[entity].table.c.id == wanted)]
    return hits


def _by_text(session: Session, term: str) -> list[Hit]:
    hits: list[Hit] = []
    pattern = _like(term)
    for entity, names in SEARCHED.items():
        table = ENTITIES[entity].table
        matches = [func.lower(cast(table.c[n], String)).like(pattern, escape="\\") for n in names]
        for row in _rows(session, entity, or_(*matches)):
            hits.append(Hit(entity, row["id"], label_of(row, entity), _which(row, names, term)))
    return hits


def _which(row: dict, names: tuple[str, ...], term: str) -> str:
    shown = [n for n in names if n in row and term.lower() in str(row[n] or "").lower()]
    return shown[0].replace("_", " ") if shown else names[-1].replace("_", " ")
