"""The reminders job: what is due today goes out, in business hours, once.

Safe to run every few minutes: ``revhub.dunning.sender`` claims each reminder under its unique
key before the mail leaves, so a rerun or a second process never sends it again; the lease
(``dunning:send``) keeps two workers from even planning at the same time. The day is the
configured zone's (``REVHUB_REMINDERS_TIMEZONE``): a reminder dated the 8th leaves on the 8th
there, inside ``REVHUB_REMINDERS_HOURS`` on ``REVHUB_REMINDERS_DAYS``.

Held as a whole while a connection that brings payments in (Stripe, Xero, QuickBooks) is paused
by an admin: its payments are not being synced, so an invoice the customer has paid would look
open, and a dunning letter for a paid invoice is the one mistake a finance team cannot take
back. A customer's own pause holds its invoices (``revhub.dunning.rules``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from revhub.config import ConfigError
from revhub.connections import Vault
from revhub.connectors.registry import PROVIDER_ENTITIES
from revhub.dunning import payment_failed
from revhub.dunning.activity import push_pending
from revhub.dunning.planner import plan
from revhub.dunning.sender import SendReport, recover, send_planned
from revhub.mail import SmtpSender, smtp_settings
from revhub.scheduled.settings import FinanceSchedule, finance_schedule
from revhub.store import Connection, Database, utcnow
from revhub.sync.lease import lease

log = logging.getLogger(__name__)
LEASE = "dunning:send"
ACTOR = "scheduler:reminders"


@dataclass
class ReminderRun:
    """What one tick did: ``held`` says why nothing was sent, else ``report`` says what was."""

    held: str | None = None
    report: SendReport = field(default_factory=SendReport)


def paused_payment_sources(db: Database) -> list[str]:
    """Connections that bring payments in and that an admin has paused."""
    with db.session() as s:
        rows = s.execute(select(Connection.name, Connection.provider).where(
            Connection.enabled.is_(True), Connection.paused_at.is_not(None))).all()
    return [name for name, provider in rows if "payment" in PROVIDER_ENTITIES.get(provider, ())]


def send_scheduled(db: Database, vault: Vault, *, now: datetime | None = None,
                   schedule: FinanceSchedule | None = None) -> ReminderRun:
    """One tick of the reminders job (see the module's note); never sends a reminder twice."""
    now, schedule = now or utcnow(), schedule or finance_schedule()
    if not schedule.reminders_open(now):
        return ReminderRun(held=f"outside business hours ({schedule.reminders_zone})")
    paused = paused_payment_sources(db)
    if paused:
        log.info("reminders held: %s paused, its payments may be unseen", ", ".join(paused))
        return ReminderRun(held=f"{', '.join(paused)} paused: payments may be unseen")
    try:
        sender = SmtpSender(smtp_settings())
    except ConfigError as exc:
        log.warning("reminders not sent: %s", exc)
        return ReminderRun(held=str(exc))
    with lease(db, LEASE) as held:
        if not held:
            return ReminderRun(held=f"another process holds {LEASE}")
        uncertain = recover(db, now)
        with db.session() as s:
            items = plan(s, schedule.reminders_day(now)) + payment_failed.plan(s, now)
        report = send_planned(db, items, sender.send, actor=ACTOR)
        report.uncertain = uncertain
        tasks = push_pending(db, vault)  # the Salesforce activity of each reminder sent
        for key, error in tasks.failed:
            log.warning("salesforce task of reminder %s not written (retried next tick): %s", key, error)
    for key, error in report.failed:
        log.warning("reminder %s not sent (retried next tick): %s", key, error)
    for key in report.uncertain:
        log.error("reminder %s was interrupted mid-send: check the mail server, then `revhub reminders resolve`",
                  key)
    if report.sent:
        log.info("%d reminder(s) sent", len(report.sent))
    return ReminderRun(report=report)
