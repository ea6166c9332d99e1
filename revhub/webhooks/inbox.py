"""The inbox: provider events stored durably, once, before they are acknowledged.

This is the hot path of every webhook, so the insert runs on the DB-API connection with a
prepared statement (one round trip and one commit), values laid out exactly as the
SQLAlchemy column types store them (the rest of revhub reads these rows through the ORM).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

_COLUMNS = "provider, connection_id, event_id, event_type, body, received_at, status, attempts"
_SQL = {
    "sqlite": f"INSERT INTO inbox_events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, 'pending', 0) "
              "ON CONFLICT (provider, event_id) DO NOTHING",
    "postgresql": f"INSERT INTO inbox_events ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, 'pending', 0) "
                  "ON CONFLICT (provider, event_id) DO NOTHING",
}


@dataclass(frozen=True)
class IncomingEvent:
    event_id: str
    event_type: str | None
    body: bytes


def _row(dialect: str, provider: str, connection_id: uuid.UUID, event: IncomingEvent, now: datetime) -> tuple:
    if dialect == "sqlite":
        # As sqlalchemy.Uuid and revhub's UTCDateTime store them on SQLite.
        return (provider, connection_id.hex, event.event_id, event.event_type, event.body,
                now.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f"))
    return provider, connection_id, event.event_id, event.event_type, event.body, now


def store(engine: Engine, provider: str, connection_id: uuid.UUID, events: list[IncomingEvent]) -> int:
    """Insert ``events``; duplicates of (provider, event id) are absorbed. Returns how many were new."""
    if not events:
        return 0
    now = datetime.now(UTC)
    try:
        return _insert(engine, provider, connection_id, events, now)
    except _Dropped:
        # The pool does not ping on this path (a round trip per webhook); a connection the
        # server dropped (a restart) has been discarded, and the insert is tried once more.
        return _insert(engine, provider, connection_id, events, now)


class _Dropped(Exception):
    """The server had closed the pooled connection; nothing was written."""


def _insert(engine: Engine, provider: str, connection_id: uuid.UUID, events: list[IncomingEvent],
            now: datetime) -> int:
    dialect = engine.dialect.name
    sql = _SQL[dialect]
    raw = engine.raw_connection()
    # One event on PostgreSQL: the INSERT alone in autocommit is one atomic, durable round
    # trip (no BEGIN/COMMIT exchange). Several (a Xero delivery) share one transaction.
    single = dialect == "postgresql" and len(events) == 1
    try:
        if single:
            raw.driver_connection.autocommit = True
        cursor = raw.cursor()
        if dialect == "sqlite":
            cursor.execute("BEGIN IMMEDIATE")
        inserted = 0
        for event in events:
            cursor.execute(sql, _row(dialect, provider, connection_id, event, now))
            inserted += max(cursor.rowcount, 0)
        if not single:
            raw.commit()
        return inserted
    except engine.dialect.loaded_dbapi.Error as exc:
        if engine.dialect.is_disconnect(exc, raw.driver_connection, None):
            raw.invalidate()
            engine.dispose()  # after a server restart every pooled connection is dead, not just this one
            raise _Dropped() from exc
        _undo(raw, single)
        raise
    except BaseException:
        _undo(raw, single)
        raise
    finally:
        if raw.is_valid and single:
            raw.driver_connection.autocommit = False
        raw.close()


def _undo(raw, single: bool) -> None:
    if not single:
        raw.rollback()
