"""Draining the inbox: claim a batch (SKIP LOCKED on PostgreSQL), apply each event through
``sync.apply`` and mark it in the same transaction, so each event is applied exactly once.

A worker that dies leaves its events claimed until their lock expires; another worker then
takes them. Only failures that may pass are retried (with backoff, parked after
``MAX_ATTEMPTS``); one that cannot, such as a provider's refusal, is parked at once with its reason.
"""

from __future__ import annotations

import itertools
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import OperationalError

from revhub.connections import Vault, update_credentials
from revhub.connectors.errors import ConfigError, ConnectorError, RetriableError
from revhub.connectors.registry import build_connector
from revhub.store import Connection, Database, InboxEvent, utcnow
from revhub.sync.apply import ApplyResult, apply_changes
from revhub.sync.context import context_for
from revhub.sync.liveness import process_name
from revhub.sync.reaping import reap_claims
from revhub.webhooks.coalesce import FETCH_BATCH, FETCH_BUDGET, DrainFetches, defer
from revhub.webhooks.handlers import UnknownEvent, changes_for

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
CLAIM_SECONDS = 300
# What may pass if tried again: the provider's transient failures, a connection's settings or
# credentials (fixed by a person, then the waiting events go through), and the store or network
# being briefly unavailable. Everything else (a provider's refusal, a malformed event) fails the
# same way every time, so retrying it would only spend provider calls.
RETRIABLE = (RetriableError, ConfigError, OperationalError, OSError)


@dataclass
class Claimed:
    id: int
    provider: str
    connection_id: Any
    event_id: str
    body: bytes
    attempts: int


@dataclass
class DrainResult:
    processed: int = 0
    ignored: int = 0
    failed: int = 0
    parked: int = 0
    deferred: int = 0  # left queued: the drain's provider fetch budget was spent
    applied: ApplyResult = field(default_factory=ApplyResult)


_WORKERS = itertools.count(1)


def worker_name() -> str:
    # <host>:<pid>:<thread>.<n>: a claim of a process on this host that no longer exists is taken
    # back at once (revhub.sync.reaping), not after CLAIM_SECONDS. <n> tells apart workers built
    # in one thread, since a worker takes back its own earlier claims at its next claim.
    return f"{process_name()}:{threading.get_ident()}.{next(_WORKERS)}"



def claim(db: Database, worker: str, limit: int = 100, now: datetime | None = None) -> list[Claimed]:
    """Take up to ``limit`` due events for ``worker`` (expired claims of dead workers included)."""
    now = now or utcnow()
    t = InboxEvent.__table__
    due = or_(and_(t.c.status.in_(("pending", "failed")),
                   or_(t.c.next_attempt_at.is_(None), t.c.next_attempt_at <= now)),
              and_(t.c.status == "processing", t.c.locked_until < now))
    ids = select(t.c.id).where(due).order_by(t.c.id).limit(limit).with_for_update(skip_locked=True)
    stmt = (update(t).where(t.c.id.in_(ids.scalar_subquery()))
            .values(status="processing", locked_by=worker, locked_until=now + timedelta(seconds=CLAIM_SECONDS),
                    attempts=t.c.attempts + 1)
            .returning(t.c.id, t.c.provider, t.c.connection_id, t.c.event_id, t.c.body, t.c.attempts))
    with db.session(write=True) as s:
        reap_claims(s, t, worker, "error")
        rows = s.execute(stmt).all()
    return sorted((Claimed(*row) for row in rows), key=lambda c: c.id)


