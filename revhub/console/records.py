"""Search and the record page: a record's canonical fields with where each came from, its
id in every system (with a link to that system's page), its audit history and its outbox."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from revhub.console import listing as lst
from revhub.console.access import require_role
from revhub.console.deeplinks import provider_url
from revhub.console.search import ENTITY_NAMES, SearchError, find, label_of
from revhub.store import AuditEntry, Connection, Link, OutboxMessage
from revhub.sync.entities import ENTITIES

records = Blueprint("records", __name__)
RECENT = 20  # the record page shows the latest; its history and outbox pages show them all


@dataclass
class FieldRow:
    name: str
    value: Any
    currency: str | None = None     # set for money fields (``*_minor``)
    ref_entity: str | None = None   # set for references to another record
    system: str | None = None
    at: datetime | None = None


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
    currency: str | None
    fields: list[FieldRow] = field(default_factory=list)
    ids: list[SystemId] = field(default_factory=list)
    history: list[AuditEntry] = field(default_factory=list)
    outbox: list[OutboxMessage] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)  # child rows: PO and invoice lines, allocations
    disputes: list[Any] = field(default_factory=list)  # an invoice's or payment's chargebacks
    children_field: str | None = None
    history_total: int = 0
    outbox_total: int = 0

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
    view = RecordView(entity, record_id, label_of(row, entity), row.get("deleted_at"), row.get("version") or 1,
                      row.get("currency"))
    for name in spec.fields:
        if name not in spec.table.c:
            continue  # child rows (lines) are shown by the history, not as one field
        source = sources.get(name) or {}
        view.fields.append(FieldRow(
            name, row[name], currency=_currency_of(row, name), ref_entity=spec.refs.get(name),
            system=source.get("system"), at=_instant(source.get("at"))))
    if spec.children is not None:
        child = spec.children.table
        order = child.c.position if "position" in child.c else child.c.id
        view.children_field = spec.children.field
        view.lines = [dict(r) for r in session.execute(
            select(child).where(child.c[spec.children.parent_key] == record_id).order_by(order)
            .limit(RECENT * 10)).mappings()]
    view.ids = system_ids(session, entity, record_id)
    if entity in ("invoice", "payment"):
        view.disputes = disputes_on(session, entity, record_id)
    view.history = list(session.scalars(history_query(entity, record_id).limit(RECENT)))
    view.outbox = list(session.scalars(outbox_query(entity, record_id).limit(RECENT)))
    view.history_total = session.scalar(select(func.count()).where(
        AuditEntry.entity == entity, AuditEntry.record_id == record_id)) or 0
    view.outbox_total = session.scalar(select(func.count()).where(
        OutboxMessage.entity == entity, OutboxMessage.record_id == record_id)) or 0
    return view


def disputes_on(session: Session, entity: str, record_id: uuid.UUID) -> list[Any]:
    """The disputes on a payment, or on an invoice (named by it, or on a payment allocated to it)."""
    from revhub.dunning.disputes import disputes_of
    from revhub.store import Dispute, Invoice

    if entity == "payment":
        return list(session.scalars(select(Dispute).where(Dispute.payment_id == record_id,
                                                          Dispute.deleted_at.is_(None)).order_by(Dispute.opened_at)))
    invoice = session.get(Invoice, record_id)
    return disputes_of(session, invoice) if invoice is not None else []


def history_query(entity: str, record_id: uuid.UUID):
    """The record's audit entries, newest first."""
    return (select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.record_id == record_id)
            .order_by(AuditEntry.id.desc()))


def outbox_query(entity: str, record_id: uuid.UUID):
    """Every outbox message about the record, newest first."""
    return (select(OutboxMessage).where(OutboxMessage.entity == entity, OutboxMessage.record_id == record_id)
            .order_by(OutboxMessage.id.desc()))


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


def _instant(value: Any) -> datetime | None:
    """A provenance time (ISO text in the JSON column) as a datetime; None if unreadable."""
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _currency_of(row: dict, name: str) -> str | None:
    if not name.endswith("_minor"):
        return None
    return row.get("settled_currency") if name.startswith("settled") else (
        row.get("currency") or row.get("default_currency"))


SEARCH_COLUMNS = (("kind", lambda h: h.entity_name), ("record", lambda h: h.label),
                  ("matched_on", lambda h: h.matched), ("revhub_id", lambda h: str(h.record_id)))


