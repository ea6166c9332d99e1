"""Changes that name a record the store does not hold yet wait here, not in the void.

A payment can arrive before the invoice it pays (the invoice was created and paid between
the invoice run and the payment run, or the invoice run stopped early). Storing the payment
without its allocation would lose the link; failing the page would stop the sync. Instead
the change is parked as an open exception that says what it waits for, and each later run
of that entity applies the parked changes whose references have since arrived.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from revhub.connectors.base import Change, Ref
from revhub.store import SyncException, utcnow
from revhub.sync.context import SyncContext
from revhub.sync.lookups import resolve_refs

KIND = "waiting_for_reference"


def dump_change(change: Change) -> dict[str, Any]:
    def value(v: Any) -> Any:
        if isinstance(v, Ref):
            return {"$ref": [v.entity, v.external_id]}
        if isinstance(v, list):
            return [{k: value(x) for k, x in child.items()} if isinstance(child, dict) else child for child in v]
        return v

    return {"entity": change.entity, "external_id": change.external_id, "remote_version": change.remote_version,
            "record": {k: value(v) for k, v in change.record.items()}, "changed_at": change.changed_at,
            "origin": change.origin}


def load_change(data: dict[str, Any]) -> Change:
    def value(v: Any) -> Any:
        if isinstance(v, dict) and set(v) == {"$ref"}:
            return Ref(*v["$ref"])
        if isinstance(v, list):
            return [{k: value(x) for k, x in child.items()} if isinstance(child, dict) else child for child in v]
        return v

    return Change(data["entity"], data["external_id"], data["remote_version"],
                  {k: value(v) for k, v in data["record"].items()}, changed_at=data.get("changed_at"),
                  origin=data.get("origin"))


def parked_row(ctx: SyncContext, change: Change, missing: list[tuple[str, str]], now) -> dict[str, Any]:
    names = ", ".join(f"{entity} {external_id}" for entity, external_id in missing)
    return dict(kind=KIND, entity=change.entity, system=ctx.system, external_id=change.external_id,
                status="open", created_at=now,
                message=f"waits for {names} from {ctx.system}; applied by the next run once it arrives",
                payload={"change": dump_change(change), "missing": [list(m) for m in missing]})


def take_ready(session: Session, ctx: SyncContext, entity: str) -> list[Change]:
    """Parked changes of ``entity`` whose references now resolve, marked as settled."""
    parked = session.scalars(select(SyncException).where(
        SyncException.kind == KIND, SyncException.status == "open", SyncException.system == ctx.system,
        SyncException.entity == entity).order_by(SyncException.id)).all()
    if not parked:
        return []
    wanted = {tuple(m) for row in parked for m in row.payload["missing"]}
    known = resolve_refs(session, ctx.system, wanted)
    ready = []
    for row in parked:
        if all(tuple(m) in known for m in row.payload["missing"]):
            row.status, row.resolved_by, row.resolved_at = "resolved", "sync", utcnow()
            ready.append(load_change(row.payload["change"]))
    return ready
