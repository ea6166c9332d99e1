"""The inbox: provider events stored durably, once, before they are acknowledged."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite

from revhub.store import InboxEvent, utcnow

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


@dataclass(frozen=True)
class IncomingEvent:
    event_id: str
    event_type: str | None
    body: bytes


def store(engine: Engine, provider: str, connection_id: uuid.UUID, events: list[IncomingEvent]) -> int:
    """Insert ``events``; duplicates of (provider, event id) are absorbed. Returns how many were new."""
    if not events:
        return 0
    insert = _INSERTS[engine.dialect.name](InboxEvent.__table__).on_conflict_do_nothing(
        index_elements=["provider", "event_id"])
    now = utcnow()
    rows = [dict(provider=provider, connection_id=connection_id, event_id=e.event_id,
                 event_type=e.event_type, body=e.body, received_at=now, status="pending", attempts=0)
            for e in events]
    with engine.begin() as conn:
        if len(rows) == 1:
            return conn.execute(insert, rows[0]).rowcount
        return sum(conn.execute(insert, row).rowcount for row in rows)
