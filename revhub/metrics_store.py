"""Gauges read from the store at scrape time: queue depth and age, dead letters, conflicts and
exceptions open. Grouped counts over indexed status columns, a handful of queries per scrape."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from revhub.store import Conflict, Database, InboxEvent, OutboxMessage, SyncException

log = logging.getLogger(__name__)
WAITING = ("pending", "failed", "processing")


def _age(oldest: datetime | None, now: datetime) -> float:
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:  # SQLite hands back naive UTC
        oldest = oldest.replace(tzinfo=UTC)
    return max(0.0, (now - oldest).total_seconds())


class StoreCollector:
    """A prometheus_client collector over one ``Database``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("revhub_store_up", "1 if the store answered this scrape's queries")
        try:
            families = self._families()
        except SQLAlchemyError as exc:
            log.warning("metrics: store unreachable: %s", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self) -> list[GaugeMetricFamily]:
        now = datetime.now(UTC)
        families = []
        with self.db.session() as s:
            for name, model, system, stamp, dead in (
                    ("outbox", OutboxMessage, OutboxMessage.target_system, OutboxMessage.created_at, "dead"),
                    ("inbox", InboxEvent, InboxEvent.provider, InboxEvent.received_at, "parked")):
                label = "target" if name == "outbox" else "provider"
                depth = GaugeMetricFamily(f"revhub_{name}_depth", f"{name.title()} entries waiting, by status",
                                          labels=[label, "status"])
                age = GaugeMetricFamily(f"revhub_{name}_oldest_age_seconds",
                                        f"Age of the oldest waiting {name} entry", labels=[label])
                letters = GaugeMetricFamily(f"revhub_{name}_{dead}", f"{name.title()} entries given up ({dead})",
                                            labels=[label])
                oldest: dict[str, float] = {}
                rows = s.execute(select(system, model.status, func.count(), func.min(stamp))
                                 .where(model.status.in_((*WAITING, dead))).group_by(system, model.status))
                for key, status, count, first in rows:
                    if status == dead:
                        letters.add_metric([key], count)
                        continue
                    depth.add_metric([key, status], count)
                    oldest[key] = max(oldest.get(key, 0.0), _age(first, now))
                for key, seconds in oldest.items():
                    age.add_metric([key], seconds)
                families += [depth, age, letters]
            conflicts = GaugeMetricFamily("revhub_conflicts_open", "Open conflicts, by entity", labels=["entity"])
            for entity, count in s.execute(select(Conflict.entity, func.count()).where(
                    Conflict.status == "open").group_by(Conflict.entity)):
                conflicts.add_metric([entity], count)
            exceptions = GaugeMetricFamily("revhub_exceptions_open", "Open sync exceptions, by kind", labels=["kind"])
            for kind, count in s.execute(select(SyncException.kind, func.count()).where(
                    SyncException.status == "open").group_by(SyncException.kind)):
                exceptions.add_metric([kind], count)
        return families + [conflicts, exceptions]
