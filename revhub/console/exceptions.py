"""The exception queue as an admin settles it: each record sync could not place, in full,
beside every candidate it might be (field by field); link it to one, declare it new, or
dismiss it. One exception per record (``revhub.sync.exception_queue``)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import Blueprint, request, url_for
from sqlalchemy import select

from revhub.console.access import current_actor, require_role
from revhub.console.listing import Filter, choice, list_page, text
from revhub.console.queue_actions import db, done, refused, safe_back
from revhub.store import SyncException
from revhub.store.base import jsonable
from revhub.sync.entities import ENTITIES
from revhub.sync.exception_queue import ExceptionQueueError, settle
from revhub.sync.lookups import load_rows

exceptions_page = Blueprint("exceptions_page", __name__)

STATUSES = ("open", "resolved", "dismissed", "superseded", "all")
KINDS = ("ambiguous_match", "waiting_for_reference", "unapplied_cash", "overpayment")
ACTIONS = ("link", "create", "dismiss")
RECON_KINDS = ("unmatched_receipt", "invoice_check")  # shown on /recon/unmatched and /recon/invoice-checks

FILTERS = (
    Filter("status", "Status", choice(*STATUSES),
           lambda q, v: q if v == "all" else q.where(SyncException.status == v), choices=STATUSES, default="open"),
    Filter("kind", "Kind", choice(*KINDS), lambda q, v: q.where(SyncException.kind == v), choices=KINDS),
    Filter("entity", "Entity", choice(*ENTITIES), lambda q, v: q.where(SyncException.entity == v),
           choices=tuple(ENTITIES)),
    Filter("system", "System", text(64), lambda q, v: q.where(SyncException.system == v), hint="e.g. xero"),
)

COLUMNS = (
    ("id", lambda e: e.id), ("status", lambda e: e.status), ("kind", lambda e: e.kind), ("entity", lambda e: e.entity),
    ("system", lambda e: e.system), ("external_id", lambda e: e.external_id), ("message", lambda e: e.message),
    ("candidates", lambda e: " ".join(e.candidates or ())),
    ("incoming_record", lambda e: json.dumps(incoming_record(e), default=str, ensure_ascii=False, sort_keys=True)),
    ("raised_at", lambda e: e.created_at),
    ("resolved_by", lambda e: e.resolved_by), ("resolved_at", lambda e: e.resolved_at),
)


def incoming_record(row: SyncException) -> dict[str, Any]:
    """The record as its system sent it: references resolved where sync could, else as sent."""
    payload = row.payload or {}
    if "record" in payload:
        return payload["record"]
    change = payload.get("change") or {}
    return {k: (f"{v['$ref'][0]} {v['$ref'][1]} (not here yet)" if isinstance(v, dict) and "$ref" in v else v)
            for k, v in (change.get("record") or {}).items()} or payload


def comparison(session, rows: list[SyncException]) -> dict[int, dict[str, Any]]:
    """Per exception: the fields to show, the incoming values and each candidate's, side by side."""
    wanted: dict[str, set[uuid.UUID]] = {}
    for row in rows:
        if row.entity in ENTITIES and row.candidates:
            wanted.setdefault(row.entity, set()).update(uuid.UUID(c) for c in row.candidates)
    found = {entity: load_rows(session, ENTITIES[entity], ids) for entity, ids in wanted.items()}
    out: dict[int, dict[str, Any]] = {}
    for row in rows:
        incoming = incoming_record(row)
        spec = ENTITIES.get(row.entity)
        fields = [f for f in (spec.fields if spec else ()) if f in incoming] + \
            [f for f in incoming if not spec or f not in spec.fields]
        candidates = []
        for candidate in row.candidates or ():
            record = found.get(row.entity, {}).get(uuid.UUID(candidate))
            candidates.append((candidate, {f: jsonable(record.get(f)) for f in fields} if record else None))
        out[row.id] = {"fields": fields, "incoming": incoming, "candidates": candidates}
    return out


@exceptions_page.get("/exceptions")
@require_role("viewer")
def exceptions():
    # Reconciliation's exceptions carry ranked invoice sets, not record ids: their own pages settle them.
    query = select(SyncException).where(SyncException.kind.not_in(RECON_KINDS)).order_by(SyncException.id)
    return list_page(query, FILTERS, template="exceptions.html", filename="exceptions", columns=COLUMNS,
                     per_page=20, extra=lambda s, rows: {"compare": comparison(s, rows)})


@exceptions_page.post("/exceptions/<int:exception_id>")
@require_role("admin")
def settle_exception(exception_id: int):
    back = safe_back(url_for("exceptions_page.exceptions"))
    action = request.form.get("action", "")
    link_to = None
    if action == "link":
        try:
            link_to = uuid.UUID(request.form.get("candidate") or "")
        except ValueError:
            return refused("candidate: not a record id", back)
    elif action not in ACTIONS:
        return refused(f"action: one of {', '.join(ACTIONS)}", back)
    try:
        with db().session(write=True) as s:
            row = settle(s, exception_id, actor=current_actor(), link_to=link_to, create=action == "create",
                         dismiss=action == "dismiss")
            status, kind = row.status, row.kind
    except ExceptionQueueError as exc:
        return refused(str(exc), back)
    message = f"Exception {exception_id} {status}." if status != "open" else \
        f"Exception {exception_id}: placed, and now {kind.replace('_', ' ')}; it applies once that arrives."
    return done(message, back, "exception_settled.html", exception_id=exception_id)
