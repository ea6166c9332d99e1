"""Running syncs by connection name: what the scheduler, the CLI and the demo call."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from sqlalchemy import select

from revhub.connections import Vault, update_credentials
from revhub.connectors.budget import save_budget
from revhub.connectors.registry import PROVIDER_ENTITIES, build_connector
from revhub.store import Connection, Database
from revhub.sync.entities import SYNC_ORDER
from revhub.sync.lease import lease
from revhub.sync.runner import RunSummary, run_sync

log = logging.getLogger(__name__)


def job_id(connection: str, entity: str) -> str:
    return f"sync:{connection}:{entity}"


def plan(db: Database, connection: str | None = None, entity: str | None = None) -> list[tuple[str, str]]:
    """(connection, entity) pairs to sync, parents before children; unknown names are errors."""
    with db.session() as s:
        rows = s.scalars(select(Connection).where(Connection.enabled.is_(True)).order_by(Connection.name)).all()
        if connection is not None and connection not in {c.name for c in rows}:
            raise LookupError(f"no enabled connection named {connection!r}")
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
             on_page: Callable[[RunSummary], None] | None = None) -> RunSummary | None:
    """Run one sync under its lease; None if another process holds it."""
    with lease(db, job_id(connection, entity)) as held:
        if not held:
            log.info("sync %s/%s is running elsewhere; skipped", connection, entity)
            return None
        with db.session() as s:
            row = s.scalar(select(Connection).where(Connection.name == connection))

        def save(changes: dict) -> None:
            with db.session(write=True) as s:
                update_credentials(s, vault, connection, changes)

        connector = build_connector(row, vault, save)
        try:
            return run_sync(db, connector, connection, entity, full=full, on_page=on_page)
        finally:  # what the provider said of the API budget, for the console's overview
            save_budget(db, row.id, connector)


def sync_all(db: Database, vault: Vault, pairs: Iterable[tuple[str, str]], *, full: bool = False,
             on_page: Callable[[RunSummary], None] | None = None) -> list[RunSummary]:
    results = []
    for connection, entity in pairs:
        summary = sync_one(db, vault, connection, entity, full=full, on_page=on_page)
        if summary is not None:
            results.append(summary)
    return results
