"""The inbox under concurrent deliveries: group commit stores each event once and tells each
caller exactly what was new; a database that refuses the write is a 503, never an ack."""

import threading

import pytest
from sqlalchemy import func, select, text

from revhub.store import InboxEvent
from revhub.webhooks.inbox import IncomingEvent, store
from tests.webhooks.conftest import stripe_event, stripe_header

pytestmark = pytest.mark.store


def event(number: int) -> IncomingEvent:
    event_id = f"evt_1Burst{number:05d}"
    return IncomingEvent(event_id, "invoice.paid", stripe_event(event_id=event_id, kind="invoice.paid"))


def stored_ids(db) -> list[str]:
    with db.session() as s:
        return s.scalars(select(InboxEvent.event_id).order_by(InboxEvent.event_id)).all()


def test_concurrent_deliveries_overlapping_on_event_ids_store_each_event_once_and_count_it_once(db):
    # Eight senders, each delivering 60 events of which 40 another sender also delivers: the
    # redeliveries a provider makes when an acknowledgement was slow.
    engine, results, errors = db.inbox_engine, [], []
    start = threading.Barrier(8)

    def sender(number: int) -> None:
        try:
            start.wait()
            for n in range(number * 20, number * 20 + 60):
                results.append(store(engine, "stripe", None, [event(n % 200)]))
        except Exception as exc:  # noqa: BLE001 - reported below, with the test's own assertion
            errors.append(exc)

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert len(results) == 8 * 60
    assert stored_ids(db) == sorted({f"evt_1Burst{n % 200:05d}" for i in range(8) for n in range(i * 20, i * 20 + 60)})
    assert sum(results) == len(stored_ids(db))  # exactly one caller was told each event was new


def test_a_delivery_of_several_events_counts_only_those_not_seen_before(db):
    engine = db.inbox_engine
    assert store(engine, "xero", None, [event(1), event(2)]) == 2
    assert store(engine, "xero", None, [event(2), event(3), event(3)]) == 1
    assert stored_ids(db) == ["evt_1Burst00001", "evt_1Burst00002", "evt_1Burst00003"]


def test_a_delivery_larger_than_one_statement_is_stored_whole_with_one_arrival_time(db):
    assert store(db.inbox_engine, "xero", None, [event(n) for n in range(450)]) == 450
    assert len(stored_ids(db)) == 450
    with db.session() as s:
        assert s.scalar(select(func.count(func.distinct(InboxEvent.received_at)))) == 1


def test_an_event_the_database_refuses_is_answered_503_and_stored_once_sent_again(hooked, db):
    client = hooked.test_client()
    body = stripe_event(event_id="evt_1Refused")
    headers = {"Content-Type": "application/json", "Stripe-Signature": stripe_header(body)}
    with db.engine.begin() as conn:  # the inbox table unreachable, as a broken migration would leave it
        conn.execute(text("ALTER TABLE inbox_events RENAME TO inbox_events_away"))
    try:
        refused = client.post("/webhooks/stripe/stripe", data=body, headers=headers)
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("ALTER TABLE inbox_events_away RENAME TO inbox_events"))
    assert refused.status_code == 503
    assert refused.json["error"] and refused.headers["Retry-After"] == "30"
    again = client.post("/webhooks/stripe/stripe", data=body, headers=headers)
    assert (again.status_code, again.json) == (200, {"received": True, "duplicate": False})
    assert stored_ids(db) == ["evt_1Refused"]
