"""The console's front page: what the store holds and what needs an admin."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select

from revhub.store import (
    AuditEntry,
    Conflict,
    Contact,
    Customer,
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
)

overview = Blueprint("overview", __name__)

ENTITIES = (("Customers", Customer), ("Contacts", Contact), ("Products", Product),
            ("Purchase orders", PurchaseOrder), ("Invoices", Invoice), ("Payments", Payment),
            ("Refunds & credit notes", Refund), ("Subscriptions", Subscription))


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


@overview.get("/")
def index():
    from revhub.app import get_db

    with get_db().session() as s:
        counts = [(label, _count(s, model, model.deleted_at.is_(None))) for label, model in ENTITIES]
        queues = {
            "Open conflicts": _count(s, Conflict, Conflict.status == "open"),
            "Open exceptions": _count(s, SyncException, SyncException.status == "open"),
            "Inbox pending": _count(s, InboxEvent, InboxEvent.status == "pending"),
            "Outbox pending": _count(s, OutboxMessage, OutboxMessage.status == "pending"),
            "Dead letters": _count(s, OutboxMessage, OutboxMessage.status == "dead"),
        }
        runs = s.scalars(select(SyncRun).order_by(SyncRun.started_at.desc()).limit(10)).all()
        audit = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(15)).all()
    return render_template("overview.html", counts=counts, queues=queues, runs=runs, audit=audit)
