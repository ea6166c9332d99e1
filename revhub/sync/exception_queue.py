"""The exception queue: what sync could not decide alone, settled by an admin.

An ambiguous match is answered by naming the record it is (one of the candidates) or by
declaring it new; the held change is then applied through ``sync.apply`` exactly as the
source system sent it. A change waiting for a reference settles itself when the reference
arrives; an admin may only dismiss it (say, when the reference will never come).

One record, one exception: a record that no run can place is seen again by every run, so
filing (``file_exceptions``) updates the open exception of that (system, entity, external id)
with the latest change instead of adding another, and settling one closes any sibling filed
before this rule. A record placed meanwhile is refused, never linked twice.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from revhub.store import Link, SyncException, utcnow
from revhub.sync.context import context_for
from revhub.sync.lookups import chunks
from revhub.sync.parking import KIND as WAITING
from revhub.sync.parking import load_change

AMBIGUOUS = "ambiguous_match"
# Raised by a write to the ledger, for a person to act on (none holds a change to apply).
UNAPPLIED_CASH = "unapplied_cash"      # money captured with no invoice to pay
OVERPAYMENT = "overpayment"            # money beyond the amount due, held as customer credit
# Kinds that hold a change of one remote record: one open exception per record.
HOLDS_CHANGE = (AMBIGUOUS, WAITING)
# An exception folded into the open one of the same record (filed twice before the rule).
SUPERSEDED = "superseded"


class ExceptionQueueError(ValueError):
    """The exception cannot be settled as asked."""


def settle(session: Session, exception_id: int, *, actor: str, link_to: uuid.UUID | None = None,
           create: bool = False, dismiss: bool = False) -> SyncException:
    """Settle exception ``exception_id``: link it to a candidate, create a new record, or dismiss it."""
    if sum((link_to is not None, create, dismiss)) != 1:
        raise ExceptionQueueError("say exactly one of: link to a candidate, create a new record, dismiss")
    row = session.get(SyncException, exception_id, with_for_update=True)
    if row is None:
        raise ExceptionQueueError(f"no exception with id {exception_id}")
    if row.status != "open":
        raise ExceptionQueueError(f"exception {exception_id} is already {row.status}")
    if dismiss:
        return _close(row, "dismissed", actor)
    if row.kind != AMBIGUOUS:
        hint = " (it is applied by the next run once its reference arrives)" if row.kind == WAITING else \
            " (book or return the money in the ledger, then dismiss it)" if row.kind in (UNAPPLIED_CASH,
                                                                                        OVERPAYMENT) else ""
        raise ExceptionQueueError(f"a {row.kind} exception can only be dismissed{hint}")
    held = (row.payload or {}).get("change")
    if held is None:
        raise ExceptionQueueError(f"exception {exception_id} holds no change to apply; dismiss it")
    if link_to is not None and str(link_to) not in (row.candidates or []):
        raise ExceptionQueueError(f"{link_to} is not one of the candidates: {', '.join(row.candidates or [])}")
    placed = session.scalar(select(Link.canonical_id).where(
        Link.entity == row.entity, Link.system == row.system, Link.external_id == row.external_id))
    if placed is not None:
        raise ExceptionQueueError(f"{row.system} {row.entity} {row.external_id} is already linked to record "
                                  f"{placed}; nothing is left to place, dismiss this exception")
    from revhub.sync.apply import apply_changes  # apply files exceptions through this module

    ctx = context_for(session, row.system, actor=actor)
    if link_to is not None:
        # Linked without a base, as a first contact: fields both sides filled are settled by
        # the ownership policies or become conflicts, never silently overwritten.
        session.add(Link(entity=row.entity, canonical_id=link_to, system=row.system,
                         external_id=row.external_id, remote_version=None, base_snapshot={}))
        session.flush()
    result = apply_changes(session, ctx, [load_change(held)], match=link_to is not None)
    if result.exceptions:
        # Placed, but the change now waits for a reference: the same exception holds it, open.
        session.refresh(row)
        return row
    _close_siblings(session, row, "resolved", actor)
    return _close(row, "resolved", actor)


def file_exceptions(session: Session, rows: list[dict[str, Any]]) -> None:
    """Store the exceptions a page of changes raised: a record that already has an open
    exception holding a change gets that one updated (kind, message, latest change,
    candidates); older duplicates of it are folded in as ``superseded``."""
    latest: dict[tuple[str, str, str], dict[str, Any]] = {}
    others = []
    for row in rows:
        if row["kind"] in HOLDS_CHANGE and row.get("external_id"):
            latest[(row["system"], row["entity"], row["external_id"])] = row  # the page's newest wins
        else:
            others.append(row)
    open_ids = _open_by_record(session, latest)
    table = SyncException.__table__
    updates, superseded = [], []
    for key, row in latest.items():
        ids = open_ids.get(key)
        if not ids:
            others.append(row)
            continue
        superseded += ids[1:]
        updates.append({"_id": ids[0], "kind": row["kind"], "message": row["message"],
                        "payload": row.get("payload"), "candidates": row.get("candidates")})
    if updates:
        session.execute(update(table).where(table.c.id == bindparam("_id")).values(
            kind=bindparam("kind"), message=bindparam("message"), payload=bindparam("payload"),
            candidates=bindparam("candidates")), updates)
    for part in chunks(superseded):
        session.execute(update(table).where(table.c.id.in_(part)).values(
            status=SUPERSEDED, resolved_by="sync", resolved_at=utcnow()))
    if others:
        session.execute(insert(table), others)


def close_placed(session: Session, links: list[dict[str, Any]]) -> None:
    """Records a run has just linked (``links``: new link rows) are placed: their open
    change-holding exceptions are settled by sync, so the queue lists only what still waits."""
    wanted: dict[tuple[str, str], list[str]] = defaultdict(list)
    for link in links:
        wanted[(link["system"], link["entity"])].append(link["external_id"])
    table = SyncException.__table__
    for (system, entity), external_ids in wanted.items():
        # Nearly always nothing waits: one small probe instead of an UPDATE ... IN (page of ids)
        # per page (on PostgreSQL psycopg parses a statement of over 50 parameters anew each time).
        waiting = select(table.c.id).where(table.c.status == "open", table.c.kind.in_(HOLDS_CHANGE),
                                           table.c.system == system, table.c.entity == entity).limit(1)
        if session.execute(waiting).first() is None:
            continue
        for part in chunks(external_ids):
            session.execute(update(table).where(
                table.c.status == "open", table.c.kind.in_(HOLDS_CHANGE), table.c.system == system,
                table.c.entity == entity, table.c.external_id.in_(part)).values(
                status="resolved", resolved_by="sync", resolved_at=utcnow()))


def _open_by_record(session: Session, keys: Any) -> dict[tuple[str, str, str], list[int]]:
    """(system, entity, external id) → ids of its open change-holding exceptions, oldest first."""
    wanted: dict[tuple[str, str], list[str]] = defaultdict(list)
    for system, entity, external_id in keys:
        wanted[(system, entity)].append(external_id)
    found: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for (system, entity), external_ids in wanted.items():
        for part in chunks(external_ids):
            for row_id, external_id in session.execute(select(SyncException.id, SyncException.external_id).where(
                    SyncException.status == "open", SyncException.kind.in_(HOLDS_CHANGE),
                    SyncException.system == system, SyncException.entity == entity,
                    SyncException.external_id.in_(part)).order_by(SyncException.id)):
                found[(system, entity, external_id)].append(row_id)
    return found


def _close_siblings(session: Session, row: SyncException, status: str, actor: str) -> None:
    """Other open exceptions of the same record (filed before one-per-record) share its answer."""
    for sibling in session.scalars(select(SyncException).where(
            SyncException.id != row.id, SyncException.status == "open", SyncException.kind.in_(HOLDS_CHANGE),
            SyncException.system == row.system, SyncException.entity == row.entity,
            SyncException.external_id == row.external_id).with_for_update()):
        _close(sibling, status, actor)


def record_notices(session: Session, system: str, entity: str,
                   notices: list[tuple[uuid.UUID, list[dict[str, Any]], bool]]) -> int:
    """Open one exception per notice a write raised (kind, message, payload), unless the same
    kind is already open for that record: a retried write never queues a second one. A record
    now written (the third element) closes its open unapplied-cash exception: it found its invoice."""
    written = [str(record_id) for record_id, _, sent in notices if sent]
    if written:
        for row in session.scalars(select(SyncException).where(
                SyncException.kind == UNAPPLIED_CASH, SyncException.status == "open",
                SyncException.entity == entity, SyncException.external_id.in_(written))):
            _close(row, "resolved", "outbox")
    wanted = [(record_id, n) for record_id, found, _ in notices for n in found]
    if not wanted:
        return 0
    ids = {str(record_id) for record_id, _ in wanted}
    open_now = set(session.execute(select(SyncException.kind, SyncException.external_id).where(
        SyncException.status == "open", SyncException.entity == entity,
        SyncException.external_id.in_(ids))).all())
    added = 0
    for record_id, notice in wanted:
        if (notice["kind"], str(record_id)) in open_now:
            continue
        open_now.add((notice["kind"], str(record_id)))
        session.add(SyncException(kind=notice["kind"], entity=entity, system=system, external_id=str(record_id),
                                  message=notice["message"], payload=notice.get("payload"), status="open"))
        added += 1
    return added


def open_exceptions(session: Session, kind: str | None = None) -> list[SyncException]:
    query = select(SyncException).where(SyncException.status == "open").order_by(SyncException.id)
    return list(session.scalars(query.where(SyncException.kind == kind) if kind else query))


def _close(row: SyncException, status: str, actor: str) -> SyncException:
    row.status, row.resolved_by, row.resolved_at = status, actor, utcnow()
    return row