class InboxWorker:
    def __init__(self, db: Database, vault: Vault, name: str | None = None,
                 fetch_budget: int = FETCH_BUDGET, fetch_batch: int = FETCH_BATCH) -> None:
        self.db, self.vault, self.name = db, vault, name or worker_name()
        self.fetch_budget, self.fetch_batch = fetch_budget, fetch_batch
        self._connectors: dict[Any, tuple[str, Any]] = {}

    def drain_once(self, limit: int = 100, fetches: DrainFetches | None = None) -> DrainResult:
        """Claim and process one batch (records fetched once each, within the drain's budget)."""
        result = DrainResult()
        fetches = fetches or DrainFetches(self.db, self.fetch_budget, self.fetch_batch)
        events = claim(self.db, self.name, limit)
        deferred = fetches.prefetch(events, self._connector)
        defer(self.db, self.name, deferred)
        result.deferred = len(deferred)
        for event in events:
            if event.id not in deferred:
                self._process(event, result, fetches)
        return result

    def drain(self, limit: int = 100, max_batches: int = 1_000_000) -> DrainResult:
        """Process until nothing is due."""
        total = DrainResult()
        fetches = DrainFetches(self.db, self.fetch_budget, self.fetch_batch)
        for _ in range(max_batches):
            batch = self.drain_once(limit, fetches)
            for name in ("processed", "ignored", "failed", "parked", "deferred"):
                setattr(total, name, getattr(total, name) + getattr(batch, name))
            total.applied.add(batch.applied)
            if not (batch.processed or batch.ignored or batch.failed or batch.parked):
                break
        return total

    def _connector(self, connection_id: Any) -> tuple[str, Any]:
        if connection_id not in self._connectors:
            with self.db.session() as s:
                row = s.get(Connection, connection_id)
            if row is None:  # no foreign key on the inbox (migration 0018): said plainly, parked
                raise LookupError(f"connection {connection_id} no longer exists")
            name = row.name

            def save(changes: dict) -> None:
                with self.db.session(write=True) as s:
                    update_credentials(s, self.vault, name, changes)

            self._connectors[connection_id] = (name, build_connector(row, self.vault, save))
        return self._connectors[connection_id]

    def _process(self, event: Claimed, result: DrainResult, fetches: DrainFetches | None = None) -> None:
        try:
            name, connector = self._connector(event.connection_id)
            if fetches is not None:  # the drain's records, fetched once each (webhooks/coalesce.py)
                connector = fetches.view(event.connection_id, connector)
            changes = changes_for(event.provider, event.body, connector)
        except UnknownEvent as exc:
            self._finish(event, "ignored", str(exc))
            result.ignored += 1
            return
        except Exception as exc:  # a poison event must not stop the worker; its error is kept
            self._fail(event, exc, result)
            return
        with self.db.session(write=True) as s:
            if not self._still_ours(s, event):
                return
            applied = apply_changes(s, context_for(s, name, actor=f"webhook:{name}"), changes)
            status = "ignored" if changes and applied.stale == len(changes) else "processed"
            note = "stale: a newer version was already applied" if status == "ignored" else None
            s.execute(update(InboxEvent).where(InboxEvent.id == event.id).values(
                status=status, processed_at=utcnow(), locked_by=None, locked_until=None, error=note))
        result.applied.add(applied)
        setattr(result, status, getattr(result, status) + 1)

    def _still_ours(self, session, event: Claimed) -> bool:
        # Taken by another worker after our claim expired: that worker applies it, not us.
        held = session.scalar(select(InboxEvent.locked_by).where(InboxEvent.id == event.id).with_for_update())
        return held == self.name

    def _fail(self, event: Claimed, exc: Exception, result: DrainResult) -> None:
        message = f"{type(exc).__name__}: {exc}"[:2000]
        if not isinstance(exc, RETRIABLE) or event.attempts >= MAX_ATTEMPTS:
            self._finish(event, "parked", message)
            result.parked += 1
            why = "not retriable" if not isinstance(exc, RETRIABLE) else f"after {event.attempts} attempts"
            log.warning("inbox event %s parked (%s): %s", event.event_id, why, message)
            return
        delay = min(3600, 2 ** event.attempts) if isinstance(exc, ConnectorError) else min(3600, 30 * event.attempts)
        with self.db.session(write=True) as s:
            s.execute(update(InboxEvent).where(InboxEvent.id == event.id, InboxEvent.locked_by == self.name)
                      .values(status="failed", error=message, locked_by=None, locked_until=None,
                              next_attempt_at=utcnow() + timedelta(seconds=delay)))
        result.failed += 1

    def _finish(self, event: Claimed, status: str, message: str | None) -> None:
        with self.db.session(write=True) as s:
            s.execute(update(InboxEvent).where(InboxEvent.id == event.id, InboxEvent.locked_by == self.name)
                      .values(status=status, error=message, processed_at=utcnow(),
                              locked_by=None, locked_until=None))


def replay(db: Database, *, ids: list[int] | None = None, provider: str | None = None,
           since: datetime | None = None, until: datetime | None = None) -> int:
    """Put stored events back in the queue. Processing is idempotent, so nothing doubles."""
    if not (ids or provider or since or until):
        raise ValueError("choose events to replay: by id, by provider or by time range")
    t = InboxEvent.__table__
    conditions = []
    if ids:
        conditions.append(t.c.id.in_(ids))
    if provider:
        conditions.append(t.c.provider == provider)
    if since:
        conditions.append(t.c.received_at >= since)
    if until:
        conditions.append(t.c.received_at < until)
    with db.session(write=True) as s:
        return s.execute(update(t).where(*conditions).values(
            status="pending", attempts=0, next_attempt_at=None, error=None, locked_by=None,
            locked_until=None)).rowcount
