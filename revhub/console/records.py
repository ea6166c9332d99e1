"""Search and the record page: a record's canonical fields with where each came from, its
id in every system (with a link to that system's page), its audit history and its outbox."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from revhub.console.access import require_role
from revhub.console.deeplinks import provider_url
from revhub.console.search import ENTITY_NAMES, SearchError, find, label_of
from revhub.store import AuditEntry, Connection, Link, OutboxMessage
from revhub.sync.entities import ENTITIES

records = Blueprint("records", __name__)
HISTORY_LIMIT = 500


@dataclass
class FieldRow:
    name: str
    value: Any
    currency: str | None = None     # set for money fields (``*_minor``)
    ref_entity: str | None = None   # set for references to another record
    system: str | None = None
    at: str | None = None


@dataclass
class SystemId:
    system: str
    provider: str
    external_id: str
    url: str | None
    last_synced_at: Any


@dataclass
class RecordView:
    entity: str
    record_id: uuid.UUID
    label: str
    deleted_at: Any
    version: int
    fields: list[FieldRow] = field(default_factory=list)
    ids: list[SystemId] = field(default_factory=list)
    history: list[AuditEntry] = field(default_factory=list)
    outbox: list[OutboxMessage] = field(default_factory=list)

    @property
    def entity_name(self) -> str:
        return ENTITY_NAMES.get(self.entity, self.entity)


def load_record(session: Session, entity: str, record_id: uuid.UUID) -> RecordView | None:
    """Everything the record page shows about one canonical record; None if there is none."""
    spec = ENTITIES[entity]
    row = session.execute(select(spec.table).where(spec.table.c.id == record_id)).mappings().first()
    if row is None:
        return None
    row = dict(row)
    sources = row.get("field_sources") or {}
    view = RecordView(entity, record_id, label_of(row, entity), row.get("deleted_at"), row.get("version") or 1)
    for name in spec.fields:
        if name not in spec.table.c:
            continue  # child rows (lines) are shown by the history, not as one field
        source = sources.get(name) or {}
        view.fields.append(FieldRow(
            name, row[name], currency=_currency_of(row, name), ref_entity=spec.refs.get(name),
            system=source.get("system"), at=source.get("at")))
    view.ids = system_ids(session, entity, record_id)
    view.history = list(session.scalars(
        select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.record_id == record_id)
        .order_by(AuditEntry.id.desc()).limit(HISTORY_LIMIT)))
    view.outbox = list(session.scalars(
        select(OutboxMessage).where(OutboxMessage.entity == entity, OutboxMessage.record_id == record_id)
        .order_by(OutboxMessage.id.desc()).limit(HISTORY_LIMIT)))
    return view


def system_ids(session: Session, entity: str, record_id: uuid.UUID) -> list[SystemId]:
    """The record's id in each linked system, with the provider page where there is one."""
    connections = {c.name: c for c in session.scalars(select(Connection))}
    found = []
    for link in session.scalars(select(Link).where(Link.entity == entity, Link.canonical_id == record_id)
                                .order_by(Link.system)):
        connection = connections.get(link.system)
        provider = connection.provider if connection else link.system
        url = provider_url(provider, connection.settings if connection else None, entity, link.external_id)
        found.append(SystemId(link.system, provider, link.external_id, url, link.last_synced_at))
    return found


def _currency_of(row: dict, name: str) -> str | None:
    if not name.endswith("_minor"):
        return None
    return row.get("settled_currency") if name.startswith("settled") else (
        row.get("currency") or row.get("default_currency"))


@records.get("/search")
@require_role("viewer")
def search_page():
    query = request.args.get("q", "")
    if not query.strip():
        return render_template("search.html", query="", hits=None, error=None)
    from revhub.app import get_db

    try:
        with get_db().session() as s:
            hits = find(s, query)
    except SearchError as exc:
        return render_template("search.html", query=query[:200], hits=None, error=str(exc)), 400
    return render_template("search.html", query=query, hits=hits, error=None)


@records.get("/records/<entity>/<record_id>")
@require_role("viewer")
def record_page(entity: str, record_id: str):
    if entity not in ENTITIES:
        abort(404, description=f"no kind of record called {entity!r}")
    try:
        wanted = uuid.UUID(record_id)
    except ValueError:
        abort(404, description=f"{record_id!r} is not a revhub record id")
    from revhub.app import get_db

    with get_db().session() as s:
        view = load_record(s, entity, wanted)
        if view is None:
            abort(404, description=f"no {ENTITY_NAMES.get(entity, entity).lower()} {record_id}")
        return render_template("record.html", record=view)
