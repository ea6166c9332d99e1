"""Sync runs: which connection synced which entity, how (incremental or full), when, for how
long, with what counts and outcome; paginated, filterable and exportable like every list."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint
from sqlalchemy import select

from revhub.console.access import require_role
from revhub.console.listing import Filter, before_end_of, choice, list_page, on_or_after, text
from revhub.store import Connection, SyncRun
from revhub.sync.entities import ENTITIES

runs_page = Blueprint("runs_page", __name__)

MODES = ("incremental", "full")
COUNTS = ("fetched", "created", "updated", "unchanged", "deleted", "conflicts", "stale", "exceptions", "errors",
          "api_calls")

FILTERS = (
    Filter("connection", "Connection", text(64), lambda q, v: q.where(Connection.name == v), hint="e.g. stripe"),
    Filter("entity", "Entity", choice(*ENTITIES), lambda q, v: q.where(SyncRun.entity == v),
           choices=tuple(ENTITIES)),
    Filter("mode", "Mode", choice(*MODES), lambda q, v: q.where(SyncRun.mode == v), choices=MODES),
    Filter("status", "Status", text(16), lambda q, v: q.where(SyncRun.status == v), hint="ok, failed, running…"),
    Filter("since", "Started from", on_or_after, lambda q, v: q.where(SyncRun.started_at >= v), hint="YYYY-MM-DD"),
    Filter("until", "Started until", before_end_of, lambda q, v: q.where(SyncRun.started_at < v),
           hint="YYYY-MM-DD"),
)


def duration_seconds(run: SyncRun) -> float | None:
    """How long the run took (None while it runs)."""
    if run.finished_at is None or run.started_at is None:
        return None
    return round((_aware(run.finished_at) - _aware(run.started_at)).total_seconds(), 3)


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


COLUMNS = (
    ("id", lambda r: r[0].id), ("connection", lambda r: r[1]), ("entity", lambda r: r[0].entity),
    ("mode", lambda r: r[0].mode), ("status", lambda r: r[0].status), ("started_at", lambda r: r[0].started_at),
    ("finished_at", lambda r: r[0].finished_at),
    ("duration_seconds", lambda r: None if duration_seconds(r[0]) is None else str(duration_seconds(r[0]))),
    *((name, (lambda n: lambda r: getattr(r[0], n))(name)) for name in COUNTS),
    ("note", lambda r: r[0].note),
)


@runs_page.get("/runs")
@require_role("viewer")
def runs():
    query = (select(SyncRun, Connection.name).join(Connection, Connection.id == SyncRun.connection_id)
             .order_by(SyncRun.started_at.desc(), SyncRun.id.desc()))
    return list_page(query, FILTERS, template="runs.html", filename="sync-runs", columns=COLUMNS, scalars=False,
                     duration=duration_seconds)
