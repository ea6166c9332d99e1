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
from revhub.sync.parking import take_ready

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
             on_page: Callable[[RunSummary], None] | None = None) -> RunSummary:
    """Pull ``entity`` from ``connector`` into the store; pages commit with their cursor."""
    with db.session(write=True) as s:
        ctx = context_for(s, connection_name, actor=f"sync:{connection_name}")
        run = SyncRun(connection_id=ctx.connection_id, entity=entity, mode="full" if full else "incremental",
                      status="running", started_at=utcnow())
        s.add(run)
        s.flush()
        summary = RunSummary(run.id, connection_name, entity, run.mode, "running")
    logs.RUN_ID.set(summary.run_id)  # this thread's log lines carry the run id from here on
    cursor = None if full else load_cursor(db, ctx.connection_id, entity)
    started = time.monotonic()
    notes: list[str] = []
    with db.session(write=True) as s:
        ready = take_ready(s, ctx, entity)
        if ready:
            summary.counts.add(apply_changes(s, ctx, ready))
            notes.append(f"applied {len(ready)} parked change(s) whose references have arrived")
    pending: list[Page] = []

    def commit_pending() -> None:
        if pending:
            _apply_pages(db, ctx, entity, pending, summary, notes)
            pending.clear()
            if on_page:
                on_page(summary)

    try:
        for page in connector.pull(entity, cursor, full=full):
            pending.append(page)
            if sum(len(p.changes) for p in pending) >= GROUP_RECORDS:
                commit_pending()
        commit_pending()
        summary.status = "succeeded"
    except ConnectorError as exc:
        commit_pending()  # what arrived before the failure is whole, with its cursor
        summary.status = "failed"
        notes.append(f"stopped: {exc}")
        log.warning("sync %s/%s stopped: %s", connection_name, entity, exc)
    except Exception as exc:  # recorded on the run, then re-raised for the caller to see
        summary.status = "failed"
        notes.append(f"crashed: {type(exc).__name__}: {exc}")
        _finish(db, summary, started, notes)
        raise
    _finish(db, summary, started, notes)
    return summary


def _apply_pages(db: Database, ctx, entity: str, pages: list[Page], summary: RunSummary, notes: list[str]) -> None:
    """Consecutive pages in one transaction with the last page's cursor, which covers them all."""
    with db.session(write=True) as s:
        result = apply_changes(s, ctx, [change for page in pages for change in page.changes])
        _save_cursor(s, ctx.connection_id, entity, pages[-1].cursor)
        summary.counts.add(result)
        for page in pages:
            summary.fetched += len(page.changes)
            summary.api_calls += page.api_calls
            if page.note and page.note not in notes:
                notes.append(page.note)
        run = s.get(SyncRun, summary.run_id)
        _copy_counts(run, summary, notes)


def _copy_counts(run: SyncRun, summary: RunSummary, notes: list[str]) -> None:
    c = summary.counts
    run.fetched, run.api_calls = summary.fetched, summary.api_calls
    run.created, run.updated, run.unchanged, run.deleted = c.created, c.updated, c.unchanged, c.deleted
    run.conflicts, run.stale, run.exceptions = c.conflicts, c.stale, c.exceptions
    run.note = "; ".join(notes) or None


def _finish(db: Database, summary: RunSummary, started: float, notes: list[str]) -> None:
    summary.duration_s = time.monotonic() - started
    summary.note = "; ".join(notes) or None
    with db.session(write=True) as s:
        run = s.get(SyncRun, summary.run_id)
        _copy_counts(run, summary, notes)
        run.status, run.finished_at = summary.status, utcnow()
        if summary.status == "failed":
            run.errors = (run.errors or 0) + 1
    metrics.sync_finished(summary)
    logs.sync_finished(summary)
