"""Work left behind by a process that died: sync runs still marked ``running`` and queue
messages still claimed. Each is released with the reason, so the console says why."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from revhub.store import Connection, Database, JobLease, SyncRun, utcnow
from revhub.sync.lease import job_name
from revhub.sync.liveness import holder_is_gone

log = logging.getLogger(__name__)


def reap_runs(db: Database) -> int:
    """Mark ``abandoned`` every running sync run whose lease is no longer its own."""
    now = utcnow()
    reaped = 0
    with db.session(write=True) as s:
        candidates = s.execute(select(SyncRun.id, Connection.name).join(Connection, Connection.id ==
                                                                         SyncRun.connection_id)
                               .where(SyncRun.status == "running").order_by(SyncRun.id)).all()
        for run_id, connection in candidates:
            run = _still_running(s, run_id)
            if run is None:
                continue
            why = orphaned_because(run, s.get(JobLease, job_name(connection, run.entity), populate_existing=True),
                                   now)
            if why is None:
                continue
            run.status, run.finished_at = "abandoned", now
            run.note = "; ".join(filter(None, [run.note, f"abandoned: {why}"]))
            log.warning("sync run %d (%s/%s) abandoned: %s", run.id, connection, run.entity, why)
            reaped += 1
    return reaped


def _still_running(session: Session, run_id: int) -> SyncRun | None:
    """The run, locked and read afresh, if it is still running; else None.

    The lease must be judged after this: a process finishes its run, then releases its lease,
    so a run listed as running that has since finished shows a released lease. Locked, a run
    still running cannot finish (nor its lease be released after it) until the reaper commits.
    A run locked by someone else is being written by its own process (a page, its end) or by
    another reaper: left alone, without waiting. PostgreSQL reads each statement afresh; on
    SQLite the write lock already orders it all."""
    return session.scalar(select(SyncRun).where(SyncRun.id == run_id, SyncRun.status == "running")
                          .with_for_update(skip_locked=True).execution_options(populate_existing=True))


def orphaned_because(run: SyncRun, lease: JobLease | None, now: datetime) -> str | None:
    """Why ``run`` can no longer finish, or None while its process may still be running it."""
    if lease is None:
        return "its job has no lease"
    if run.lease_token is not None and lease.token != run.lease_token:
        return f"its lease (token {run.lease_token}) has passed to {lease.holder or 'nobody'} (token {lease.token})"
    if lease.holder is None:
        return f"its process {run.holder or '(unknown)'} released the lease without finishing the run"
    if lease.expires_at is None or lease.expires_at < now:
        return f"its lease expired at {lease.expires_at:%Y-%m-%d %H:%M:%S}Z without a heartbeat from {lease.holder}" \
            if lease.expires_at else f"its lease held by {lease.holder} has no expiry"
    if holder_is_gone(lease.holder):
        return f"its process {lease.holder} no longer exists"
    return None


def reap_claims(session: Session, table: Table, worker: str, error_column: str) -> int:
    """Release messages of ``table`` claimed by a worker that no longer exists, or left claimed
    by an earlier pass of ``worker`` itself that failed (each worker processes its claims in
    the one thread that claimed them, so a claim of its own at the next claim is orphaned).
    They become due at once, the reason in ``error_column``."""
    holders = session.scalars(select(table.c.locked_by).where(
        table.c.status == "processing", table.c.locked_by.is_not(None)).distinct()).all()
    released = 0
    for holder in holders:
        if holder == worker:
            why = f"claim left by an earlier pass of worker {worker} that failed"
        elif holder_is_gone(holder):
            why = f"its worker {holder} no longer exists"
        else:
            continue
        count = session.execute(update(table).where(table.c.status == "processing", table.c.locked_by == holder)
                                .values(status="failed", locked_by=None, locked_until=None, next_attempt_at=None,
                                        **{error_column: f"reclaimed: {why}"})).rowcount
        log.warning("%s: %d message(s) reclaimed: %s", table.name, count, why)
        released += count
    return released
