"""Two `revhub worker` processes on one PostgreSQL, each with its own scheduler firing every
sync every two seconds and its own inbox and outbox loops, their connections terminated now and
then: never two runs of one job at once, every write once, nothing lost or doubled."""

from __future__ import annotations

import signal
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from revhub.store import Connection, Link, OutboxMessage, SyncRun
from revhub.sync.jobs import plan, sync_all
from tests.chaos.conftest import overlapping_runs, provider_ids, terminate_backends
from tests.chaos.test_kill_queues import POS, _remote_counts, _settled
from tests.conftest import POSTGRES_URL
from tests.integration.writeback_hub import submit

pytestmark = [pytest.mark.store,
              pytest.mark.skipif(not POSTGRES_URL, reason="two worker processes on one PostgreSQL")]
RUN_SECONDS = 8


def test_two_workers_on_one_database_never_overlap_and_write_once(db, vault, sandboxes, revhub):
    sandboxes("salesforce", "stripe", "xero", companies=3)
    assert all(r.status == "succeeded" for r in sync_all(db, vault, plan(db)))
    with db.session(write=True) as s:
        for connection in s.scalars(select(Connection)):
            connection.settings = {**connection.settings, "sync_interval_seconds": 2}
    before = _remote_counts(db, vault)
    for n in range(POS):
        submit(db, number=f"46000{n:05d}")

    workers = [revhub.spawn("worker"), revhub.spawn("worker")]
    deadline = time.monotonic() + RUN_SECONDS
    terminated = 0
    # Past the deadline only until a connection of the first worker has been cut (a loaded
    # machine can take seconds to start it).
    while time.monotonic() < deadline or (not terminated and time.monotonic() < deadline + 60):
        time.sleep(1.0)
        terminated += terminate_backends(db, workers[0].app_name)
        _fail_if_one_exited(workers)
    _settled(db, OutboxMessage, ("sent", "skipped", "superseded"))
    for worker in workers:
        worker.send_signal(signal.SIGINT)
    for worker in workers:
        worker.communicate(timeout=30)

    with db.session() as s:
        holders = Counter(s.scalars(select(SyncRun.holder).where(SyncRun.status == "succeeded")).all())
        runs = s.scalar(select(func.count()).select_from(SyncRun))
    assert terminated >= 1
    ran = {pid for pid in (w.pid for w in workers) if any(h.endswith(f":{pid}") for h in holders)}
    assert ran == {w.pid for w in workers} and runs >= 17, holders  # both workers ran syncs
    assert overlapping_runs(db) == []

    after = _remote_counts(db, vault)
    grown = Counter({key: after[key] - before[key] for key in after if after[key] != before[key]})
    # What fault-free drains with syncs between them write: each PO's invoice to Xero and Stripe,
    # the PO to Salesforce, and the one customer each of Xero and Stripe did not know yet.
    assert grown == {("xero", "invoice"): POS, ("stripe", "invoice"): POS, ("salesforce", "purchase_order"): POS,
                     ("xero", "customer"): 1, ("stripe", "customer"): 1}, grown
    with db.session() as s:
        links = s.execute(select(Link.system, Link.entity, Link.external_id)).all()
    linked = Counter(links)
    assert [key for key, n in linked.items() if n > 1] == []
    unlinked = {key: ids - {e for (sy, en, e) in links if (sy, en) == key}
                for key, ids in provider_ids(db, vault).items()}
    assert {key: ids for key, ids in unlinked.items() if ids} == {}


def _fail_if_one_exited(workers) -> None:
    """A worker must survive its connections being cut; if one exits, say how (the other is still
    running, so its output can only be read after it is stopped)."""
    exited = [w for w in workers if w.poll() is not None]
    if not exited:
        return
    for worker in workers:
        if worker.poll() is None:
            worker.kill()
    pytest.fail("a worker exited while its connections were cut: " + "; ".join(
        f"pid {w.pid} status {w.returncode}: {w.communicate(timeout=30)[1][-3000:]}" for w in exited))
