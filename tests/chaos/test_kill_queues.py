"""kill -9 of `revhub worker` while it drains the outbox (a provider write in flight) and the
inbox (an event being applied): the next worker takes the dead one's claims back at once,
not after their 300 s, and every write goes out once and every event is applied once."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from revhub.store import AuditEntry, Customer, InboxEvent, Link, OutboxMessage
from tests.chaos.conftest import calm, fault, fired, kill_when, provider_ids
from tests.integration.clients import drain, stripe_client
from tests.integration.writeback_hub import echoes_applied, start_hub, submit, webhooks_delivered

pytestmark = pytest.mark.store
POS = 3


def _queue(db, model) -> Counter:
    with db.session() as s:
        return Counter(s.scalars(select(model.status)).all())


def _settled(db, model, done: tuple[str, ...], timeout: float = 40) -> Counter:
    deadline = time.monotonic() + timeout
    while set(statuses := _queue(db, model)) - set(done):
        assert time.monotonic() < deadline, f"{model.__tablename__} not settled: {statuses}"
        time.sleep(0.1)
    return statuses


def _links(db) -> Counter:
    with db.session() as s:
        return Counter(dict(((system, entity), n) for system, entity, n in s.execute(
            select(Link.system, Link.entity, func.count()).group_by(Link.system, Link.entity))))


def _remote_counts(db, vault) -> Counter:
    return Counter({key: len(ids) for key, ids in provider_ids(db, vault).items()})


def test_a_worker_killed_mid_write_loses_and_doubles_no_write(db, vault, app, sandboxes, revhub):
    running, server = start_hub(db, vault, app, sandboxes)
    before, links_before = _remote_counts(db, vault), _links(db)
    for n in range(POS):
        submit(db, number=f"45000{n:05d}")
    rule = fault(running, "xero", kind="slow", delay=1.5, count=1, method="PUT", path="/Invoices")
    # fault: Xero takes the first invoice write and answers it only after the worker is dead

    killed = revhub.spawn("worker", "--no-schedule")
    kill_when(killed, lambda: fired(rule), "the Xero invoice write in flight")
    with db.session() as s:
        orphaned = s.scalar(select(func.count()).select_from(OutboxMessage)
                            .where(OutboxMessage.status == "processing"))
    assert orphaned >= 1  # killed holding claims
    time.sleep(1.6)  # Xero completes the write the dead worker never heard answered

    started = time.monotonic()
    successor = revhub.spawn("worker", "--no-schedule")
    _settled(db, OutboxMessage, ("sent", "skipped", "superseded"))
    assert time.monotonic() - started < 40  # the dead worker's claims came back at once, not after 300 s
    successor.kill()

    calm(running)
    after, links_after = _remote_counts(db, vault), _links(db)
    grown = Counter({key: after[key] - before[key] for key in after if after[key] != before[key]})
    # What a fault-free drain of these POs writes: each PO's invoice to Xero and Stripe, the PO to
    # Salesforce. More is doubled, less is lost. (The payee Xero made for the fee bookings is a
    # supplier, not a customer: the hub's reads leave it out.)
    assert grown == {("xero", "invoice"): POS, ("stripe", "invoice"): POS, ("salesforce", "purchase_order"): POS}, \
        grown
    for key in (("xero", "invoice"), ("stripe", "invoice"), ("salesforce", "purchase_order")):
        assert links_after[key] - links_before[key] == POS, key  # each linked to the one it wrote
    server.stop()


def test_a_worker_killed_mid_drain_of_the_inbox_applies_every_event_once(db, vault, app, sandboxes, revhub):
    running, server = start_hub(db, vault, app, sandboxes)
    # The first sync's write-backs (Stripe customers take what Xero and Salesforce hold) and the
    # events they echo, done first: else their echoes land in the inbox while the test counts.
    drain(db, vault)
    echoes_applied(running, db, vault)
    before = _queue(db, InboxEvent)
    already, already_processed = sum(before.values()), before["processed"]
    stripe = stripe_client(running)
    customers = [c for c in stripe.v1.customers.list({"limit": 100}).auto_paging_iter()]
    for n, customer in enumerate(customers):
        stripe.v1.customers.update(customer.id, {"email": f"billing{n}@moved.example"})
    webhooks_delivered(running)
    events = _queue(db, InboxEvent)["pending"]
    assert events >= len(customers)
    with db.session() as s:
        audits_before = s.scalar(select(func.count()).select_from(AuditEntry))
    # Events that fetch from Stripe wait on it; the first applied ones commit meanwhile.
    fault(running, "stripe", kind="slow", delay=0.3, rate=1.0, method="GET")

    killed = revhub.spawn("worker", "--no-schedule")
    kill_when(killed, lambda: _queue(db, InboxEvent)["processed"] > already_processed,
              "the inbox half drained")
    at_kill = _queue(db, InboxEvent)
    # Killed mid-drain, the rest of its batch still claimed by it.
    assert at_kill["processed"] - already_processed < events and at_kill["processing"] >= 1, at_kill
    calm(running)
    successor = revhub.spawn("worker", "--no-schedule")
    statuses = _settled(db, InboxEvent, ("processed", "ignored"))
    successor.kill()
    assert sum(statuses.values()) == already + events, statuses

    with db.session() as s:
        emails = set(s.scalars(select(Customer.email)).all())
        changes = s.scalar(select(func.count()).select_from(AuditEntry)) - audits_before
    assert {f"billing{n}@moved.example" for n in range(len(customers))} <= emails  # none lost
    assert changes == len(customers), changes  # one audit entry per change: none applied twice
    server.stop()
