"""Audit entries for people: sign-ins, sign-outs and every admin action on users and tokens.

They go to the project's one audit log (``audit_log``), with ``entity='user'`` (or
``'api_token'``) and the user's id as ``record_id``; ``after`` says what happened, never a secret.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from revhub.store import AuditEntry, utcnow

# A refused sign-in for a name that is no user has no record to point at.
NO_USER = uuid.UUID(int=0)


def record(session: Session, *, actor: str, source: str, action: str, record_id: uuid.UUID | None,
           details: dict[str, Any], entity: str = "user") -> None:
    """Append one entry (in the caller's transaction)."""
    session.execute(insert(AuditEntry.__table__).values(
        at=utcnow(), actor=actor[:128], source=source[:64], entity=entity, record_id=record_id or NO_USER,
        action=action[:16], version=None, before=None, after=details))
