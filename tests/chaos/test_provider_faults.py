"""Every provider fault the sandboxes can inject, during sync and during write-back: nothing is
lost and nothing is doubled, read back from Stripe, Xero and Salesforce through their own APIs.

Faults hit a quarter of the API calls to all three providers at once (seeded, so a failure
replays): rate-limit answers (429; Salesforce's REQUEST_LIMIT_EXCEEDED), 500 and 503, a dropped
connection, a stall past the call timeout that is never answered, and one answered late (the
provider did the write after the hub gave up on it, the worst case for doubling).
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select, update

from revhub.connectors.resilience import forget_limiters
from revhub.mappings.outbox import OutboxWorker
from revhub.sandbox.faults import FaultRule
from revhub.store import Connection, Customer, OutboxMessage
from revhub.sync.jobs import plan, sync_all
from tests.chaos.faults_readback import Tally, new_remote_customers, sync_tally, writeback_tally
from tests.integration.conftest import sandboxes, vault  # noqa: F401  (pytest fixtures)
from tests.integration.purchase_orders import submit_po

pytestmark = pytest.mark.store

CALL_TIMEOUT = 0.2
RATE = 0.25
# name in the table → the sandbox fault rule
FAULTS = {
    "429": {"kind": "429"},
    "500": {"kind": "500"},
    "503": {"kind": "503"},
    "drop": {"kind": "drop"},
    "stall": {"kind": "timeout", "delay": 5.0},   # never answered; the call gives up at its limit
    "late": {"kind": "slow", "delay": 0.4},       # answered (and written) after the call gave up
}
API_PATHS = {"stripe": r"^/v1/", "xero": r"^/api\.xro/", "salesforce": r"^/services/data/"}
# Quick retries and a short call limit, so a quarter of calls failing costs seconds, not minutes.
FAST = {"timeout_seconds": CALL_TIMEOUT, "retry_attempts": 10, "retry_max_backoff_seconds": 0.02,
        "max_backoff_seconds": 0.02}
Row = tuple[str, str, int, int, bool, int, int, float]


def _synced(db) -> list[tuple[str, str]]:
    """Customers and invoices of every connection: the new customers to find, and each
    provider's paged, cursor-driven reads (the whole plan would double the suite's time)."""
    return [pair for pair in plan(db) if pair[1] in ("customer", "invoice")]


def _fast(db) -> None:
    with db.session(write=True) as s:
        for row in s.scalars(select(Connection)):
            row.settings = {**row.settings, **FAST}
    forget_limiters()


def _arm(running, fault: dict, seed: int) -> list[FaultRule]:
    rules = []
    for provider, started in running.running.items():
        started.sandbox.requests.clear()
        started.sandbox.faults.reseed(seed)
        # The first call to each provider always fails; after it, a seeded quarter of them.
        for when in ({"count": 1}, {"rate": RATE}):
            rules.append(started.sandbox.faults.add(FaultRule(path=API_PATHS[provider], **when, **fault)))
    return rules


def _calm(running, rules: list[FaultRule]) -> tuple[int, int]:
    """Stop the faults and wait for requests held by them to finish; (calls, faults injected)."""
    fired = sum(rule.fired for rule in rules)
    for started in running.running.values():
        started.sandbox.faults.clear()  # wakes stalled and late requests at once
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        done = sum(1 for started in running.running.values() for r in started.sandbox.requests.entries() if r.fault)
        if done >= fired:
            break
        time.sleep(0.05)
    calls = sum(len(started.sandbox.requests.entries()) for started in running.running.values())
    return calls, fired


def _drain(db, keys, rounds: int = 20) -> None:
    """Workers drain, and the retry delays pass, until nothing is owed."""
    for _ in range(rounds):
        OutboxWorker(db, keys, "chaos").drain()
        with db.session(write=True) as s:
            owed = s.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.status.in_(("pending", "failed", "processing"))))
            if not owed:
                return
            s.execute(update(OutboxMessage).where(OutboxMessage.status == "failed").values(next_attempt_at=None))


def _first_customer_email(db) -> str:
    with db.session() as s:
        return s.scalars(select(Customer.email).where(Customer.deleted_at.is_(None)).order_by(Customer.name)).first()


@pytest.fixture
def roomy_hub(db, vault, sandboxes):  # noqa: F811
    """The ``hub`` fixture's three synced sandboxes, with Xero's per-minute limit out of the way:
    six rounds of faults and retries make more calls in a minute than a real tenant is allowed."""
    running = sandboxes("salesforce", "stripe", "xero", companies=3,
                        options={"xero": {"per_minute": 100_000}})
    results = sync_all(db, vault, plan(db))
    assert all(r.status == "succeeded" for r in results), [(r.connection, r.entity, r.note) for r in results]
    return running


def test_every_provider_fault_during_write_back_and_sync_loses_and_doubles_nothing(db, vault, roomy_hub,  # noqa: F811
                                                                                    capsys):
    """One hub through every fault kind in turn (one hub keeps the suite inside its time budget):
    each kind gets fresh writes (two approved POs, plus, for the first, what the hub's first sync
    owes every system) and fresh records to sync (a new customer in each system), and is judged
    on its own."""
    table: list[Row] = []
    try:
        _every_fault(db, vault, roomy_hub, table)
    finally:
        with capsys.disabled():
            _print_table(table)


def _every_fault(db, keys, hub, table: list[Row]) -> None:
    _fast(db)
    email = _first_customer_email(db)
    for round_number, (name, fault) in enumerate(FAULTS.items()):
        forget_limiters()  # the hub's own pacing window too (55 Xero calls a minute)
        for n, currency in enumerate(("EUR", "USD")):
            submit_po(db, email, currency, 2, "120.25", "240.50", number=f"PO-{name}-{n}", terms="NET30")
        began = time.monotonic()
        rules = _arm(hub, fault, seed=17 + round_number)
        _drain(db, keys)
        calls_writes, tried_writes = _calm(hub, rules)
        write_seconds, began = time.monotonic() - began, time.monotonic()
        written = writeback_tally(db, hub)

        made = new_remote_customers(hub, name)
        rules = _arm(hub, fault, seed=29 + round_number)
        sync_all(db, keys, _synced(db))
        calls_reads, tried_reads = _calm(hub, rules)
        synced = sync_tally(db, made)
        sync_seconds = time.monotonic() - began

        table.append((name, "write-back", calls_writes, tried_writes, not (written.lost or written.doubled),
                      len(written.lost), len(written.doubled), write_seconds))
        table.append((name, "sync", calls_reads, tried_reads, not (synced.lost or synced.doubled),
                      len(synced.lost), len(synced.doubled), sync_seconds))
        both = Tally()
        both.add(written)
        both.add(synced)
        assert tried_writes > 0 and tried_reads > 0, f"{name}: no fault was injected: the test proves nothing"
        assert both.lost == [] and both.doubled == [], (name, both)


def _print_table(table: list[Row]) -> None:
    """The closing table: fault, phase, API calls, faults injected (tried), survived, lost, doubled."""
    print("\nfault   phase       calls  tried  survived  lost  doubled  seconds")
    for name, phase, calls, tried, survived, lost, doubled, seconds in table:
        verdict = "yes" if survived else "NO"
        print(f"{name:<7} {phase:<11} {calls:>5}  {tried:>5}  {verdict:>8}  {lost:>4}  {doubled:>7}  {seconds:>7.1f}")
