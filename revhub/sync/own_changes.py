"""revhub's own change to an existing record (an admin's decision, a reconciliation match),
through ``sync.apply`` like every other change."""

from __future__ import annotations

import time
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from revhub.connectors.base import Change
from revhub.store import Link, utcnow
from revhub.sync.apply import apply_changes
from revhub.sync.context import REVHUB, SyncContext


def revhub_link(session: Session, entity: str, record_id: uuid.UUID, before: dict[str, Any]) -> Link:
    """revhub's link to the record, with ``before`` (the fields' current values) as its base,
    so the change that follows is "only revhub changed it" and never a conflict of its own."""
    link = session.scalar(select(Link).where(Link.entity == entity, Link.system == REVHUB,
                                             Link.canonical_id == record_id))
    if link is None:
        link = Link(entity=entity, canonical_id=record_id, system=REVHUB, external_id=f"record/{record_id}",
                    remote_version="0", base_snapshot={})
        session.add(link)
    link.base_snapshot = {**(link.base_snapshot or {}), **before}
    session.flush()
    return link


def apply_own_change(session: Session, ctx: SyncContext, entity: str, record_id: uuid.UUID,
                     fields: dict[str, Any], before: dict[str, Any]) -> None:
    """Set ``fields`` on the record as revhub, audited and announced to every target."""
    link = revhub_link(session, entity, record_id, before)
    apply_changes(session, ctx, [Change(entity, link.external_id, f"{time.time_ns():020d}", fields,
                                        changed_at=utcnow().isoformat())])
