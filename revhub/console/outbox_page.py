"""The outbox as an admin works it: every write owed to a provider, by status (pending,
retrying with its last error and next attempt, dead), what the provider receives and what it
answered; a dead letter is queued again or a write discarded, each audited."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template, request, url_for
from sqlalchemy import select, update

from revhub.console.access import current_actor, require_role
from revhub.console.listing import Filter, choice, list_page, record_id, text
from revhub.console.queue_actions import audit_action, db, done, refused, safe_back
from revhub.store import OutboxMessage, utcnow
from revhub.sync.entities import ENTITIES

outbox_page = Blueprint("outbox_page", __name__)

STATUSES = ("pending", "processing", "failed", "dead", "sent", "skipped", "superseded", "discarded")
# "failed" is stored for a write that will be tried again: the console calls it retrying.
LABELS = {"failed": "retrying"}
RETRYABLE = ("dead", "failed")
DISCARDABLE = ("pending", "failed", "dead")
DISCARDED = "discarded"

FILTERS = (
    Filter("status", "Status", choice(*STATUSES), lambda q, v: q.where(OutboxMessage.status == v),
           choices=STATUSES),
    Filter("target", "Target system", text(64), lambda q, v: q.where(OutboxMessage.target_system == v),
           hint="e.g. xero"),
    Filter("entity", "Entity", choice(*ENTITIES), lambda q, v: q.where(OutboxMessage.entity == v),
           choices=tuple(ENTITIES)),
    Filter("record", "Record id", record_id, lambda q, v: q.where(OutboxMessage.record_id == v)),
)

COLUMNS = (
    ("id", lambda m: m.id), ("created_at", lambda m: m.created_at), ("target_system", lambda m: m.target_system),
    ("entity", lambda m: m.entity), ("record_id", lambda m: m.record_id),
    ("record_version", lambda m: m.record_version), ("operation", lambda m: m.operation),
    ("status", lambda m: LABELS.get(m.status, m.status)), ("attempts", lambda m: m.attempts),
    ("next_attempt_at", lambda m: m.next_attempt_at), ("last_error", lambda m: m.last_error),
    ("remote_id", lambda m: m.remote_id), ("sent_at", lambda m: m.sent_at),
    ("idempotency_key", lambda m: m.idempotency_key),
)


@outbox_page.get("/outbox")
@require_role("viewer")
def outbox():
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    return list_page(query, FILTERS, template="outbox.html", filename="outbox", columns=COLUMNS, labels=LABELS)


@outbox_page.get("/outbox/<int:message_id>")
@require_role("viewer")
def message(message_id: int):
    with db().session() as s:
        row = s.get(OutboxMessage, message_id)
        if row is None:
            abort(404)
    return render_template("outbox_message.html", m=row, labels=LABELS, sent=provider_payload(row))


def provider_payload(message: OutboxMessage) -> dict[str, Any]:
    """What the target provider receives for this message, built by its pusher from the
    record's current state (as the worker would send it now), or why it cannot be shown."""
    from revhub.mappings.outbox import OutboxWorker, build_items

    try:
        items = build_items(db(), message.target_system, message.entity, [message])
        if not items:
            return {"note": "the record no longer exists; nothing would be sent"}
        pusher = OutboxWorker(db(), current_app.extensions["revhub.vault"], "console").pusher(message.target_system)
        return pusher.describe(message.entity, items[0]) or {"note": "this write has no body of its own"}
    except Exception as exc:  # a target that cannot be built still lets the page show the message
        return {"error": f"cannot build {message.target_system}'s payload: {type(exc).__name__}: {exc}"}


@outbox_page.post("/outbox/<int:message_id>/retry")
@require_role("admin")
def retry(message_id: int):
    """A dead letter (or a write waiting for its next attempt) is queued to go now."""
    back = safe_back(url_for("outbox_page.outbox"))
    with db().session(write=True) as s:
        row = s.get(OutboxMessage, message_id, with_for_update=True)
        if row is None:
            return refused(f"no outbox message {message_id}", back)
        if row.status not in RETRYABLE:
            return refused(f"message {message_id} is {LABELS.get(row.status, row.status)}; only dead or "
                           "retrying messages are queued again", back)
        before = {"message": row.id, "status": row.status, "attempts": row.attempts, "last_error": row.last_error}
        s.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(
            status="pending", attempts=0, next_attempt_at=None, last_error=None))
        audit_action(s, action="outbox_retry", entity=row.entity, record_id=row.record_id, before=before,
                     after={"message": row.id, "status": "pending", "target": row.target_system})
        s.refresh(row)
    return done(f"Message {message_id} queued again for {row.target_system}.", back, "outbox_row.html",
                m=row, labels=LABELS)


@outbox_page.post("/outbox/<int:message_id>/discard")
@require_role("admin")
def discard(message_id: int):
    """A write that must not go (the provider already has it, or it is wrong): never sent."""
    back = safe_back(url_for("outbox_page.outbox"))
    if request.form.get("confirm") != "yes":
        return refused("confirm: tick the box to discard (the write is then never sent)", back)
    with db().session(write=True) as s:
        row = s.get(OutboxMessage, message_id, with_for_update=True)
        if row is None:
            return refused(f"no outbox message {message_id}", back)
        if row.status not in DISCARDABLE:
            return refused(f"message {message_id} is {LABELS.get(row.status, row.status)}; only pending, "
                           "retrying or dead messages are discarded", back)
        before = {"message": row.id, "status": row.status, "last_error": row.last_error}
        s.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(
            status=DISCARDED, next_attempt_at=None, locked_by=None, locked_until=None,
            last_error=f"discarded by {current_actor()} at {utcnow().isoformat()}"))
        audit_action(s, action="outbox_discard", entity=row.entity, record_id=row.record_id, before=before,
                     after={"message": row.id, "status": DISCARDED, "target": row.target_system})
        s.refresh(row)
    return done(f"Message {message_id} discarded; {row.target_system} will not receive it.", back,
                "outbox_row.html", m=row, labels=LABELS)
