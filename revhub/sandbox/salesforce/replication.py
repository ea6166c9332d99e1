"""Get-updated and get-deleted: ids changed in a time window, for replication.

Windows are read on the sandbox clock with the seconds dropped, as Salesforce does; the
window must lie within the last 30 days; get-deleted only remembers 15 days of deletes.
https://developer.salesforce.com/docs/platform/api-rest/guide/resources-getupdated.html
"""

from __future__ import annotations

from datetime import datetime, timedelta

from revhub.sandbox.salesforce.errors import ApiError
from revhub.sandbox.salesforce.values import format_datetime, parse_datetime

WINDOW_DAYS = 30
DELETED_RETENTION_DAYS = 15
MAX_IDS = 600_000


def _window(args, clock) -> tuple[datetime, datetime, datetime]:
    bounds = []
    for name in ("start", "end"):
        raw = args.get(name)
        if raw is None:
            raise ApiError(400, "MISSING_ARGUMENT", f"{name} parameter is required")
        value = parse_datetime(raw.strip())
        if value is None:
            raise ApiError(400, "INVALID_REPLICATION_DATE", f"Invalid {name} date: {raw}")
        bounds.append(value.replace(second=0, microsecond=0))
    start, end = bounds
    now = clock.now()
    if start >= end:
        raise ApiError(400, "INVALID_REPLICATION_DATE",
                       "start date must chronologically precede end date")
    if start < now - timedelta(days=WINDOW_DAYS):
        raise ApiError(400, "INVALID_REPLICATION_DATE",
                       f"start date cannot be more than {WINDOW_DAYS} days ago")
    covered = min(end, now.replace(second=0, microsecond=0))
    return start, end, covered


def updated(store, sobject: str, args, clock) -> dict:
    """``{"ids": [...], "latestDateCovered": ...}`` for records written in the window."""
    start, _, covered = _window(args, clock)
    with store.lock:
        ids = [r["Id"] for r in store.tables[sobject].rows
               if not r["IsDeleted"] and start <= r["SystemModstamp"] < covered]
    if len(ids) > MAX_IDS:
        raise ApiError(400, "EXCEEDED_ID_LIMIT", "too many ids in the window; narrow it")
    return {"ids": ids, "latestDateCovered": format_datetime(covered)}


def deleted(store, sobject: str, args, clock, org_created: datetime) -> dict:
    """Deleted records in the window, with the earliest date the delete log still covers."""
    start, _, covered = _window(args, clock)
    horizon = clock.now() - timedelta(days=DELETED_RETENTION_DAYS)
    with store.lock:
        table = store.tables[sobject]
        log = table.deleted_log
        purged = [when for when, _ in log if when < horizon]
        if purged:
            # Older entries are physically gone, as after Salesforce empties its delete log.
            del log[:len(purged)]
            table.earliest_deleted = max(purged[-1], table.earliest_deleted or org_created)
        earliest = table.earliest_deleted or org_created
        found = [{"id": rid, "deletedDate": format_datetime(when)}
                 for when, rid in log if start <= when < covered]
    if len(found) > MAX_IDS:
        raise ApiError(400, "EXCEEDED_ID_LIMIT", "too many ids in the window; narrow it")
    return {"deletedRecords": found, "earliestDateAvailable": format_datetime(earliest),
            "latestDateCovered": format_datetime(covered)}
