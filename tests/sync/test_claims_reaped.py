"""Queue messages claimed by a worker process that died are taken back at the next claim,
not after the claim's 300 s, and say why; a live worker's claims are left alone."""

import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from revhub.mappings import outbox
from revhub.store import InboxEvent, OutboxMessage, utcnow
from revhub.sync.liveness import process_name, this_host
from revhub.webhooks import worker as inbox

pytestmark = pytest.mark.store


def dead_worker() -> str:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return f"{this_host()}:{child.pid}:140000000000"


def claimed_by(holder: str) -> dict:
    return {"status": "processing", "locked_by": holder, "locked_until": utcnow() + timedelta(seconds=300),
            "attempts": 1}


def test_outbox_messages_of_a_dead_worker_are_reclaimed_at_once_with_the_reason(db):
    dead, alive = dead_worker(), f"{process_name()}:1"
    with db.session(write=True) as s:
        for n, holder in enumerate((dead, alive)):
            s.add(OutboxMessage(target_system="stripe", entity="customer", record_id=uuid.uuid4(), record_version=1,
                                operation="create", payload={}, idempotency_key=f"k-{n}", **claimed_by(holder)))
    taken = outbox.claim(db, "worker-2")
    assert [m.idempotency_key for m in taken] == ["k-0"]
    assert taken[0].last_error == f"reclaimed: its worker {dead} no longer exists"
    with db.session() as s:
        assert s.scalar(select(OutboxMessage.locked_by).where(OutboxMessage.idempotency_key == "k-1")) == alive


def test_inbox_events_of_a_dead_worker_are_reclaimed_at_once_with_the_reason(db):
    dead = dead_worker()
    with db.session(write=True) as s:
        s.add(InboxEvent(provider="stripe", event_id="evt_1", body=b"{}", **claimed_by(dead)))
    taken = inbox.claim(db, "worker-2")
    assert [e.event_id for e in taken] == ["evt_1"]
    with db.session() as s:
        assert s.scalar(select(InboxEvent.error)) == f"reclaimed: its worker {dead} no longer exists"


def test_a_workers_own_claims_left_by_a_failed_pass_are_taken_again_by_its_next_pass(db):
    with db.session(write=True) as s:
        s.add(InboxEvent(provider="stripe", event_id="evt_1", body=b"{}", **claimed_by("w1")))
    assert inbox.claim(db, "w2") == []
    assert [e.event_id for e in inbox.claim(db, "w1")] == ["evt_1"]
