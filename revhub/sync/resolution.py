"""An admin's answer to a conflict, field by field.

The chosen value goes into the record through ``sync.apply`` as a change from revhub itself,
so it is versioned, audited and written back to every system that holds the record; when
the admin keeps the canonical value, the systems are still sent it, since the one that
disagreed holds the other value. A system that holds the record but that revhub does not
write the entity to (``WRITE_TARGETS``) keeps its value: the admin is told so before
choosing (``read_only_notice``), and a conflict settled against such a system's value stays
listed as ``diverged``.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from revhub.store import Conflict, Connection, Link, OutboxMessage, utcnow
from revhub.store.base import jsonable
from revhub.sync.apply import jsonable_value, outbox_rows
from revhub.sync.context import WRITE_TARGETS, SyncContext, revhub_context
from revhub.sync.entities import ENTITIES
from revhub.sync.lookups import load_rows
from revhub.sync.own_changes import apply_own_change

CHOICES = ("current", "incoming", "base", "value")
# Settled in the store and every writable system, while a system revhub does not write this
# entity to still holds another value: listed apart, so the disagreement stays in sight.
DIVERGED = "diverged"


class ResolutionError(ValueError):
    """The conflict cannot be resolved as asked (unknown, already settled, bad choice)."""


def _chosen(conflict: Conflict, choice: str, value: Any) -> Any:
    if choice not in CHOICES:
        raise ResolutionError(f"choice must be one of {', '.join(CHOICES)}; got {choice!r}")
    if choice == "value":
        return value
    if value is not None:
        raise ResolutionError("a value is given only with the choice 'value'")
    return {"current": conflict.current_value, "incoming": conflict.incoming_value,
            "base": conflict.base_value}[choice]


def resolve_conflict(session: Session, conflict_id: int, choice: str, *, actor: str,
                     value: Any = None) -> Conflict:
    """Settle conflict ``conflict_id`` with the current, incoming or base value (or ``value``)."""
    conflict = session.get(Conflict, conflict_id, with_for_update=True)
    if conflict is None:
        raise ResolutionError(f"no conflict with id {conflict_id}")
    if conflict.status != "open":
        raise ResolutionError(f"conflict {conflict_id} is already {conflict.status} ({conflict.resolution})")
    chosen = _chosen(conflict, choice, value)
    spec = ENTITIES[conflict.entity]
    row = load_rows(session, spec, {conflict.record_id}).get(conflict.record_id)
    if row is None or row.get("deleted_at") is not None:
        raise ResolutionError(f"the {conflict.entity} of conflict {conflict_id} no longer exists")
    current = jsonable_value(row.get(conflict.field))
    ctx = revhub_context(session, actor)
    if chosen == current:
        _announce(session, ctx, conflict, row["version"])
    else:
        apply_own_change(session, ctx, conflict.entity, conflict.record_id, {conflict.field: chosen},
                         {conflict.field: current})
    kept = [system for system, held in read_only_values(session, conflict).items() if held != chosen]
    conflict.status = DIVERGED if kept else "resolved"
    conflict.resolved_by, conflict.resolved_at = actor, utcnow()
    note = f"; {', '.join(kept)} keep{'s' if len(kept) == 1 else ''} another value (read-only by policy)" \
        if kept else ""
    conflict.resolution = f"{choice}: {json.dumps(jsonable(chosen), default=str)}"[:255 - len(note)] + note
    return conflict


def read_only_values(session: Session, conflict: Conflict) -> dict[str, Any]:
    """{system: the value it was last seen with} for each system that holds the conflict's record
    but that revhub, by policy (``WRITE_TARGETS``), never writes this entity to."""
    rows = session.execute(select(Link.system, Link.base_snapshot, Connection.provider)
                           .join(Connection, Connection.name == Link.system)
                           .where(Link.entity == conflict.entity, Link.canonical_id == conflict.record_id))
    return {system: (snapshot or {}).get(conflict.field) for system, snapshot, provider in rows
            if conflict.entity not in WRITE_TARGETS.get(provider, ())}


def read_only_notice(session: Session, conflict: Conflict) -> str | None:
    """What an admin must know before choosing: the systems that will keep their own value."""
    systems = sorted(read_only_values(session, conflict))
    if not systems:
        return None
    return (f"{', '.join(systems)} {'holds' if len(systems) == 1 else 'hold'} this {conflict.entity}, but revhub "
            f"does not write {conflict.entity}s there (read-only by policy): whatever you choose, "
            f"{'it keeps its' if len(systems) == 1 else 'they keep their'} own value until changed there")


def _announce(session: Session, ctx: SyncContext, conflict: Conflict, version: int) -> None:
    """The canonical value stands: send it again to the systems that take this entity."""
    rows = outbox_rows(ctx, conflict.entity, conflict.record_id, version, "upsert", utcnow(),
                       reason=f"conflict-{conflict.id}")
    if rows:
        session.execute(insert(OutboxMessage.__table__), rows)


def settle_by_policy(session: Session, *, entity: str, winner: str, actor: str, field: str | None = None,
                     limit: int = 500) -> tuple[list[int], list[str]]:
    """Settle the open conflicts of ``entity`` (and ``field``) that ``winner`` is a side of with
    ``winner``'s value, each as one admin decision (audited, written back). Returns (settled
    ids, one line per conflict that could not be settled); conflicts ``winner`` is no side of
    are left open."""
    query = select(Conflict.id, Conflict.current_system).where(
        Conflict.status == "open", Conflict.entity == entity,
        (Conflict.current_system == winner) | (Conflict.incoming_system == winner))
    if field:
        query = query.where(Conflict.field == field)
    settled, refused = [], []
    for conflict_id, current_system in session.execute(query.order_by(Conflict.id).limit(limit)).all():
        try:
            with session.begin_nested():  # one that cannot be settled leaves the others' work alone
                resolve_conflict(session, conflict_id, "current" if current_system == winner else "incoming",
                                 actor=actor)
        except ResolutionError as exc:
            refused.append(str(exc))
        else:
            settled.append(conflict_id)
    return settled, refused