@records.get("/search")
@require_role("viewer")
def search_page():
    query = request.args.get("q", "")
    listing = lst.read_listing(request.args, ())
    if not query.strip():
        return render_template("search.html", query="", listing=None, error=None)
    from revhub.app import get_db

    try:
        if not listing.ok:
            raise SearchError("; ".join(listing.errors.values()))
        with get_db().session() as s:
            hits = find(s, query)
    except SearchError as exc:
        if listing.format == "csv":
            return Response(f"{exc}\n", status=400, mimetype="text/plain")
        return render_template("search.html", query=query[:200], listing=None, error=str(exc)), 400
    if listing.format == "csv":
        return lst.csv_response("search", SEARCH_COLUMNS, lst.csv_cells(hits, SEARCH_COLUMNS))
    listing.total = len(hits)
    listing.page = min(listing.page, listing.pages)
    listing.rows = hits[(listing.page - 1) * listing.per_page:listing.page * listing.per_page]
    listing.raw = {"q": query}
    return render_template("search.html", query=query, listing=listing, error=None)


def _wanted(entity: str, record_id: str) -> uuid.UUID:
    if entity not in ENTITIES:
        abort(404, description=f"no kind of record called {entity!r}")
    try:
        return uuid.UUID(record_id)
    except ValueError:
        abort(404, description=f"{record_id!r} is not a revhub record id")


def _label(entity: str, record_id: uuid.UUID) -> str:
    from revhub.app import get_db

    spec = ENTITIES[entity]
    with get_db().session() as s:
        row = s.execute(select(spec.table).where(spec.table.c.id == record_id)).mappings().first()
    if row is None:
        abort(404, description=f"no {ENTITY_NAMES.get(entity, entity).lower()} {record_id}")
    return label_of(dict(row), entity)


@records.get("/records/<entity>/<record_id>")
@require_role("viewer")
def record_page(entity: str, record_id: str):
    wanted = _wanted(entity, record_id)
    from revhub.app import get_db

    with get_db().session() as s:
        view = load_record(s, entity, wanted)
        if view is None:
            abort(404, description=f"no {ENTITY_NAMES.get(entity, entity).lower()} {record_id}")
        return render_template("record.html", record=view)


HISTORY_FILTERS = (lst.Filter("action", "Change", lst.choice("create", "update", "delete", "purge"),
                              lambda q, v: q.where(AuditEntry.action == v),
                              choices=("create", "update", "delete", "purge")),)
HISTORY_COLUMNS = (("at", lambda a: a.at), ("action", lambda a: a.action), ("version", lambda a: a.version),
                   ("actor", lambda a: a.actor), ("source", lambda a: a.source),
                   ("before", lambda a: json.dumps(a.before, default=str, sort_keys=True) if a.before else None),
                   ("after", lambda a: json.dumps(a.after, default=str, sort_keys=True) if a.after else None))
OUTBOX_STATUSES = ("pending", "processing", "failed", "dead", "sent", "skipped", "superseded")
OUTBOX_FILTERS = (lst.Filter("status", "Status", lst.choice(*OUTBOX_STATUSES),
                             lambda q, v: q.where(OutboxMessage.status == v), choices=OUTBOX_STATUSES),)
OUTBOX_COLUMNS = (("queued_at", lambda m: m.created_at), ("target", lambda m: m.target_system),
                  ("operation", lambda m: m.operation), ("record_version", lambda m: m.record_version),
                  ("status", lambda m: m.status), ("attempts", lambda m: m.attempts), ("sent_at", lambda m: m.sent_at),
                  ("remote_id", lambda m: m.remote_id), ("last_error", lambda m: m.last_error),
                  ("payload", lambda m: json.dumps(m.payload, default=str, sort_keys=True)),
                  ("idempotency_key", lambda m: m.idempotency_key))


@records.get("/records/<entity>/<record_id>/history")
@require_role("viewer")
def history_page(entity: str, record_id: str):
    wanted = _wanted(entity, record_id)
    return lst.list_page(history_query(entity, wanted), HISTORY_FILTERS, template="record_history.html",
                         filename=f"{entity}-{wanted}-history", columns=HISTORY_COLUMNS, entity=entity,
                         record_id=wanted, label=_label(entity, wanted), entity_name=ENTITY_NAMES.get(entity, entity))


@records.get("/records/<entity>/<record_id>/outbox")
@require_role("viewer")
def outbox_page(entity: str, record_id: str):
    wanted = _wanted(entity, record_id)
    return lst.list_page(outbox_query(entity, wanted), OUTBOX_FILTERS, template="record_outbox.html",
                         filename=f"{entity}-{wanted}-outbox", columns=OUTBOX_COLUMNS, entity=entity,
                         record_id=wanted, label=_label(entity, wanted), entity_name=ENTITY_NAMES.get(entity, entity))
