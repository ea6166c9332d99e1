"""Server-side console sessions: a random 256-bit id in the (signed) cookie, only its SHA-256 in
the store, so a copy of the database opens no session. A session ends when signed out, revoked
by an admin, idle for IDLE, or older than ABSOLUTE, whichever comes first.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from revhub.store import ConsoleSession, User, utcnow

IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
# last_seen is written at most this often, so reading pages does not write on every request.
_TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class SignedIn:
    """Who a valid session belongs to (plain values, usable after the DB session closes)."""

    session_id: int
    user_id: object
    name: str
    role: str


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user: User, ip: str | None) -> str:
    """A new session for ``user``; returns the secret to put in the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    # Sessions dead for longer than any could live are of no further use; drop them as we go.
    session.execute(delete(ConsoleSession).where(ConsoleSession.created_at < now - 2 * ABSOLUTE))
    session.add(ConsoleSession(token_hash=digest(token), user_id=user.id, created_at=now, last_seen_at=now,
                               ip=(ip or "")[:64] or None))
    session.flush()
    return token


def find_valid(session: Session, token: str | None) -> tuple[SignedIn | None, tuple[int, str] | None]:
    """The signed-in user for a cookie's token (None if the session is unknown, revoked,
    expired or its user disabled), and the bookkeeping it needs: ``(row id, "touch")`` to move
    the idle clock, ``(row id, "expire")`` to close an expired one. Reads only, so that the
    caller writes (``mark``) only when needed and page views do not take the write lock."""
    if not token or not isinstance(token, str):
        return None, None
    row = session.execute(select(ConsoleSession, User).join(User, User.id == ConsoleSession.user_id)
                          .where(ConsoleSession.token_hash == digest(token))).first()
    if row is None:
        return None, None
    found, user = row
    now = utcnow()
    if found.revoked_at is not None or user.disabled:
        return None, None
    if now - found.last_seen_at > IDLE or now - found.created_at > ABSOLUTE:
        return None, (found.id, "expire")
    touch = (found.id, "touch") if now - found.last_seen_at > _TOUCH_EVERY else None
    return SignedIn(found.id, user.id, user.name, user.role), touch


def mark(session: Session, session_id: int, what: str) -> None:
    """Apply what ``find_valid`` asked for."""
    values = {"revoked_at": utcnow()} if what == "expire" else {"last_seen_at": utcnow()}
    session.execute(update(ConsoleSession).where(ConsoleSession.id == session_id).values(**values))


def revoke(session: Session, token: str | None) -> int | None:
    """End the session ``token`` opened; returns its user's id (None if there was none)."""
    if not token or not isinstance(token, str):
        return None
    found = session.scalar(select(ConsoleSession).where(ConsoleSession.token_hash == digest(token)))
    if found is None:
        return None
    if found.revoked_at is None:
        session.execute(update(ConsoleSession).where(ConsoleSession.id == found.id).values(revoked_at=utcnow()))
    return found.user_id


def open_sessions(session: Session, user: User) -> list[ConsoleSession]:
    now = utcnow()
    rows = session.scalars(select(ConsoleSession).where(ConsoleSession.user_id == user.id,
                                                        ConsoleSession.revoked_at.is_(None))).all()
    return [r for r in rows if now - r.last_seen_at <= IDLE and now - r.created_at <= ABSOLUTE]
