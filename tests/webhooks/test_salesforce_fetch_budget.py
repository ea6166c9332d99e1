"""Inbound Salesforce messages never cost unbounded API calls: a forged large message is refused,
and the records a legitimate message names are fetched once each, in batches, within a
per-drain budget (the rest stays queued). Calls are counted at the sandbox."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import func, select

from revhub.sandbox.salesforce.outbound import Notification
from revhub.store import Customer, InboxEvent
from revhub.webhooks.coalesce import DrainFetches
from revhub.webhooks.worker import InboxWorker
from tests.integration.conftest import sandboxes, vault  # noqa: F401 - fixtures

pytestmark = pytest.mark.store

UNIQUE = 40


@pytest.fixture
def org(sandboxes):  # noqa: F811
    running = sandboxes("salesforce", companies=0)
    sf = running["salesforce"]
    accounts = sf.sandbox.insert_records("Account", [{"Name": f"Coalesced {i} Ltd"} for i in range(UNIQUE)])
    definition = sf.sandbox.add_outbound_message("Account", ["Id", "Name"], "https://127.0.0.1:9/unused")
    return sf, accounts, definition, running.clock


def envelope(sf, definition, record_ids: list[str], first: int = 0) -> bytes:
    notifications = [Notification(f"04l{n:012d}AAA", definition.action_id, record_id, 0.0, 0.0)
                     for n, record_id in enumerate(record_ids, start=first)]
    return sf.sandbox.outbound.envelope(definition, notifications)


def deliver(app, sf, body: bytes, secret: str | None = None):
    url = f"/webhooks/salesforce/salesforce/{secret or sf.credentials['outbound_secret']}"
    return app.test_client().post(url, data=body, content_type="text/xml; charset=utf-8")


def count(db, model, *where) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_a_forged_large_message_is_refused_and_costs_nothing(app, db, org):
    sf, accounts, definition, clock = org
    body = envelope(sf, definition, [accounts[n % UNIQUE] for n in range(3000)])
    assert len(body) > 500_000
    used = sf.sandbox.usage.used()
    forged = deliver(app, sf, body, secret="guessed-from-the-org-id")
    assert forged.status_code == 401 and b"Fault" in forged.data
    over_the_cap = deliver(app, sf, body)  # even with the URL's secret: Salesforce never sends > 100
    assert over_the_cap.status_code == 400 and b"more than 100 notifications" in over_the_cap.data
    assert count(db, InboxEvent) == 0
    assert sf.sandbox.usage.used() == used


def test_100_notifications_of_40_records_cost_one_batched_query_per_200_records(app, db, vault, org):  # noqa: F811
    sf, accounts, definition, clock = org
    response = deliver(app, sf, envelope(sf, definition, [accounts[n % UNIQUE] for n in range(100)]))
    assert response.status_code == 200, response.data
    used = sf.sandbox.usage.used()
    result = InboxWorker(db, vault, "w").drain()
    assert sf.sandbox.usage.used() - used <= math.ceil(UNIQUE / 200)
    assert (result.processed + result.ignored, result.failed, result.deferred) == (100, 0, 0)
    assert count(db, Customer) == UNIQUE


def test_records_are_fetched_in_batches_of_the_configured_size(app, db, vault, org):  # noqa: F811
    sf, accounts, definition, clock = org
    assert deliver(app, sf, envelope(sf, definition, [accounts[n % UNIQUE] for n in range(100)])).status_code == 200
    used = sf.sandbox.usage.used()
    InboxWorker(db, vault, "w", fetch_batch=15).drain()
    assert sf.sandbox.usage.used() - used == math.ceil(UNIQUE / 15)
    assert count(db, Customer) == UNIQUE


def test_past_the_drains_budget_events_stay_queued_without_losing_an_attempt(app, db, vault, org):  # noqa: F811
    sf, accounts, definition, clock = org
    assert deliver(app, sf, envelope(sf, definition, [accounts[n % UNIQUE] for n in range(100)])).status_code == 200
    used = sf.sandbox.usage.used()
    result = InboxWorker(db, vault, "w", fetch_budget=2, fetch_batch=10).drain()
    assert sf.sandbox.usage.used() - used == 2
    assert count(db, Customer) == 20
    # Records 0-19 are named three times each (events 0-59 and 80-99), records 20-39 twice.
    assert result.deferred == 40 and result.processed + result.ignored == 60
    with db.session() as s:
        left = s.scalars(select(InboxEvent).where(InboxEvent.status == "pending")).all()
    assert len(left) == 40 and {e.attempts for e in left} == {0} and all(e.next_attempt_at for e in left)


def test_a_record_fetched_earlier_in_the_drain_answers_later_batches_received_before_it(app, db, vault, org):  # noqa: F811
    sf, accounts, definition, clock = org
    assert deliver(app, sf, envelope(sf, definition, [accounts[n % UNIQUE] for n in range(100)])).status_code == 200
    used = sf.sandbox.usage.used()
    InboxWorker(db, vault, "w").drain(limit=25)  # four claims: records 0-24, then 25-39 and 0-9, ...
    assert sf.sandbox.usage.used() - used == 2
    assert count(db, Customer) == UNIQUE


def test_an_event_received_after_the_drains_fetch_is_fetched_again(app, db, vault, org):  # noqa: F811
    sf, accounts, definition, clock = org
    first = envelope(sf, definition, [accounts[0]])
    assert deliver(app, sf, first).status_code == 200
    worker, fetches = InboxWorker(db, vault, "w"), DrainFetches(db)
    assert worker.drain_once(fetches=fetches).processed == 1
    clock.advance(5)
    sf.sandbox.store.update("Account", accounts[0], {"Name": "Renamed After The Fetch Ltd"})
    later = envelope(sf, definition, [accounts[0]], first=1)
    assert deliver(app, sf, later).status_code == 200
    assert worker.drain_once(fetches=fetches).processed == 1  # same drain, but this event is newer
    with db.session() as s:
        assert s.scalars(select(Customer.name)).all() == ["Renamed After The Fetch Ltd"]
