"""Two `revhub worker` processes on one PostgreSQL, each with its own scheduler firing every
sync every two seconds and its own inbox and outbox loops, their connections terminated now and
then: never two runs of one job at once, every write once, nothing lost or doubled."""

from __future__ import annotations

import signal
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from revhub.connectors.base import Change
from revhub.connectors.registry import build_connector
from revhub.store import Connection, Link, OutboxMessage, PurchaseOrder, SyncCursor, SyncRun
from revhub.sync.jobs import plan, sync_all
from tests.chaos.conftest import overlapping_runs, provider_ids, terminate_backends
from tests.chaos.test_kill_queues import POS, _settled
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
    before = provider_ids(db, vault)
    numbers = [f"46000{n:05d}" for n in range(POS)]
    for number in numbers:
        submit(db, number=number)

    workers = [revhub.spawn("worker"), revhub.spawn("worker")]
    deadline = time.monotonic() + RUN_SECONDS
    terminated = 0
    # Past the deadline only until a connection of the first worker has been cut (a loaded
    # machine can take seconds to start it).
    while time.monotonic() < deadline or (not terminated and time.monotonic() < deadline + 60):
        time.sleep(1.0)
        terminated += terminate_backends(db, workers[0].app_name)
        _fail_if_one_exited(workers)
    # The Xero ledger's fee transactions made a Xero contact (the fee supplier, "Stripe"); a Xero
    # pull must leave it out (a supplier, not a customer), so nothing is written to Stripe for it.
    # Counted once such a pull has run, not whenever the workers happen to be stopped. (Read
    # from the store: polling Xero itself would spend the workers' 60 calls a minute.)
    pulled_by = time.monotonic() + 60
    while not _pulled_after_writes(db, "xero", "customer"):
        assert time.monotonic() < pulled_by, f"no Xero contact pull after the last write to Xero: {_xero_state(db)}"
        _fail_if_one_exited(workers)
        time.sleep(0.5)
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

    after = provider_ids(db, vault)
    new = _records(db, vault, {key: after[key] - before.get(key, set()) for key in after
                               if after[key] - before.get(key, set())})
    grown = Counter({key: len(records) for key, records in new.items()})
    # What fault-free drains with syncs between them write: each PO's invoice to Xero and Stripe,
    # the PO to Salesforce; no customer (the fee supplier Xero made is not read as one).
    details = _describe(db, new)
    assert grown == {("xero", "invoice"): POS, ("stripe", "invoice"): POS, ("salesforce", "purchase_order"): POS}, \
        details
    # Every invoice billed to the PO's customer as that system knows it: none to the new one.
    with db.session() as s:
        ordered_by = set(s.scalars(select(PurchaseOrder.customer_id).where(PurchaseOrder.po_number.in_(numbers))))
    for system in ("xero", "stripe"):
        billed = {c.record["customer_id"].external_id for c in new[(system, "invoice")].values()}
        assert {_canonical(db, system, "customer", b) for b in billed} == ordered_by, details
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


def _pulled_after_writes(db, connection: str, entity: str) -> bool:
    """Every write to ``connection`` is done and a pull of ``entity`` from it that started after
    the last of them has succeeded: what those writes made there is in the hub."""
    with db.session() as s:
        waiting = s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.target_system == connection, OutboxMessage.status.in_(("pending", "failed", "processing"))))
        last_write = s.scalar(select(func.max(OutboxMessage.sent_at)).where(OutboxMessage.target_system == connection))
        pulled = s.scalar(select(func.max(SyncRun.started_at)).join(Connection, Connection.id == SyncRun.connection_id)
                          .where(Connection.name == connection, SyncRun.entity == entity,
                                 SyncRun.status == "succeeded"))
    return waiting == 0 and last_write is not None and pulled is not None and pulled > last_write


def _xero_state(db) -> str:
    with db.session() as s:
        queue = s.execute(select(OutboxMessage.entity, OutboxMessage.status, func.max(OutboxMessage.sent_at),
                                 func.max(OutboxMessage.next_attempt_at), func.min(OutboxMessage.last_error))
                          .where(OutboxMessage.target_system == "xero")
                          .group_by(OutboxMessage.entity, OutboxMessage.status)).all()
        runs = s.execute(select(SyncRun.id, SyncRun.started_at, SyncRun.status, SyncRun.note)
                         .join(Connection, Connection.id == SyncRun.connection_id)
                         .where(Connection.name == "xero", SyncRun.entity == "customer")
                         .order_by(SyncRun.id.desc()).limit(3)).all()
    return f"outbox {[tuple(q) for q in queue]}; contact pulls {[tuple(r) for r in runs]}"


def _records(db, vault, ids: dict[tuple[str, str], set[str]]) -> dict[tuple[str, str], dict[str, Change]]:
    """The records with ``ids``, as each provider has them."""
    with db.session() as s:
        connections = {c.name: c for c in s.scalars(select(Connection))}
    return {(connection, entity): {c.external_id: c for page in build_connector(connections[connection], vault)
                                   .pull(entity, None, full=True) for c in page.changes if c.external_id in wanted}
            for (connection, entity), wanted in ids.items()}


def _canonical(db, system: str, entity: str, external_id: str):
    with db.session() as s:
        return s.scalar(select(Link.canonical_id).where(Link.system == system, Link.entity == entity,
                                                        Link.external_id == external_id))


def _describe(db, new: dict[tuple[str, str], dict[str, Change]]) -> str:
    """Each record the run wrote, as its provider has it and as the hub links it, with the job's
    cursor and last runs. Full ids: canonical ids are UUIDv7, and those made within a run share
    their leading digits."""
    lines = []
    for (connection, entity), records in sorted(new.items()):
        for change in records.values():
            shown = {k: v for k, v in change.record.items()
                     if k in ("name", "email", "customer_id", "number", "po_number", "status")}
            lines.append(f"{connection}/{entity} {change.external_id} version {change.remote_version} hub "
                         f"{_canonical(db, connection, entity, change.external_id)} {shown}")
        with db.session() as s:
            connection_id = s.scalar(select(Connection.id).where(Connection.name == connection))
            cursor = s.scalar(select(SyncCursor.value).where(SyncCursor.connection_id == connection_id,
                                                             SyncCursor.entity == entity))
            runs = s.execute(select(SyncRun.id, SyncRun.holder, SyncRun.started_at, SyncRun.finished_at,
                                    SyncRun.status, SyncRun.fetched, SyncRun.created, SyncRun.updated)
                             .where(SyncRun.connection_id == connection_id, SyncRun.entity == entity)
                             .order_by(SyncRun.id.desc()).limit(4)).all()
        lines.append(f"  cursor {cursor}; last runs {[tuple(r) for r in runs]}")
    return "\n".join(lines)
