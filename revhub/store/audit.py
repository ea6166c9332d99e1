"""Every change to a canonical record leaves an audit entry, whatever code made it.

The hook sits on the ORM session, so no write path can forget it: new rows are logged
with their values, updates with before/after of the changed fields (and a version bump),
tombstoning (``deleted_at``) as a delete, and a hard delete with what was removed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from revhub.store.base import Base, jsonable, utcnow
from revhub.store.bookkeeping import AuditEntry

_UNTRACKED = {"version", "created_at", "updated_at", "field_sources"}


def _audited(obj: Any) -> bool:
    return getattr(obj, "__audited__", False)


def _columns(obj: Any) -> list[str]:
    return [c.key for c in inspect(obj).mapper.column_attrs]


def snapshot(obj: Any) -> dict[str, Any]:
    """Column values of ``obj`` as JSON-ready data (what audit and links store)."""
    return {key: jsonable(getattr(obj, key)) for key in _columns(obj)}


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    # Only an attribute set since the load has a committed value kept (every audited column
    # keeps it: active history); the others have no history to read, and reading it for every
    # column of every dirty object twice a flush was most of an ORM update's cost.
    touched = state.committed_state
    for key in _columns(obj):
        if key in _UNTRACKED or key not in touched:
            continue
        hist = state.attrs[key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if jsonable(old) != jsonable(new):
            before[key], after[key] = jsonable(old), jsonable(new)
    return before, after


@contextlib.contextmanager
def audit_context(session: Session, *, actor: str, source: str) -> Iterator[Session]:
    """Attribute the changes flushed inside the block to ``actor`` acting through ``source``."""
    saved = session.info.get("audit_actor"), session.info.get("audit_source")
    session.info["audit_actor"], session.info["audit_source"] = actor, source
    try:
        yield session
        # Flush while the attribution is still in force; the commit may come later.
        session.flush()
    finally:
        session.info["audit_actor"], session.info["audit_source"] = saved


def _entity(obj: Any) -> str:
    return getattr(obj, "__entity__", obj.__tablename__)


def _before_flush(session: Session, flush_context, instances) -> None:
    for obj in session.dirty:
        if _audited(obj) and hasattr(obj, "version") and _changes(obj)[1]:
            obj.version = (obj.version or 0) + 1


def _after_flush(session: Session, flush_context) -> None:
    actor = session.info.get("audit_actor") or "system"
    source = session.info.get("audit_source") or "store"
    now = utcnow()
    rows: list[dict[str, Any]] = []

    def add(obj: Any, action: str, before: dict | None, after: dict | None) -> None:
        rows.append(dict(at=now, actor=actor, source=source, entity=_entity(obj), record_id=obj.id,
                         action=action, version=getattr(obj, "version", None),
                         before=before, after=after))

    for obj in session.new:
        if _audited(obj):
            add(obj, "create", None, snapshot(obj))
    for obj in session.dirty:
        if not _audited(obj):
            continue
        before, after = _changes(obj)
        if not after:
            continue
        deleting = "deleted_at" in after and before.get("deleted_at") is None and after["deleted_at"]
        add(obj, "delete" if deleting else "update", before, after)
    for obj in session.deleted:
        if _audited(obj):
            add(obj, "purge", snapshot(obj), None)
    if rows:
        session.connection().execute(insert(AuditEntry.__table__), rows)


def _need_old_values(mapper, cls) -> None:
    # Without active history, assigning to an expired attribute forgets the old value,
    # and the audit entry would have no "before".
    if not getattr(cls, "__audited__", False):
        return
    for prop in mapper.column_attrs:
        event.listen(getattr(cls, prop.key), "set", _noop, active_history=True)


def _noop(target, value, oldvalue, initiator):
    return value


def install(session_class: type[Session] = Session) -> None:
    """Attach the audit hooks (idempotent)."""
    if not event.contains(session_class, "before_flush", _before_flush):
        event.listen(session_class, "before_flush", _before_flush)
        event.listen(session_class, "after_flush", _after_flush)


event.listen(Base, "mapper_configured", _need_old_values, propagate=True)
install()
__all__ = ["audit_context", "snapshot", "install"]
