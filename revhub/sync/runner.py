"""One sync run: pull pages from a connector, apply each with its cursor in one transaction,
and record what happened."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from revhub import logs, metrics
from revhub.connectors.base import Connector, Page
from revhub.connectors.errors import ConnectorError
from revhub.store import Database, SyncCursor, SyncRun, utcnow
from revhub.sync.apply import ApplyResult, apply_changes
from revhub.sync.context import context_for
from revhub.sync.gc_scope import fewer_gc_passes
from revhub.sync.lease import Lease, LeaseLost
from revhub.sync.parking import take_ready
from revhub.sync.store_retry import DROPPED, reconnecting, retrying_races

log = logging.getLogger(__name__)

# Provider pages (Stripe's 100, Xero's 100) are committed a few at a time: one transaction,
# one set of look-ups and one commit per ~500 records instead of per page. A crash loses
# at most that much progress, never consistency: the cursor commits with the data it covers.
GROUP_RECORDS = 500


@dataclass
class RunSummary:
    run_id: int
    connection: str
    entity: str
    mode: str
    status: str
    counts: ApplyResult = field(default_factory=ApplyResult)
    fetched: int = 0
    api_calls: int = 0
    duration_s: float = 0.0
    note: str | None = None


def load_cursor(db: Database, connection_id: uuid.UUID, entity: str) -> dict[str, Any] | None:
    with db.session() as s:
        return s.scalar(select(SyncCursor.value).where(SyncCursor.connection_id == connection_id,
                                                       SyncCursor.entity == entity))


def _save_cursor(session, connection_id: uuid.UUID, entity: str, value: dict[str, Any]) -> None:
    cursor = session.scalar(select(SyncCursor).where(SyncCursor.connection_id == connection_id,
                                                     SyncCursor.entity == entity))
    if cursor is None:
        session.add(SyncCursor(connection_id=connection_id, entity=entity, value=value))
    else:
        cursor.value = value


def run_sync(db: Database, connector: Connector, connection_name: str, entity: str, *, full: bool = False,
             on_page: Callable[[RunSummary], None] | None = None, lease: Lease | None = None) -> RunSummary:
    """Pull ``entity`` from ``connector`` into the store; pages commit with their cursor.

    Under ``lease``, every transaction first confirms the lease is still this run's: a run
    that lost it stops, ``abandoned``, without committing another page."""
    created: list = []

    def start() -> None:
        with db.session(write=True) as s:
            if lease:
                lease.confirm(s)
            ctx = context_for(s, connection_name, actor=f"sync:{connection_name}")
            run = _started_before(s, ctx.connection_id, entity, lease)
            if run is None:
                run = SyncRun(connection_id=ctx.connection_id, entity=entity, mode="full" if full else "incremental",
                              status="running", started_at=utcnow(), holder=lease.holder if lease else None,
                              lease_token=lease.token if lease else None)
                s.add(run)
                s.flush()
        created[:] = [ctx, RunSummary(run.id, connection_name, entity, run.mode, "running")]

    reconnecting(start, f"sync {connection_name}/{entity}")
    ctx, summary = created
    logs.RUN_ID.set(summary.run_id)  # this thread's log lines carry the run id from here on
    cursor = None if full else reconnecting(lambda: load_cursor(db, ctx.connection_id, entity),
                                             f"sync {connection_name}/{entity}")
    started = time.monotonic()
    notes: list[str] = []
    pending: list[Page] = []

    def commit_pending() -> None:
        if pending:
            _store_step(lambda: _apply_pages(db, ctx, entity, pending, summary, notes, lease),
                        f"sync {connection_name}/{entity}")
            pending.clear()
            if on_page:
                on_page(summary)

    try:
        _store_step(lambda: _apply_parked(db, ctx, entity, summary, notes, lease), f"sync {connection_name}/{entity}")
        with fewer_gc_passes():
            for page in connector.pull(entity, cursor, full=full):
                pending.append(page)
                if sum(len(p.changes) for p in pending) >= GROUP_RECORDS:
                    commit_pending()
            commit_pending()
        summary.status = "succeeded"
    except ConnectorError as exc:
        summary.status = "failed"
        notes.append(f"stopped: {exc}")
        log.warning("sync %s/%s stopped: %s", connection_name, entity, exc)
        _stop_safely(commit_pending, summary, notes)  # what arrived before the failure is whole, with its cursor
    except (LeaseLost, *DROPPED) as exc:
        _stopped(exc, summary, notes)
    except Exception as exc:  # recorded on the run, then re-raised for the caller to see
        summary.status = "failed"
        notes.append(f"crashed: {type(exc).__name__}: {exc}")
        _finish(db, summary, started, notes)
        raise
    _finish(db, summary, started, notes)
    return summary


def _store_step(step: Callable[[], None], what: str) -> None:
    """A transaction of pages, tried again on a fresh connection if the store dropped it, and
    again if another process linked one of its records first (the outbox, for the copy it has
    just written): the new transaction reads that link and applies the page to it."""
    reconnecting(lambda: retrying_races(step, what), what)


def _started_before(session, connection_id: uuid.UUID, entity: str, lease: Lease | None) -> SyncRun | None:
    """The run an earlier try of this start committed, though its connection dropped before
    the commit was acknowledged. A lease's token is taken once, so its running run is this
    one; without that a second row would stay ``running`` until reaped as abandoned."""
    if lease is None:
        return None
    return session.scalar(select(SyncRun).where(
        SyncRun.connection_id == connection_id, SyncRun.entity == entity, SyncRun.status == "running",
        SyncRun.holder == lease.holder, SyncRun.lease_token == lease.token))


def _stopped(exc: Exception, summary: RunSummary, notes: list[str]) -> None:
    """A run that lost its lease (another process runs the job now: not one more write from
    here) is ``abandoned``; one whose store failed on every try is ``failed``."""
    if isinstance(exc, LeaseLost):
        summary.status = "abandoned"
        notes.append(f"stopped: {exc}")
    else:
        summary.status = "failed"
        notes.append(f"stopped: the store failed: {type(exc).__name__}: {getattr(exc, 'orig', None) or exc}"[:2000])
    log.error("sync %s/%s stopped: %s", summary.connection, summary.entity, notes[-1])


def _stop_safely(step: Callable[[], None], summary: RunSummary, notes: list[str]) -> None:
    try:
        step()
    except (LeaseLost, *DROPPED) as exc:
        _stopped(exc, summary, notes)


def _apply_parked(db: Database, ctx, entity: str, summary: RunSummary, notes: list[str],
                  lease: Lease | None) -> None:
    with db.session(write=True) as s:
        if lease:
            lease.confirm(s)
        ready = take_ready(s, ctx, entity)
        result = apply_changes(s, ctx, ready) if ready else None
    if result is not None:
        summary.counts.add(result)
        notes.append(f"applied {len(ready)} parked change(s) whose references have arrived")


def _apply_pages(db: Database, ctx, entity: str, pages: list[Page], summary: RunSummary, notes: list[str],
                 lease: Lease | None = None) -> None:
    """Consecutive pages in one transaction with the last page's cursor, which covers them all;
    the summary counts them only once the transaction has committed."""
    done = RunSummary(summary.run_id, summary.connection, summary.entity, summary.mode, summary.status,
                      counts=ApplyResult(), fetched=summary.fetched, api_calls=summary.api_calls)
    done.counts.add(summary.counts)
    page_notes = list(notes)
    with db.session(write=True) as s:
        if lease:
            lease.confirm(s)
        done.counts.add(apply_changes(s, ctx, [change for page in pages for change in page.changes]))
        _save_cursor(s, ctx.connection_id, entity, pages[-1].cursor)
        for page in pages:
            done.fetched += len(page.changes)
            done.api_calls += page.api_calls
            if page.note and page.note not in page_notes:
                page_notes.append(page.note)
        _copy_counts(s.get(SyncRun, summary.run_id), done, page_notes)
    summary.counts, summary.fetched, summary.api_calls = done.counts, done.fetched, done.api_calls
    notes[:] = page_notes


def _copy_counts(run: SyncRun, summary: RunSummary, notes: list[str]) -> None:
    c = summary.counts
    run.fetched, run.api_calls = summary.fetched, summary.api_calls
    run.created, run.updated, run.unchanged, run.deleted = c.created, c.updated, c.unchanged, c.deleted
    run.conflicts, run.stale, run.exceptions = c.conflicts, c.stale, c.exceptions
    run.note = "; ".join(notes) or None


def _finish(db: Database, summary: RunSummary, started: float, notes: list[str]) -> None:
    summary.duration_s = time.monotonic() - started
    summary.note = "; ".join(notes) or None

    def record() -> None:
        with db.session(write=True) as s:
            run = s.get(SyncRun, summary.run_id)
            _copy_counts(run, summary, notes)
            run.status, run.finished_at = summary.status, utcnow()
            if summary.status == "failed":
                run.errors = (run.errors or 0) + 1

    try:
        reconnecting(record, f"sync {summary.connection}/{summary.entity}")
    except DROPPED as exc:  # the run row is reaped once the lease is gone
        log.error("sync %s/%s: run %d could not be recorded as %s: %s", summary.connection, summary.entity,
                  summary.run_id, summary.status, exc)
    metrics.sync_finished(summary)
    logs.sync_finished(summary)
