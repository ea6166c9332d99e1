"""The reminders job: what is due goes out in the configured zone's business hours, once;
paused customers and paused payment connections hold it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from revhub.config import ConfigError
from revhub.dunning.pauses import set_paused
from revhub.scheduled.reminders import send_scheduled
from revhub.scheduled.settings import finance_schedule
from revhub.store import AuditEntry, Connection, Reminder
from tests.dunning.books import customer, invoice

pytestmark = pytest.mark.store
# Tuesday 8 December 2026, 10:00 UTC: a week after the due date, in business hours.
TUESDAY = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)


@pytest.fixture
def books(connections):
    customer(connections)
    invoice(connections)
    return connections


def test_a_due_reminder_is_sent_once_and_not_again_on_the_next_tick(books, vault, smtp_server):
    first = send_scheduled(books, vault, now=TUESDAY)
    assert first.held is None and len(first.report.sent) == 1
    again = send_scheduled(books, vault, now=TUESDAY + timedelta(minutes=15))
    assert again.report.sent == [] and len(smtp_server.received()) == 1
    with books.session() as s:
        assert s.scalar(select(AuditEntry.actor).where(AuditEntry.action == "reminder")) == "scheduler:reminders"


def test_nothing_leaves_outside_business_hours(books, vault, smtp_server, monkeypatch):
    monkeypatch.setenv("REVHUB_REMINDERS_TIMEZONE", "Europe/Amsterdam")
    evening = datetime(2026, 12, 8, 17, 30, tzinfo=UTC)  # 18:30 in Amsterdam
    assert "outside business hours" in send_scheduled(books, vault, now=evening).held
    saturday = datetime(2026, 12, 12, 10, 0, tzinfo=UTC)
    assert "outside business hours" in send_scheduled(books, vault, now=saturday).held
    assert smtp_server.received() == []


def test_the_day_is_the_configured_zones(books, vault, smtp_server, monkeypatch):
    # Monday 7 December 23:30 UTC is Tuesday 8 December 08:30 in Tokyo: the d+7 step, not the d+6 one.
    monkeypatch.setenv("REVHUB_REMINDERS_TIMEZONE", "Asia/Tokyo")
    monkeypatch.setenv("REVHUB_REMINDERS_HOURS", "08-17")
    run = send_scheduled(books, vault, now=datetime(2026, 12, 7, 23, 30, tzinfo=UTC))
    assert run.held is None
    with books.session() as s:
        assert s.scalar(select(Reminder.key)).endswith(":d+7")
    assert smtp_server.received()[0].subject == "Reminder: invoice RH-000001 is overdue"


def test_a_paused_customer_gets_no_scheduled_reminder(books, vault, smtp_server):
    with books.session(write=True) as s:
        set_paused(s, "ap@acmelabs.example", paused=True, actor="test")
    run = send_scheduled(books, vault, now=TUESDAY)
    assert run.held is None and run.report.sent == [] and smtp_server.received() == []


def test_a_paused_payment_connection_holds_every_reminder(books, vault, smtp_server):
    with books.session(write=True) as s:
        s.scalar(select(Connection).where(Connection.name == "stripe")).paused_at = TUESDAY
    run = send_scheduled(books, vault, now=TUESDAY)
    assert run.held == "stripe paused: payments may be unseen" and smtp_server.received() == []


def test_a_paused_crm_connection_does_not_hold_reminders(books, vault, smtp_server):
    with books.session(write=True) as s:
        s.scalar(select(Connection).where(Connection.name == "salesforce")).paused_at = TUESDAY
    assert len(send_scheduled(books, vault, now=TUESDAY).report.sent) == 1


def test_settings_name_the_variable_that_is_wrong():
    for env, name in (({"REVHUB_REMINDERS_TIMEZONE": "Mars/Olympus"}, "REVHUB_REMINDERS_TIMEZONE"),
                      ({"REVHUB_REMINDERS_HOURS": "17-09"}, "REVHUB_REMINDERS_HOURS"),
                      ({"REVHUB_REMINDERS_DAYS": "weekdays"}, "REVHUB_REMINDERS_DAYS"),
                      ({"REVHUB_FIGURES_INTERVAL_SECONDS": "hourly"}, "REVHUB_FIGURES_INTERVAL_SECONDS")):
        with pytest.raises(ConfigError, match=name):
            finance_schedule(env)
    assert finance_schedule({"REVHUB_REMINDERS_DAYS": "fri-mon"}).reminders_days == {4, 5, 6, 0}

