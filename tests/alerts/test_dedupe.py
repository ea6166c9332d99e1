"""Dedupe by key inside a window, the per-channel rate limit, and the resolving link."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import select

from revhub.alerts import Alert, raise_alert
from revhub.alerts.events import RESOLVING_PAGES
from revhub.store import AlertDelivery, AlertLog, utcnow

pytestmark = pytest.mark.store


def _alert(key: str = "dead_letters:xero", kind: str = "dead_letters") -> Alert:
    return Alert(kind, key, "3 new dead letters to xero", "The outbox gave up.", "critical")


def test_same_key_inside_the_window_is_one_alert_and_the_rest_are_counted(db, receiver, webhook_settings):
    now = utcnow()
    first = raise_alert(db, _alert(), webhook_settings, now=now)
    again = [raise_alert(db, _alert(), webhook_settings, now=now + timedelta(minutes=m)) for m in (1, 2, 3)]
    assert first.sent and first.deliveries == {"webhook": "sent"}
    assert [r.sent for r in again] == [False, False, False]
    assert len(receiver.received) == 1
    with db.session() as s:
        row = s.scalar(select(AlertLog))
        assert (row.suppressed, row.suppressed_total, row.sent_count) == (3, 3, 1)

    # Past the window it is sent again, saying how many were held back, and the count restarts.
    later = raise_alert(db, _alert(), webhook_settings, now=now + timedelta(hours=1, minutes=1))
    assert later.sent and later.suppressed == 3
    assert receiver.received[-1]["body"]["alert"]["suppressed"] == 3
    with db.session() as s:
        row = s.scalar(select(AlertLog))
        assert (row.suppressed, row.suppressed_total, row.sent_count) == (0, 3, 2)
        # The link to the page that resolves it is sent and logged.
        assert row.link == "https://hub.example.com/outbox?status=dead"
    assert receiver.received[0]["body"]["alert"]["link"] == "https://hub.example.com/outbox?status=dead"

    # Another key is another alert, even inside the window.
    assert raise_alert(db, _alert("dead_letters:salesforce"), webhook_settings, now=now).sent
    assert receiver.received[-1]["body"]["alert"]["key"] == "dead_letters:salesforce"


def test_over_its_hourly_limit_a_channel_is_not_called_and_a_failing_one_is_logged(db, receiver, webhook_settings):
    settings = dataclasses.replace(webhook_settings, rate_per_hour=2)
    outcomes = [raise_alert(db, _alert(f"conflicts:e{i}", "conflicts"), settings).deliveries["webhook"]
                for i in range(4)]
    assert outcomes == ["sent", "sent", "rate_limited", "rate_limited"]
    assert len(receiver.received) == 2
    # An hour on, the allowance is back.
    later = raise_alert(db, _alert("conflicts:e9", "conflicts"), settings, now=utcnow() + timedelta(hours=1, seconds=5))
    assert later.deliveries == {"webhook": "sent"}
    with db.session() as s:
        assert sorted(s.scalars(select(AlertDelivery.outcome))) == ["rate_limited"] * 2 + ["sent"] * 3

    # A failing channel is logged, not raised.
    receiver.status = 503
    raised = raise_alert(db, _alert(), webhook_settings)
    assert raised.deliveries == {"webhook": "failed"}
    assert "answered 503" in raised.errors["webhook"]
    with db.session() as s:
        delivery = s.scalar(select(AlertDelivery).where(AlertDelivery.alert_id == raised.alert_id))
        assert (delivery.outcome, delivery.ok) == ("failed", False) and "503" in delivery.error


@pytest.mark.parametrize("kind", sorted(RESOLVING_PAGES))
def test_each_alert_links_to_the_page_that_resolves_it(kind):
    link = Alert(kind, f"{kind}:x", "t", "x").link("https://hub.example.com/")
    assert link == "https://hub.example.com" + RESOLVING_PAGES[kind]


def test_unknown_kind_or_severity_is_refused():
    with pytest.raises(ValueError, match="unknown alert kind"):
        Alert("nope", "k", "t", "x")
    with pytest.raises(ValueError, match="unknown severity"):
        Alert("books", "k", "t", "x", "loud")
