"""Two real `revhub worker` processes share the store: the reminder due today reaches the SMTP
server once, and later ticks of either worker send nothing more."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from revhub.store import AuditEntry, Reminder, utcnow
from tests.dunning.books import customer, invoice

pytestmark = pytest.mark.store


def worker(config, smtp_server) -> subprocess.Popen:
    env = {**os.environ, "REVHUB_DATABASE_URL": config.database_url, "REVHUB_HOME": str(config.home),
           "REVHUB_ENCRYPTION_KEY": config.encryption_key, "REVHUB_SECRET_KEY": config.secret_key,
           **smtp_server.environ(), "REVHUB_REMINDERS_INTERVAL_SECONDS": "1", "REVHUB_REMINDERS_HOURS": "00-24",
           "REVHUB_REMINDERS_DAYS": "mon-sun", "REVHUB_FIGURES_INTERVAL_SECONDS": "0",
           "REVHUB_JOURNALS_INTERVAL_SECONDS": "0"}
    return subprocess.Popen([sys.executable, "-c", "from revhub.cli import main; main()", "worker", "--grace", "20"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def ticks_done(db, n: int) -> bool:
    """The reminders lease was taken ``n`` times or more (once per tick of either worker)."""
    from revhub.store import JobLease

    with db.session() as s:
        return (s.scalar(select(JobLease.token).where(JobLease.name == "dunning:send")) or 0) >= n


def test_two_workers_send_the_due_reminder_once(connections, config, smtp_server):
    customer(connections)
    invoice(connections, due=utcnow().date() - timedelta(days=7))  # the d+7 step is due today (UTC)
    workers = [worker(config, smtp_server) for _ in range(2)]
    try:
        deadline = time.monotonic() + 60
        while not smtp_server.received():
            assert all(w.poll() is None for w in workers), [w.communicate()[0] for w in workers]
            assert time.monotonic() < deadline, "no reminder reached the SMTP server"
            time.sleep(0.1)
        first_tick = None
        while first_tick is None:  # the mail is out; the worker records it a moment later
            assert time.monotonic() < deadline + 30, "the sent reminder was never recorded"
            with connections.session() as s:
                first_tick = s.scalar(select(Reminder.sent_at))
            time.sleep(0.05)
        while not ticks_done(connections, 6):  # several more ticks, from both workers
            assert time.monotonic() < deadline + 60, "the reminders job stopped ticking"
            time.sleep(0.2)
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        outputs = [w.communicate(timeout=60)[0] for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    [mail] = smtp_server.received()
    assert mail.rcpt_tos == ("ap@acmelabs.example",)
    with connections.session() as s:
        assert [(r.status, r.sent_at) for r in s.scalars(select(Reminder))] == [("sent", first_tick)]
        assert s.scalars(select(AuditEntry.actor).where(AuditEntry.action == "reminder")).all() == [
            "scheduler:reminders"]
