"""The inbox retries only what may pass: a provider's refusal is parked at once with its reason,
a transient failure is retried later."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from revhub.connections import Vault
from revhub.connectors.resilience import forget_limiters
from revhub.sandbox.faults import FaultRule
from revhub.sandbox.launch import SandboxSet
from revhub.store import Connection, InboxEvent
from revhub.webhooks.inbox import IncomingEvent, store
from revhub.webhooks.worker import InboxWorker

pytestmark = pytest.mark.store


@pytest.fixture
def salesforce(tmp_path, db, config):
    forget_limiters()
    running = SandboxSet(tmp_path / "sandboxes").start(("salesforce",))
    running["salesforce"].settings["retry_attempts"] = 1  # the inbox's retry is under test, not the client's
    running.connect(db, Vault(config.encryption_key))
    yield running
    running.stop()


def _deliver(db, event_id: str, record_id: str) -> None:
    with db.session() as s:
        connection_id = s.scalar(select(Connection.id).where(Connection.name == "salesforce"))
    body = json.dumps({"sobject": "Account", "id": record_id}).encode()
    store(db.engine, "salesforce", connection_id, [IncomingEvent(event_id, "Account", body)])


def _event(db, event_id: str) -> InboxEvent:
    with db.session() as s:
        return s.scalar(select(InboxEvent).where(InboxEvent.event_id == event_id))


def test_a_refused_fetch_is_parked_at_once_with_the_providers_reason(salesforce, db, config):
    # An id whose 18-character checksum suffix is wrong: Salesforce answers 400
    # INVALID_QUERY_FILTER_OPERATOR ("invalid ID field"), and will every time.
    _deliver(db, "sf-bad-id", "001000000000001AAZ")
    result = InboxWorker(db, Vault(config.encryption_key), "w1").drain_once()
    assert (result.parked, result.failed) == (1, 0)
    event = _event(db, "sf-bad-id")
    assert (event.status, event.attempts) == ("parked", 1)
    assert "FatalError" in event.error and "invalid ID field" in event.error
    assert len([r for r in salesforce["salesforce"].sandbox.requests.entries() if "/query" in r.path]) == 1


def test_a_transient_failure_is_retried_later(salesforce, db, config):
    salesforce["salesforce"].sandbox.faults.add(FaultRule(kind="503", count=1, path="/query"))
    _deliver(db, "sf-busy", "001000000000001AAA")
    result = InboxWorker(db, Vault(config.encryption_key), "w1").drain_once()
    assert (result.parked, result.failed) == (0, 1)
    event = _event(db, "sf-busy")
    assert event.status == "failed" and event.next_attempt_at is not None
    assert "RetriableError" in event.error
