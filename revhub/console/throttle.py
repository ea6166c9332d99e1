"""Sign-in throttling: after too many refused sign-ins for one name or from one address in a
window, further attempts are refused without checking the password until the window moves on.

Counted in the store, so every server process sees the same count.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from revhub.store import SignInFailure, utcnow

WINDOW = timedelta(minutes=15)
PER_NAME = 5
# An office behind one NAT address shares it, so the per-address limit is looser.
PER_ADDRESS = 20


def record_failure(session: Session, name: str, ip: str) -> None:
    session.add(SignInFailure(at=utcnow(), name=name[:64], ip=ip[:64]))
    # Rows older than the window count for nothing; drop them as we go.
    session.execute(delete(SignInFailure).where(SignInFailure.at < utcnow() - 2 * WINDOW))


def throttled(session: Session, name: str, ip: str) -> bool:
    """True if ``name`` or ``ip`` has reached its limit of failures within WINDOW."""
    since = utcnow() - WINDOW
    by_name = session.scalar(select(func.count()).select_from(SignInFailure)
                             .where(SignInFailure.name == name[:64], SignInFailure.at >= since)) or 0
    if by_name >= PER_NAME:
        return True
    by_ip = session.scalar(select(func.count()).select_from(SignInFailure)
                           .where(SignInFailure.ip == ip[:64], SignInFailure.at >= since)) or 0
    return by_ip >= PER_ADDRESS


def clear(session: Session, name: str) -> None:
    """A successful sign-in forgets the name's failures (not the address's)."""
    session.execute(delete(SignInFailure).where(SignInFailure.name == name[:64]))
