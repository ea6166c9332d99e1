"""Running syncs by connection name: what the scheduler, the CLI and the demo call."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from revhub.connections import Vault, update_credentials
from revhub.connectors.budget import save_budget
from revhub.connectors.registry import PROVIDER_ENTITIES, build_connector
from revhub.store import Connection, Database
from revhub.sync.entities import SYNC_ORDER
from revhub.sync.lease import LeaseLost, job_name, lease
from revhub.sync.reaping import reap_runs
from revhub.sync.runner import RunSummary, run_sync
from revhub.sync.store_retry import DROPPED, reconnecting

log = logging.getLogger(__name__)


def job_id(connection: str, entity: str) -> str:
    """The scheduler's job id, which is also the job's lease name."""
    return job_name(connection, entity)


@dataclass
class Skipped:
    """A sync not run because another process holds its lease."""

    connection: str
    entity: str
    holder: str | None
    until: datetime | None
    status: str = "skipped"
    paused_by: str | None = None  # set when an admin paused the connection instead

    def __str__(self) -> str:
        if self.paused_by:
            return f"{self.connection}/{self.entity} skipped: the connection is paused (by {self.paused_by})"
        until = f" until {self.until:%Y-%m-%d %H:%M:%S}Z" if self.until else ""
        return f"{self.connection}/{self.entity} skipped: running in {self.holder or 'another process'} " \
               f"(lease held{until})"


class SyncReport(list):
    """The summaries of the syncs that ran, and in ``skipped`` those another process held."""

    def __init__(self) -> None:
        super().__init__()
        self.skipped: list[Skipped] = []


def plan(db: Database, connection: str | None = None, entity: str | None = None) -> list[tuple[str, str]]:
    """(connection, entity) pairs to sync, parents before children; unknown names are errors."""
    return reconnecting(lambda: _plan(db, connection, entity), "planning syncs")


def _plan(db: Database, connection: str | None, entity: str | None) -> list[tuple[str, str]]:
    with db.session() as s:
        rows = s.scalars(select(Connection).where(Connection.enabled.is_(True)).order_by(Connection.name)).all()
        if connection is not None and connection not in {c.name for c in rows}:
            raise LookupError(f"no enabled connection named {connection!r}")
        paused = [c for c in rows if c.paused_at is not None and connection in (None, c.name)]
        if connection is not None and paused:
            raise LookupError(f"{connection} is paused (since {paused[0].paused_at:%Y-%m-%d %H:%M} UTC, by "
                              f"{paused[0].paused_by}); resume it first")
        rows = [c for c in rows if c.paused_at is None]
        pairs = []
        for ent in SYNC_ORDER:
            for conn in rows:
                if connection not in (None, conn.name) or entity not in (None, ent):
                    continue
                if ent in PROVIDER_ENTITIES.get(conn.provider, ()):
                    pairs.append((conn.name, ent))
    if entity is not None and not pairs:
        raise LookupError(f"entity {entity!r} is not synced by the selected connection(s)")
    return pairs


def sync_one(db: Database, vault: Vault, connection: str, entity: str, *, full: bool = False,
             on_page: Callable[[RunSummary], None] | None = None) -> RunSummary | Skipped:
    """Run one sync under its lease; :class:`Skipped` (logged) if another process holds it."""
    # Runs left running by a process that died or lost its lease are recorded so, with why,
    # before the lease they held is taken over.
    reconnecting(lambda: reap_runs(db), "reaping sync runs")
    with lease(db, job_id(connection, entity)) as held:
        if not held:
            skipped = Skipped(connection, entity, held.other, held.other_until)
            log.warning("sync %s", skipped)
            return skipped
        row = reconnecting(lambda: _connection(db, connection), f"sync {connection}/{entity}")
        if row.paused_at is not None:  # paused after the scheduler planned this job
            skipped = Skipped(connection, entity, None, None, paused_by=row.paused_by or "an admin")
            log.info("sync %s", skipped)
            return skipped

        def save(changes: dict) -> None:  # a rotated refresh token must not be lost to a dropped connection
            def store() -> None:
                with db.session(write=True) as s:
                    update_credentials(s, vault, connection, changes)

            reconnecting(store, f"saving {connection}'s rotated credentials")

        connector = build_connector(row, vault, save)
        try:
            return run_sync(db, connector, connection, entity, full=full, on_page=on_page, lease=held)
        finally:  # what the provider said of the API budget, for the console's overview
            save_budget(db, row.id, connector)


def _connection(db: Database, name: str) -> Connection:
    with db.session() as s:
        return s.scalar(select(Connection).where(Connection.name == name))


def sync_all(db: Database, vault: Vault, pairs: Iterable[tuple[str, str]], *, full: bool = False,
             on_page: Callable[[RunSummary], None] | None = None) -> SyncReport:
    """Run each pair in turn; the report lists the runs, and in ``skipped`` those held elsewhere."""
    report = SyncReport()
    for connection, entity in pairs:
        try:
            outcome = sync_one(db, vault, connection, entity, full=full, on_page=on_page)
        except (LeaseLost, *DROPPED) as exc:  # this job fails (the store failed on every try, or its
            # lease was lost before its first page); the others still run
            log.error("sync %s/%s failed: %s", connection, entity, exc)
            outcome = RunSummary(0, connection, entity, "full" if full else "incremental", "failed",
                                 note=f"not run: {getattr(exc, 'orig', None) or exc}"[:2000])
        if isinstance(outcome, Skipped):
            report.skipped.append(outcome)
        else:
            report.append(outcome)
    return report
