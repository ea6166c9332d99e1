"""Approval thresholds, the dunning schedule and the reminders sent (issue 13).

Not audited by the ORM hook: thresholds and schedule edits get an explicit audit entry from the
page or command that makes them; a reminder is logged on its invoice's timeline when sent.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from revhub.store.base import Base, utcnow
from revhub.store.ids import new_id

REMINDER_STATUSES = ("sending", "sent", "failed", "uncertain")


class ApprovalThreshold(Base):
    """Per currency: above ``approver_above_minor`` a PO needs an approver; above
    ``finance_lead_above_minor`` (when set) a second approval by a finance lead as well."""

    __tablename__ = "approval_thresholds"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    approver_above_minor: Mapped[int] = mapped_column(BigInteger)
    finance_lead_above_minor: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(128), default="")


class DunningStep(Base):
    """One step of the reminder schedule of a payment term: ``offset_days`` from the due date
    (negative: before it); ``tone`` picks the template (friendly, due, reminder, escalation, final)."""

    __tablename__ = "dunning_steps"
    __table_args__ = (UniqueConstraint("payment_terms", "offset_days"),
                      CheckConstraint("tone IN ('friendly', 'due', 'reminder', 'escalation', 'final')", name="tone"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    payment_terms: Mapped[str] = mapped_column(String(16))
    offset_days: Mapped[int] = mapped_column(Integer)
    tone: Mapped[str] = mapped_column(String(16))


class Reminder(Base):
    """A reminder, written (``sending``) in its own committed transaction before the mail goes
    out; ``key`` (invoice and step) is unique, so one reminder is never sent twice."""

    __tablename__ = "reminders"
    __table_args__ = (CheckConstraint("status IN ('sending', 'sent', 'failed', 'uncertain')", name="status"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    invoice_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(255))
    amount_due_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="sending")
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    # The Task recording it on the customer's Salesforce Account (revhub.dunning.activity).
    salesforce_task_id: Mapped[str | None] = mapped_column(String(18))
