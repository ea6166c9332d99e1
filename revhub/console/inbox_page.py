"""The webhook inbox: every provider event as received, processed, failed (tried again by
itself) or parked (given up after its attempts); an admin replays one, audited."""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask import Blueprint, abort, render_template, url_for
from sqlalchemy import select, update

from revhub.console.access import require_role
from revhub.console.listing import Filter, before_end_of, choice, list_page, on_or_after, text
from revhub.console.queue_actions import audit_action, db, done, refused, safe_back
from revhub.store import InboxEvent

inbox_page = Blueprint("inbox_page", __name__)

STATUSES = ("pending", "processing", "processed", "ignored", "failed", "parked")
PROVIDERS = ("stripe", "xero", "salesforce")
# Replaying a processed event is safe (processing is idempotent), and sometimes the point.
REPLAYABLE = ("processed", "ignored", "failed", "parked")

FILTERS = (
    Filter("status", "Status", choice(*STATUSES), lambda q, v: q.where(InboxEvent.status == v), choices=STATUSES),
    Filter("provider", "Provider", choice(*PROVIDERS), lambda q, v: q.where(InboxEvent.provider == v),
           choices=PROVIDERS),
    Filter("type", "Event type", text(128), lambda q, v: q.where(InboxEvent.event_type == v),
           hint="e.g. invoice.paid"),
    Filter("since", "Received from", on_or_after, lambda q, v: q.where(InboxEvent.received_at >= v),
           hint="YYYY-MM-DD"),
    Filter("until", "Received until", before_end_of, lambda q, v: q.where(InboxEvent.received_at < v),
           hint="YYYY-MM-DD"),
)

COLUMNS = (
    ("id", lambda e: e.id), ("received_at", lambda e: e.received_at), ("provider", lambda e: e.provider),
    ("event_id", lambda e: e.event_id), ("event_type", lambda e: e.event_type), ("status", lambda e: e.status),
    ("attempts", lambda e: e.attempts), ("next_attempt_at", lambda e: e.next_attempt_at),
    ("processed_at", lambda e: e.processed_at), ("error", lambda e: e.error),
)


@inbox_page.get("/inbox")
@require_role("viewer")
def inbox():
    # The list leaves the bodies (up to megabytes each) in the store; the event page shows one.
    query = select(InboxEvent).order_by(InboxEvent.id.desc())
    return list_page(query, FILTERS, template="inbox.html", filename="inbox", columns=COLUMNS)


@inbox_page.get("/inbox/<int:event_id>")
@require_role("viewer")
def event(event_id: int):
    with db().session() as s:
        row = s.get(InboxEvent, event_id)
        if row is None:
            abort(404)
    return render_template("inbox_event.html", e=row, body=readable_body(row.body))


def readable_body(body: bytes) -> Any:
    """The event as the provider sent it: parsed JSON when it is JSON, else its text."""
    text_body = body.decode("utf-8", errors="replace")
    try:
        return json.loads(text_body)
    except ValueError:
        return text_body


@inbox_page.post("/inbox/<int:event_id>/replay")
@require_role("admin")
def replay(event_id: int):
    """The event goes back in the queue and is applied again (idempotently) by the worker."""
    back = safe_back(url_for("inbox_page.inbox"))
    with db().session(write=True) as s:
        row = s.get(InboxEvent, event_id, with_for_update=True)
        if row is None:
            return refused(f"no inbox event {event_id}", back)
        if row.status not in REPLAYABLE:
            return refused(f"event {event_id} is {row.status}; it is in the queue already", back)
        before = {"event": row.id, "event_id": row.event_id, "status": row.status, "error": row.error}
        s.execute(update(InboxEvent).where(InboxEvent.id == row.id).values(
            status="pending", attempts=0, next_attempt_at=None, error=None, locked_by=None, locked_until=None))
        # An event is no canonical record: its entry is keyed by the event's row id.
        audit_action(s, action="inbox_replay", entity="inbox_event", record_id=uuid.UUID(int=row.id),
                     before=before, after={"event": row.id, "provider": row.provider, "status": "pending"})
        s.refresh(row)
    return done(f"Event {event_id} queued again; the worker applies it next.", back, "inbox_row.html", e=row)
