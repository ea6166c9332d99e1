"""How deep each queue is, as a small fragment: rendered into the queue pages at once and
polled by htmx (``hx-get`` every few seconds) where JavaScript runs, so the counts stay live."""

from __future__ import annotations

import json

from flask import Blueprint, render_template
from sqlalchemy import func, select

from revhub.console.access import require_role
from revhub.console.queue_actions import can_act, db, wants_fragment
from revhub.store import Conflict, InboxEvent, OutboxMessage, SyncException

queue_depths = Blueprint("queue_depths", __name__)


def current_depths() -> list[tuple[str, int, str, bool]]:
    """(label, count, link, needs a person) for every queue an admin works."""
    with db().session() as s:
        outbox = dict(s.execute(select(OutboxMessage.status, func.count()).where(
            OutboxMessage.status.in_(("pending", "processing", "failed", "dead")))
            .group_by(OutboxMessage.status)).all())
        inbox = dict(s.execute(select(InboxEvent.status, func.count()).where(
            InboxEvent.status.in_(("pending", "processing", "failed", "parked")))
            .group_by(InboxEvent.status)).all())
        conflicts = s.scalar(select(func.count()).select_from(Conflict).where(Conflict.status == "open")) or 0
        exceptions = s.scalar(select(func.count()).select_from(SyncException)
                              .where(SyncException.status == "open")) or 0
    return [
        ("Outbox pending", outbox.get("pending", 0) + outbox.get("processing", 0), "/outbox?status=pending", False),
        ("Outbox retrying", outbox.get("failed", 0), "/outbox?status=failed", False),
        ("Dead letters", outbox.get("dead", 0), "/outbox?status=dead", True),
        ("Inbox waiting", inbox.get("pending", 0) + inbox.get("processing", 0), "/inbox?status=pending", False),
        ("Inbox failed", inbox.get("failed", 0), "/inbox?status=failed", False),
        ("Inbox parked", inbox.get("parked", 0), "/inbox?status=parked", True),
        ("Open conflicts", conflicts, "/conflicts", True),
        ("Open exceptions", exceptions, "/exceptions", True),
    ]


@queue_depths.get("/queues/depths")
@require_role("viewer")
def depths():
    """The counter alone for htmx's poll; for a browser that opens the address, the queues page."""
    if wants_fragment():
        return render_template("queue_depths.html", depths=current_depths())
    return render_template("queues.html")


@queue_depths.app_context_processor
def _depths_for_pages() -> dict:
    # Functions, called only by the templates that use them: other pages pay nothing.
    return {"queue_depths": current_depths, "can_act": can_act, "as_json": as_json}


def as_json(value: object) -> str:
    """Data as indented JSON text; the template escapes it like any other text."""
    return json.dumps(value, indent=2, default=str, ensure_ascii=False, sort_keys=True)


@queue_depths.get("/queues")
@require_role("viewer")
def queues():
    """Every queue and how deep it is, the way into each."""
    return render_template("queues.html")
