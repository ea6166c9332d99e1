"""The periodic check over real store rows: what is new raises an alert, once."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from revhub.alerts import check
from revhub.alerts.check import books_alert, books_checked
from revhub.connections import Vault, save_connection
from revhub.ledger.check import Entry, compare
from revhub.mappings.outbox import retry_dead
from revhub.store import AlertLog, Connection, OutboxMessage, SyncException, SyncRun, utcnow
from revhub.sync.scheduler import build_scheduler

pytestmark = pytest.mark.store


def _dead_letter(db, target: str = "xero") -> None:
    with db.session(write=True) as s:
        s.add(OutboxMessage(target_system=target, entity="invoice", record_id=uuid.uuid4(), record_version=1,
                            operation="create", payload={}, idempotency_key=uuid.uuid4().hex, status="dead",
                            attempts=8, last_error="xero answered 400"))


def _failed_run(db, connection: str = "xero", entity: str = "invoice", note: str = "xero answered 500") -> None:
    with db.session(write=True) as s:
        conn = s.scalar(select(Connection).where(Connection.name == connection))
        s.add(SyncRun(connection_id=conn.id, entity=entity, status="failed", finished_at=utcnow(), note=note))


def _exception(db, kind: str = "ambiguous_match") -> None:
    with db.session(write=True) as s:
        s.add(SyncException(kind=kind, entity="customer", system="xero", external_id="c-9",
                            message="two customers match"))


def _keys(raised, db) -> list[str]:
    with db.session() as s:
        by_id = dict(s.execute(select(AlertLog.id, AlertLog.dedupe_key)).all())
    return sorted(by_id[r.alert_id] for r in raised)


def test_new_problems_raise_one_alert_each_and_nothing_twice(db, conflict_id, receiver, webhook_settings):
    _dead_letter(db)
    _dead_letter(db)
    _failed_run(db)
    _exception(db)
    raised = check(db, settings=webhook_settings)
    assert _keys(raised, db) == ["conflicts:customer", "dead_letters:xero", "exceptions:ambiguous_match",
                                 "failed_runs:xero:invoice"]
    by_kind = {r["body"]["alert"]["kind"]: r["body"]["alert"] for r in receiver.received}
    assert by_kind["dead_letters"]["title"] == "2 new dead letters to xero"
    assert by_kind["dead_letters"]["link"] == "https://hub.example.com/outbox?status=dead"
    assert by_kind["failed_runs"]["link"] == "https://hub.example.com/runs?status=failed"
    assert "xero answered 500" in by_kind["failed_runs"]["text"]
    assert by_kind["conflicts"]["link"] == "https://hub.example.com/conflicts"
    assert by_kind["exceptions"]["link"] == "https://hub.example.com/exceptions"

    # Nothing new: nothing raised, not even as suppressed.
    assert check(db, settings=webhook_settings) == []
    # A new dead letter to the same target inside the window is counted, not sent.
    _dead_letter(db)
    [again] = check(db, settings=webhook_settings)
    assert not again.sent and again.suppressed == 1
    assert len(receiver.received) == 4
    # Another target is another alert.
    _dead_letter(db, "salesforce")
    [other] = check(db, settings=webhook_settings)
    assert other.sent and receiver.received[-1]["body"]["alert"]["key"] == "dead_letters:salesforce"

    # A dead letter retried by hand that dies again keeps its id, and is new again.
    retry_dead(db)
    assert check(db, settings=webhook_settings) == []
    with db.session(write=True) as s:
        s.scalar(select(OutboxMessage).where(OutboxMessage.target_system == "salesforce")).status = "dead"
    [again] = check(db, settings=webhook_settings)
    assert not again.sent and again.suppressed == 1  # inside the window: counted against the same key


def test_failed_runs_are_grouped_and_resolved_rows_are_not_alerts(db, connections, receiver, webhook_settings):
    with db.session(write=True) as s:
        s.add(SyncException(kind="unmapped", entity="invoice", system="xero", message="x", status="resolved"))
        s.add(OutboxMessage(target_system="xero", entity="invoice", record_id=uuid.uuid4(), record_version=1,
                            operation="create", payload={}, idempotency_key="k-sent", status="sent"))
    for _ in range(3):
        _failed_run(db, "stripe", "payment", "stripe answered 401: invalid api key")
    [raised] = check(db, settings=webhook_settings)
    assert raised.sent
    alert = receiver.received[0]["body"]["alert"]
    assert alert["title"] == "Sync of payment from stripe failed (3 times)"
    assert alert["text"] == "Last failure: stripe answered 401: invalid api key"


def _xero(db, config, issued_days_ago: float) -> Vault:
    vault = Vault(config.encryption_key)
    with db.session(write=True) as s:
        save_connection(s, vault, name="xero-books", provider="xero",
                        credentials={"client_id": "x", "client_secret": "y", "refresh_token": "r",
                                     "refresh_token_issued_at": time.time() - issued_days_ago * 86400})
    return vault


def test_a_xero_refresh_token_expiring_within_a_week_is_an_alert(db, config, receiver, webhook_settings):
    vault = _xero(db, config, issued_days_ago=55.5)
    [raised] = check(db, vault, settings=webhook_settings)
    alert = receiver.received[0]["body"]["alert"]
    assert alert["key"] == "token_expiry:xero-books" and alert["severity"] == "warning"
    assert alert["title"] == "Xero refresh token of xero-books expires in 4 day(s)"
    assert alert["link"] == "https://hub.example.com/"
    # Checked every minute, it is said once a day.
    assert not check(db, vault, settings=webhook_settings, now=utcnow() + timedelta(hours=23))[0].sent
    later = check(db, vault, settings=webhook_settings, now=utcnow() + timedelta(hours=25))
    assert later[0].sent

    # Expired: critical. Renewed (a fresh token saved over it): quiet.
    assert check(db, vault, settings=webhook_settings, now=utcnow() + timedelta(days=5))[0].sent
    assert receiver.received[-1]["body"]["alert"]["severity"] == "critical"
    assert "has expired" in receiver.received[-1]["body"]["alert"]["title"]
    fresh = _xero(db, config, issued_days_ago=10)
    assert check(db, fresh, settings=webhook_settings, now=utcnow() + timedelta(days=7)) == []

    # The worker's scheduler runs the check every minute.
    job = build_scheduler(db, vault).get_job("alerts:check")
    assert job is not None and job.trigger.interval == timedelta(seconds=60)


def test_a_non_zero_books_check_raises_an_alert(db, receiver, webhook_settings, monkeypatch):
    from datetime import date

    charge = Entry("stripe", "payment", "ch_1", "EUR", 10_000, date(2026, 11, 5), frozenset({"pi_1"}), ("txn_1",),
                   True, False, False)
    stored = Entry("store", "payment", "pay-1", "EUR", 10_000, date(2026, 11, 5), frozenset({"ch_1", "pi_1"}), (),
                   True, False, False)
    report = compare([charge, stored])
    assert books_alert(compare([])) is None
    for name, value in {"REVHUB_PUBLIC_URL": "https://hub.example.com", "REVHUB_ALERT_WEBHOOK_URL": receiver.url,
                        "REVHUB_ALERT_WEBHOOK_SECRET": "whsec_test_alerts"}.items():
        monkeypatch.setenv(name, value)
    raised = books_checked(db, report, "2026-11")
    assert raised.sent
    alert = receiver.received[0]["body"]["alert"]
    assert (alert["key"], alert["link"]) == ("books:2026-11", "https://hub.example.com/ledger")
    assert alert["title"] == "Books check for 2026-11: 1 difference" and "ch_1" in alert["text"]
