"""Inbound events never cost unbounded provider calls.

Salesforce and Xero events are thin: each names a record the worker must fetch. A message
of 100 notifications of one record, or a flood of them, must not become 100 calls. So per
drain, every record is fetched once (all the events naming it share the answer), records are
fetched in batches by id where the connector can (``fetch_many``), and the calls a drain may
make are budgeted: events whose records do not fit in the budget go back to the queue, a
little later, without costing them an attempt.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from revhub.connectors.base import Change
from revhub.store import Database, InboxEvent, utcnow
from revhub.webhooks.handlers import SALESFORCE_ENTITIES, XERO_ENTITIES

log = logging.getLogger(__name__)

# Ids per batched query: a Salesforce SOQL ``Id IN (...)`` of 200 ids is ~4 KB of URL.
FETCH_BATCH = 200
# Provider calls one drain may spend on fetches (batched: up to 200 x this many records).
FETCH_BUDGET = 50
# How long an event left over by the budget waits before it is due again.
DEFER_SECONDS = 5

Key = tuple[Any, str, str]  # (connection id, entity, external id)


def record_of(provider: str, body: bytes) -> tuple[str, str] | None:
    """(entity, external id) a thin event asks the worker to fetch; None for anything else
    (events that carry their data, entities not synced, malformed bodies: the worker says why)."""
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    if provider == "salesforce":
        entity, external_id = SALESFORCE_ENTITIES.get(payload.get("sobject")), payload.get("id")
    elif provider == "xero":
        entity, external_id = XERO_ENTITIES.get(payload.get("eventCategory")), payload.get("resourceId")
    else:
        return None
    return (entity, external_id) if entity and isinstance(external_id, str) else None


class DrainFetches:
    """One drain's fetched records and the provider calls it has left.

    A record fetched earlier in the drain answers a later event only if that event was
    received before the fetch began: the change it announces is then in what was fetched.
    """

    def __init__(self, db: Database, budget: int = FETCH_BUDGET, batch: int = FETCH_BATCH) -> None:
        self.db, self.calls_left, self.batch = db, budget, batch
        self.calls = 0
        self._found: dict[Key, Change | None | Exception] = {}
        self._fetched_at: dict[Key, datetime] = {}

    def prefetch(self, events: Iterable[Any], connector_for: Callable[[Any], tuple[str, Any]]) -> set[int]:
        """Fetch the records ``events`` name (each once); the ids of events left over by the budget."""
        wanted: dict[Key, list[int]] = {}
        for event in events:
            record = record_of(event.provider, event.body)
            if record is not None:
                wanted.setdefault((event.connection_id, *record), []).append(event.id)
        self._forget_older_than(wanted)
        groups: dict[tuple[Any, str], list[str]] = {}
        for key in wanted:
            if key not in self._found:
                groups.setdefault(key[:2], []).append(key[2])
        deferred: set[int] = set()
        for (connection_id, entity), ids in groups.items():
            try:
                _name, connector = connector_for(connection_id)
            except Exception:  # noqa: BLE001 - the worker fails these events itself, saying why
                continue
            for left in self._fetch(connection_id, connector, entity, ids):
                deferred.update(wanted[(connection_id, entity, left)])
        return deferred

    def _forget_older_than(self, wanted: dict[Key, list[int]]) -> None:
        """Drop the records fetched before some event naming them was received."""
        cached = [key for key in wanted if key in self._found]
        if not cached:
            return
        event_ids = [event_id for key in cached for event_id in wanted[key]]
        with self.db.session() as s:
            received = dict(s.execute(select(InboxEvent.id, InboxEvent.received_at)
                                      .where(InboxEvent.id.in_(event_ids))).all())
        for key in cached:
            if any(received.get(i) is None or received[i] >= self._fetched_at[key] for i in wanted[key]):
                del self._found[key]

    def _fetch(self, connection_id: Any, connector: Any, entity: str, ids: list[str]) -> list[str]:
        """Fetch ``ids`` within the budget; the ids left over."""
        many = getattr(connector, "fetch_many", None)
        chunks = [ids[i:i + self.batch] for i in range(0, len(ids), self.batch)] if many else [[i] for i in ids]
        left: list[str] = []
        for chunk in chunks:
            if self.calls_left <= 0:
                left += chunk
                continue
            self.calls_left -= 1
            self.calls += 1
            started = utcnow()  # taken before the request: the answer is at least this recent
            try:
                found = many(entity, chunk) if many else {chunk[0]: connector.fetch(entity, chunk[0])}
            except Exception as exc:  # noqa: BLE001 - kept, and raised to each event naming these records
                found = dict.fromkeys(chunk, exc)
            for external_id in chunk:
                self._found[(connection_id, entity, external_id)] = found.get(external_id)
                self._fetched_at[(connection_id, entity, external_id)] = started
        return left

    def view(self, connection_id: Any, connector: Any) -> FetchedConnector:
        """``connector`` as the event handlers see it: ``fetch`` answered from this drain's records."""
        return FetchedConnector(self, connection_id, connector)

    def answer(self, connection_id: Any, connector: Any, entity: str, external_id: str) -> Change | None:
        key = (connection_id, entity, external_id)
        if key not in self._found:  # not prefetched (the event did not name it): fetched alone, counted
            self.calls += 1
            self.calls_left -= 1
            return connector.fetch(entity, external_id)
        value = self._found[key]
        if isinstance(value, Exception):
            raise value
        return value


class FetchedConnector:
    """A connector whose ``fetch`` reads the drain's prefetched records; all else is the connector's."""

    def __init__(self, fetches: DrainFetches, connection_id: Any, connector: Any) -> None:
        self._fetches, self._connection_id, self._connector = fetches, connection_id, connector

    def fetch(self, entity: str, external_id: str) -> Change | None:
        return self._fetches.answer(self._connection_id, self._connector, entity, external_id)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connector, name)


def defer(db: Database, worker: str, ids: set[int], seconds: float = DEFER_SECONDS) -> None:
    """Give claimed events back to the queue, due again in ``seconds``, their attempt not counted."""
    if not ids:
        return
    with db.session(write=True) as s:
        s.execute(update(InboxEvent).where(InboxEvent.id.in_(ids), InboxEvent.locked_by == worker)
                  .values(status="pending", attempts=InboxEvent.attempts - 1, locked_by=None, locked_until=None,
                          next_attempt_at=utcnow() + timedelta(seconds=seconds)))
    log.info("inbox: %d events left queued for %ss: this drain's provider fetch budget is spent", len(ids), seconds)
