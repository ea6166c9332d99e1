"""Scale-out on PostgreSQL: three `revhub worker` processes and two `revhub serve` processes share
one database through a scheduled sync, a webhook flood and an outbox drain. Every sync job runs
in one process at a time, every webhook is applied once, every write reaches its provider once."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
import requests
from sqlalchemy import func, select, update

from revhub.connections import update_credentials
from revhub.sandbox.tls import trusting_session
from revhub.store import AuditEntry, Connection, Customer, InboxEvent, Link, OutboxMessage, SyncRun
from revhub.sync.jobs import plan
from tests.integration.clients import wait_for
from tests.integration.conftest import sandboxes, vault  # noqa: F401  (fixtures)
from tests.integration.purchase_orders import submit_po, xero_get
from tests.scaleout.support import free_port, salesforce_po_numbers, start_server, start_worker, xero_references
from tests.webhooks.conftest import STRIPE_SECRET, stripe_event, stripe_header

pytestmark = [pytest.mark.store, pytest.mark.timeout(240),
              pytest.mark.skipif(not os.environ.get("REVHUB_TEST_POSTGRES_URL"),
                                 reason="scale-out needs PostgreSQL (REVHUB_TEST_POSTGRES_URL)")]
WORKERS, SERVERS, FLOOD, POS = 3, 2, 60, 6


def _every_pair_synced(db) -> bool:
    wanted = set(plan(db))
    with db.session() as s:
        done = set(s.execute(select(Connection.name, SyncRun.entity).join(Connection, Connection.id ==
                                                                          SyncRun.connection_id)
                             .where(SyncRun.status == "succeeded")).all())
    return wanted <= done


def _settled(db, running, numbers: list[str]) -> bool:
    """Every webhook handled, nothing claimed, and every PO written to Xero and Salesforce."""
    with db.session() as s:
        inbox = s.scalar(select(func.count()).select_from(InboxEvent).where(
            InboxEvent.status.in_(("pending", "failed", "processing"))))
        claimed = s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status == "processing"))
    return inbox == 0 and claimed == 0 and set(numbers) <= set(xero_references(running)) and \
        set(numbers) <= set(salesforce_po_numbers(running))


def _xero_contact_names(running) -> list[str]:
    return [c["Name"] for c in xero_get(running, "Contacts")["Contacts"]]


def _salesforce_account_names(running) -> list[str]:
    sf = running["salesforce"]
    response = trusting_session(sf.settings["ca_bundle"]).get(
        f"{sf.url}/services/data/v62.0/query", params={"q": "SELECT Id, Name FROM Account"},
        headers={"Authorization": f"Bearer {sf.sandbox.sessions.static_token}"})
    assert response.status_code == 200, response.text
    return [r["Name"] for r in response.json()["records"]]


def _queue_statuses(db) -> dict:
    with db.session() as s:
        return {"outbox": s.execute(select(OutboxMessage.target_system, OutboxMessage.status, func.count())
                                    .group_by(OutboxMessage.target_system, OutboxMessage.status)).all(),
                "inbox": s.execute(select(InboxEvent.status, func.count()).group_by(InboxEvent.status)).all(),
                "errors": s.execute(select(OutboxMessage.target_system, OutboxMessage.entity, OutboxMessage.status,
                                           func.min(OutboxMessage.last_error))
                                    .where(OutboxMessage.last_error.is_not(None))
                                    .group_by(OutboxMessage.target_system, OutboxMessage.entity,
                                              OutboxMessage.status)).all()}


def _flood(ports: list[int]) -> None:
    """FLOOD customer.created events, each delivered twice (once to each server), eight at once."""
    def deliver(args) -> int:
        i, port = args
        body = stripe_event(event_id=f"evt_flood_{i:04d}", kind="customer.created", id=f"cus_flood{i:04d}",
                            name=f"Flood {i:04d} Ltd", email=f"ap@flood{i:04d}.example")
        return requests.post(f"http://127.0.0.1:{port}/webhooks/stripe/stripe", data=body, timeout=30,
                             headers={"Stripe-Signature": stripe_header(body)}).status_code

    jobs = [(i, port) for i in range(FLOOD) for port in ports]
    with ThreadPoolExecutor(8) as pool:
        assert Counter(pool.map(deliver, jobs)) == Counter({200: len(jobs)})


def _dead_letters(db) -> str:
    """Each unexpected dead letter with its record's audit trail and links (full ids): which
    change made the write."""
    with db.session() as s:
        dead = s.execute(select(OutboxMessage.target_system, OutboxMessage.entity, OutboxMessage.record_id,
                                OutboxMessage.record_version, OutboxMessage.last_error)
                         .where(OutboxMessage.status == "dead",
                                OutboxMessage.last_error != "the invoice has no customer")
                         .order_by(OutboxMessage.id)).all()
        lines = []
        for d in dead[:6]:
            lines.append(f"{d.target_system} {d.entity} {d.record_id} v{d.record_version}: {d.last_error}")
            lines += [f"    {a.at:%H:%M:%S.%f} {a.source} {a.action} v{a.version} {a.before} -> {a.after}"
                      for a in s.scalars(select(AuditEntry).where(AuditEntry.record_id == d.record_id)
                                         .order_by(AuditEntry.id))]
            lines += [f"    link {k.system} {k.external_id} base {k.base_snapshot}"
                      for k in s.scalars(select(Link).where(Link.canonical_id == d.record_id))]
    return f"{len(dead)} unexpected dead letters:\n" + "\n".join(lines)


def _stopped(proc) -> int | str:
    """The exit status of ``proc`` after SIGTERM; killed, and said so, if it has not stopped in 40 s."""
    try:
        return proc.wait(timeout=40)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return "still running 40 s after SIGTERM"


def test_three_workers_and_two_servers_on_one_postgresql(db, vault, sandboxes, config, tmp_path):  # noqa: F811
    running = sandboxes("salesforce", "xero", companies=3)
    sandboxes("stripe", companies=None)  # an empty account: its customers arrive by webhook
    with db.session(write=True) as s:
        for c in s.scalars(select(Connection)):
            c.settings = {**c.settings, "sync_interval_seconds": 10}  # every worker schedules every job
        update_credentials(s, vault, "stripe", {"webhook_secrets": [STRIPE_SECRET]})
    ports = [free_port() for _ in range(SERVERS)]
    workers, servers = [], []
    try:  # everything started is stopped, even when a server never comes up
        workers += [start_worker(config, "--batch", "20", log_path=tmp_path / f"worker{i}.log")
                    for i in range(WORKERS)]
        servers += [start_server(config, port, "--web-only", "--workers", "1", "--threads", "4",
                                 log_path=tmp_path / f"serve{i}.log") for i, port in enumerate(ports)]
        wait_for(lambda: _every_pair_synced(db), "the first scheduled sync of every entity", timeout=45)
        with db.session() as s:
            email = s.scalars(select(Customer.email).where(Customer.email.is_not(None))
                              .order_by(Customer.name)).first()
        numbers = [f"46000{i:05d}" for i in range(POS)]
        for number in numbers:  # written back while syncs and the flood go on
            submit_po(db, email, "USD", 1, "25.00", "25.00", number=number, terms="NET30")
        _flood(ports)
        deadline = time.monotonic() + 90
        while not _settled(db, running, numbers):
            assert time.monotonic() < deadline, f"not settled in 90 s: {_queue_statuses(db)}"
            with db.session(write=True) as s:  # a write waiting for its parent is retried within 2 s, not minutes
                soon = datetime.now(UTC) + timedelta(seconds=2)
                s.execute(update(OutboxMessage).where(OutboxMessage.status == "failed",
                                                      OutboxMessage.next_attempt_at > soon)
                          .values(next_attempt_at=soon))
            time.sleep(1.0)
    finally:
        for proc in workers + servers:
            proc.send_signal(signal.SIGTERM)
        codes = [_stopped(proc) for proc in workers + servers]
    assert codes == [0] * (WORKERS + SERVERS), [(tmp_path / f).read_text()[-2000:] for f in os.listdir(tmp_path)
                                                if f.endswith(".log")]

    with db.session() as s:
        runs = s.execute(select(SyncRun.connection_id, SyncRun.entity, SyncRun.started_at, SyncRun.finished_at,
                                SyncRun.status, SyncRun.note).order_by(SyncRun.started_at)).all()
        flood = s.scalars(select(Customer.email).where(Customer.email.like("ap@flood%"))).all()
        events = s.execute(select(InboxEvent.event_id, InboxEvent.status, InboxEvent.attempts)).all()
        dead = s.execute(select(OutboxMessage.target_system, OutboxMessage.entity, OutboxMessage.last_error)
                         .where(OutboxMessage.status == "dead")).all()
    # Each job ran in one process at a time: no two runs of one (connection, entity) overlap.
    by_job: dict[tuple, list] = {}
    for r in runs:
        by_job.setdefault((r.connection_id, r.entity), []).append(r)
    for job, job_runs in by_job.items():
        for earlier, later in pairwise(job_runs):
            assert earlier.finished_at is not None and later.started_at >= earlier.finished_at, (job, earlier, later)
    # Every job ended well: a pull that meets the link the outbox is writing at that moment in
    # another process applies its page again, and a run is never taken for abandoned after it ended.
    unfinished = [(r.entity, r.status, r.note) for r in runs if r.status != "succeeded"]
    assert unfinished == [], "\n".join(map(str, unfinished))
    # Every webhook stored once (each was delivered twice) and claimed and applied once.
    assert len(events) == FLOOD and {e.status for e in events} <= {"processed", "ignored"}
    assert {e.attempts for e in events} == {1}, Counter(e.attempts for e in events)
    # Every write went out once. The only dead letters are the data's own (a PO's invoice written to
    # an empty Stripe account has no Stripe customer to bill), the same in a single process.
    assert {d.last_error for d in dead} <= {"the invoice has no customer"}, _dead_letters(db)
    assert sorted(r for r in xero_references(running) if r in numbers) == numbers
    assert sorted(n for n in salesforce_po_numbers(running) if n in numbers) == numbers
    assert len(flood) == len(set(flood)) == FLOOD  # one hub customer per event
    for names in (_xero_contact_names(running), _salesforce_account_names(running)):
        flooded = [n for n in names if n.startswith("Flood ")]
        assert len(flooded) == len(set(flooded)), Counter(flooded).most_common(3)
