"""Send today's reminders, each at most once.

Per reminder: (1) a row with the unique key (invoice, step) is committed as ``sending`` BEFORE
the mail goes out: a second sender, or a rerun, finds the key taken and skips it; (2) the mail
is sent; (3) the row becomes ``sent`` and the invoice's timeline gets an audit entry, in one
transaction. A crash between (1) and (3) leaves ``sending``: the mail may or may not have left.
After ``SENDING_TIMEOUT`` such a row is marked ``uncertain`` and never re-sent on its own (a
duplicate dunning letter is worse than a late one); ``revhub reminders resolve`` settles it.
A refusal by the SMTP server (the mail did not leave) marks it ``failed``; the next run retries.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from revhub.console import audit_trail
from revhub.dunning.messages import compose
from revhub.dunning.planner import PlannedReminder, plan
from revhub.mail import MailError
from revhub.store import Database, Reminder, utcnow

SENDING_TIMEOUT = timedelta(minutes=15)


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # taken by another sender meanwhile
    uncertain: list[str] = field(default_factory=list)  # interrupted sends found on this run


def recover(db: Database, now: datetime, timeout: timedelta = SENDING_TIMEOUT) -> list[str]:
    """Mark ``sending`` rows older than ``timeout`` as ``uncertain``; their keys."""
    with db.session(write=True) as s:
        stale = list(s.scalars(select(Reminder).where(Reminder.status == "sending",
                                                      Reminder.created_at < now - timeout)))
        for row in stale:
            row.status, row.error = "uncertain", "interrupted between claiming and confirming the send"
        return [row.key for row in stale]


def claim(db: Database, item: PlannedReminder, message: EmailMessage) -> uuid.UUID | None:
    """Commit the ``sending`` row of ``item`` (or take back a ``failed`` one); None if it is taken."""
    facts = item.facts
    values = {"recipient": facts.recipient, "subject": str(message["Subject"])[:255],
              "amount_due_minor": facts.amount_due_minor, "currency": facts.currency, "status": "sending",
              "error": None, "created_at": utcnow()}
    try:
        with db.session(write=True) as s:
            taken = s.scalar(select(Reminder).where(Reminder.key == item.key))
            if taken is None:
                row = Reminder(key=item.key, invoice_id=item.invoice_id, step=item.step, **values)
                s.add(row)
                s.flush()
                return row.id
            retried = s.execute(update(Reminder).where(Reminder.id == taken.id, Reminder.status == "failed")
                                .values(**values))
            return taken.id if retried.rowcount == 1 else None
    except IntegrityError:  # another sender inserted the key first
        return None


def confirm(db: Database, reminder_id: uuid.UUID, item: PlannedReminder, *, actor: str) -> None:
    """The mail left: ``sent``, and the invoice's timeline says so."""
    with db.session(write=True) as s:
        row = s.get(Reminder, reminder_id)
        row.status, row.sent_at = "sent", utcnow()
        audit_trail.record(s, actor=actor, source="dunning", action="reminder", record_id=item.invoice_id,
                           entity="invoice", details={"step": item.step, "tone": item.tone, "to": row.recipient,
                                                      "subject": row.subject, "amount_due_minor": row.amount_due_minor,
                                                      "currency": row.currency, "reminder_id": str(row.id)})


def fail(db: Database, reminder_id: uuid.UUID, error: str) -> None:
    with db.session(write=True) as s:
        row = s.get(Reminder, reminder_id)
        row.status, row.error = "failed", error[:2000]


def send_planned(db: Database, items: list[PlannedReminder], deliver: Callable[[EmailMessage], None], *,
                 actor: str = "dunning") -> SendReport:
    """Send each ``send`` item of ``items`` once (see the module's note)."""
    report = SendReport()
    for item in items:
        if item.action != "send":
            continue
        message = compose(item.facts, item.tone, message_id=make_msgid(idstring=item.step.replace(":", "-"),
                                                                        domain="revhub.invalid"))
        reminder_id = claim(db, item, message)
        if reminder_id is None:
            report.skipped.append(item.key)
            continue
        message.replace_header("Message-ID", f"<reminder-{reminder_id}@revhub.invalid>")
        try:
            deliver(message)
        except MailError as exc:
            fail(db, reminder_id, str(exc))
            report.failed.append((item.key, str(exc)))
            continue
        confirm(db, reminder_id, item, actor=actor)
        report.sent.append(item.key)
    return report


def send_due(db: Database, deliver: Callable[[EmailMessage], None], *, today: date, now: datetime | None = None,
             actor: str = "dunning") -> SendReport:
    """Recover interrupted sends, then send what today's plan says."""
    uncertain = recover(db, now or utcnow())
    with db.session() as s:
        items = plan(s, today)
        from revhub.dunning import payment_failed

        items += payment_failed.plan(s, now or utcnow())
    report = send_planned(db, items, deliver, actor=actor)
    report.uncertain = uncertain
    return report


def resolve(db: Database, key: str, *, sent: bool, actor: str) -> str:
    """Settle an ``uncertain`` reminder: ``sent`` (it did leave) or back to ``failed`` (retried next run)."""
    with db.session(write=True) as s:
        row = s.scalar(select(Reminder).where(Reminder.key == key))
        if row is None:
            raise LookupError(f"no reminder {key!r}")
        if row.status != "uncertain":
            raise ValueError(f"reminder {key} is {row.status}, not uncertain")
        row.status = "sent" if sent else "failed"
        row.error = f"resolved by {actor}: {'it was sent' if sent else 'it was not sent; retry'}"
        return row.status
