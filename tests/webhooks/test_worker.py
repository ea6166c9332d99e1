"""Processing the inbox: exactly once, newest version wins, crash-safe, several workers."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from revhub.connections import Vault
from revhub.store import AuditEntry, Customer, InboxEvent, utcnow
from revhub.webhooks.worker import InboxWorker, claim, replay
from tests.webhooks.conftest import stripe_event, stripe_header

pytestmark = pytest.mark.store


def deliver(app, body: bytes) -> None:
    assert app.test_client().post("/webhooks/stripe/stripe", data=body,
                                  headers={"Stripe-Signature": stripe_header(body)}).status_code == 200


def worker(db, config, name="w1") -> InboxWorker:
    return InboxWorker(db, Vault(config.encryption_key), name)


def names(db) -> list[str]:
    with db.session() as s:
        return s.scalars(select(Customer.name)).all()


def test_a_delivered_event_changes_the_store_once_however_often_it_arrives(hooked, db, config):
    for _ in range(5):
        deliver(hooked, stripe_event(kind="customer.created"))
    result = worker(db, config).drain()
    assert (result.processed, result.applied.created) == (1, 1)
    assert names(db) == ["Acme Labs Inc."]


def test_events_in_reverse_order_end_in_the_newest_state(hooked, db, config):
    for i, name in reversed(list(enumerate(["Acme", "Acme Labs", "Acme Labs Inc."]))):
        deliver(hooked, stripe_event(event_id=f"evt_{i}", created=1764000000 + i, name=name))
    result = worker(db, config).drain()
    assert names(db) == ["Acme Labs Inc."]
    assert result.ignored == 2  # the two older versions arrived after the newest


def test_a_replay_does_not_double_anything(hooked, db, config):
    deliver(hooked, stripe_event(kind="customer.created"))
    worker(db, config).drain()
    assert replay(db, provider="stripe") == 1
    worker(db, config).drain()
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == 1
        assert s.scalar(select(InboxEvent.status)) == "processed"


def test_events_claimed_by_a_worker_that_died_are_processed_after_its_claim_expires(hooked, db, config):
    for i in range(3):
        deliver(hooked, stripe_event(event_id=f"evt_{i}", email=f"ap{i}@x.example", id=f"cus_{i}"))
    assert len(claim(db, "dead-worker", limit=10)) == 3  # ...and then the process is killed
    assert worker(db, config).drain().processed == 0     # its claim still holds
    with db.session(write=True) as s:
        s.execute(update(InboxEvent).values(locked_until=utcnow() - timedelta(seconds=1)))
    assert worker(db, config).drain().processed == 3
    assert len(names(db)) == 3


def test_an_unknown_event_type_is_ignored_with_a_reason(hooked, db, config):
    deliver(hooked, stripe_event(kind="balance.available"))
    assert worker(db, config).drain().ignored == 1
    with db.session() as s:
        assert "balance.available" in s.scalar(select(InboxEvent.error))


def test_a_burst_processed_by_two_workers_is_applied_exactly_once(hooked, db, config):
    for i in range(1000):
        deliver(hooked, stripe_event(event_id=f"evt_{i:04d}", id=f"cus_{i:04d}", email=f"ap{i}@burst.example",
                                     kind="customer.created"))
    results = []

    def run(name):
        results.append(worker(db, config, name).drain(limit=50))

    threads = [threading.Thread(target=run, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.processed for r in results) == 1000
    assert sum(r.applied.created for r in results) == 1000
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 1000
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == 1000
        assert s.scalar(select(func.count()).select_from(InboxEvent).where(InboxEvent.status != "processed")) == 0


def test_an_event_of_a_connection_that_no_longer_exists_is_parked_saying_so(hooked, db, config):
    import uuid

    from revhub.webhooks.inbox import IncomingEvent, store

    gone = uuid.uuid4()  # the inbox has no foreign key (migration 0018): nothing refuses the row
    assert store(db.inbox_engine, "stripe", gone, [IncomingEvent("evt_orphan", "customer.created",
                                                                 stripe_event(kind="customer.created"))]) == 1
    assert worker(db, config).drain().parked == 1
    with db.session() as s:
        assert s.scalar(select(InboxEvent.error)) == f"LookupError: connection {gone} no longer exists"


def test_on_postgresql_the_status_index_holds_only_waiting_events(hooked, db, config):
    from sqlalchemy import inspect

    indexes = {ix["name"]: ix for ix in inspect(db.engine).get_indexes("inbox_events")}
    assert indexes["ix_inbox_events_status"]["column_names"] == ["status"]
    assert not inspect(db.engine).get_foreign_keys("inbox_events")
    if db.dialect == "postgresql":
        with db.engine.connect() as conn:
            definition = conn.exec_driver_sql(
                "SELECT pg_get_indexdef('ix_inbox_events_status'::regclass)").scalar()
        assert "WHERE" in definition and "'parked'" in definition and "'processed'" not in definition
