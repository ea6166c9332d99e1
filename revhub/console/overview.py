"""The console's front page: one row per connection with its health and what it needs, the
queues' counters (polled by htmx), recent runs and changes; "sync now" and "pause" for admins."""

from __future__ import annotations

import logging
import threading
import uuid

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import func, insert, select

from revhub.console.access import current_actor, current_role, require_role, role_allows
from revhub.console.connection_health import connection_health
from revhub.store import (
    AuditEntry,
    Conflict,
    Connection,
    Contact,
    Customer,
    Database,
    InboxEvent,
    Invoice,
    OutboxMessage,
    Payment,
    Product,
    PurchaseOrder,
    Refund,
    Subscription,
    SyncException,
    SyncRun,
    utcnow,
)
from revhub.sync.entities import ENTITIES

overview = Blueprint("overview", __name__)
STORE_COUNTS = (("Customers", Customer), ("Contacts", Contact), ("Products", Product),
                ("Purchase orders", PurchaseOrder), ("Invoices", Invoice), ("Payments", Payment),
                ("Refunds & credit notes", Refund), ("Subscriptions", Subscription))
log = logging.getLogger(__name__)


def _db() -> Database:
    from revhub.app import get_db

    return get_db()


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _live_context(session) -> dict:
    queues = {
        "Open conflicts": (_count(session, Conflict, Conflict.status == "open"), "/conflicts"),
        "Open exceptions": (_count(session, SyncException, SyncException.status == "open"), "/exceptions"),
        "Inbox pending": (_count(session, InboxEvent, InboxEvent.status == "pending"), None),
        "Inbox failed or parked": (_count(session, InboxEvent, InboxEvent.status.in_(("failed", "parked"))), None),
        "Outbox pending": (_count(session, OutboxMessage, OutboxMessage.status == "pending"), None),
        "Outbox retrying": (_count(session, OutboxMessage, OutboxMessage.status == "failed"), None),
        "Dead letters": (_count(session, OutboxMessage, OutboxMessage.status == "dead"), None),
    }
    return {"connections": connection_health(session, current_app.extensions.get("revhub.vault")),
            "queues": queues, "is_admin": role_allows(current_role(), "admin")}


@overview.get("/")
@require_role("viewer")
def index():
    with _db().session() as s:
        context = _live_context(s)
        runs = s.scalars(select(SyncRun).order_by(SyncRun.started_at.desc()).limit(10)).all()
        audit = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(15)).all()
        names = {c.id: c.name for c in s.scalars(select(Connection))}
        counts = [(label, _count(s, model, model.deleted_at.is_(None))) for label, model in STORE_COUNTS]
        return render_template("overview.html", runs=runs, audit=audit, names=names, counts=counts,
                               record_entities=ENTITIES, **context)


@overview.get("/overview/live")
@require_role("viewer")
def live():
    """The connections table and counters alone: what htmx swaps in every few seconds
    (a person who opens the address gets the whole overview)."""
    if request.headers.get("HX-Request") != "true":
        return redirect(url_for("overview.index"))
    with _db().session() as s:
        return render_template("_overview_live.html", **_live_context(s))


def _connection(session, connection_id: str) -> Connection:
    try:
        connection = session.get(Connection, uuid.UUID(connection_id))
    except ValueError:
        connection = None
    if connection is None:
        abort(404, description=f"no connection {connection_id}")
    return connection


def _audit(session, connection: Connection, action: str, after: dict, before: dict | None = None) -> None:
    """An admin's action on a connection, in the one audit log."""
    session.execute(insert(AuditEntry.__table__).values(
        at=utcnow(), actor=current_actor()[:128], source="console", entity="connection",
        record_id=connection.id, action=action, version=None, before=before, after=after))


@overview.post("/connections/<connection_id>/sync")
@require_role("admin")
def sync_now(connection_id: str):
    db = _db()
    with db.session(write=True) as s:
        connection = _connection(s, connection_id)
        name = connection.name
        if connection.paused_at is not None or not connection.enabled:
            flash(f"{name} is paused: resume it before syncing.")
            return redirect(url_for("overview.index")), 303
        _audit(s, connection, "sync_requested", {"connection": name})
    vault = current_app.extensions["revhub.vault"]
    # A sync can take minutes: it runs beside the request, under the same leases as scheduled runs.
    threading.Thread(target=_sync_in_background, args=(db, vault, name), name=f"sync-now:{name}",
                     daemon=True).start()
    flash(f"Sync of {name} started; its runs appear below as they finish.")
    return redirect(url_for("overview.index")), 303


def _sync_in_background(db: Database, vault, name: str) -> None:
    from revhub.sync.jobs import plan, sync_all

    try:
        sync_all(db, vault, plan(db, name))
    except Exception:  # the thread has no caller to tell; each run row keeps its own error
        log.exception("sync now of %s failed", name)


@overview.post("/connections/<connection_id>/pause")
@require_role("admin")
def pause(connection_id: str):
    wanted = request.form.get("enabled", "")
    if wanted not in ("true", "false"):
        abort(400, description="enabled: true to resume, false to pause")
    with _db().session(write=True) as s:
        connection = _connection(s, connection_id)
        # Pausing holds syncs and writes (queued, not dropped); it never disables the connection,
        # which would refuse its webhooks and stop queueing writes for it.
        before = connection.paused_at is None
        if wanted == "true":
            connection.paused_at = connection.paused_by = None
        elif before:
            connection.paused_at, connection.paused_by = utcnow(), current_actor()
        if before != (wanted == "true"):
            _audit(s, connection, "resume" if wanted == "true" else "pause",
                   {"connection": connection.name, "enabled": wanted == "true"}, {"enabled": before})
        name = connection.name
    flash(f"{name} {'resumed' if wanted == 'true' else 'paused'}.")
    return redirect(url_for("overview.index")), 303
