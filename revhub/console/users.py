"""Console users: adding, listing, disabling, resetting, and invite links to choose a password.

Data functions take a SQLAlchemy session and do not commit. Every change leaves an audit
entry naming who made it (``actor``) and through what (``source``: ``cli`` or ``console``).
"""

from __future__ import annotations

import re
import uuid

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from revhub.console.audit_trail import record
from revhub.console.passwords import PasswordError, check_strength, hash_password
from revhub.store import ConsoleSession, User, utcnow
from revhub.store.people import ROLES

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
INVITE_MAX_AGE = 72 * 3600
_INVITE_SALT = "revhub.console.invite"


class UserError(ValueError):
    """A refused user change; the message starts with the field it is about."""


def valid_name(name: str) -> str:
    """The name, or UserError naming the field."""
    if not NAME.match(name or ""):
        raise UserError("name: 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit")
    return name


def valid_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"role: one of {', '.join(ROLES)}")
    return role


def find(session: Session, name: str) -> User | None:
    return session.scalar(select(User).where(User.name == name))


def get(session: Session, name: str) -> User:
    user = find(session, name)
    if user is None:
        raise UserError(f"name: no user {name!r}")
    return user


def add(session: Session, name: str, role: str, *, actor: str, source: str, password: str | None = None) -> User:
    """A new user; without ``password`` they choose one through an invite link."""
    valid_name(name)
    valid_role(role)
    if find(session, name) is not None:
        raise UserError(f"name: a user {name!r} already exists")
    user = User(name=name, role=role, credential_version=1, disabled=False, created_at=utcnow())
    if password is not None:
        _set_password(user, password)
    session.add(user)
    session.flush()
    record(session, actor=actor, source=source, action="user_add", record_id=user.id,
           details={"name": name, "role": role, "password_set": password is not None})
    return user


def _set_password(user: User, password: str) -> None:
    try:
        check_strength(password)
    except PasswordError as exc:
        raise UserError(str(exc)) from exc
    user.password_hash = hash_password(password)
    user.credential_version = (user.credential_version or 0) + 1


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


def revoke_sessions(session: Session, user: User, *, actor: str, source: str, audit: bool = True) -> int:
    """End every open session of ``user``; returns how many were open."""
    ended = session.execute(update(ConsoleSession).where(
        ConsoleSession.user_id == user.id, ConsoleSession.revoked_at.is_(None)).values(revoked_at=utcnow())).rowcount
    if audit:
        record(session, actor=actor, source=source, action="sessions_revoke", record_id=user.id,
               details={"name": user.name, "sessions": ended})
    return ended


def disable(session: Session, name: str, *, actor: str, source: str) -> User:
    """The user may no longer sign in; their sessions and API tokens stop working at once."""
    user = get(session, name)
    user.disabled = True
    ended = revoke_sessions(session, user, actor=actor, source=source, audit=False)
    record(session, actor=actor, source=source, action="user_disable", record_id=user.id,
           details={"name": name, "sessions_revoked": ended})
    return user


def enable(session: Session, name: str, *, actor: str, source: str) -> User:
    user = get(session, name)
    user.disabled = False
    record(session, actor=actor, source=source, action="user_enable", record_id=user.id, details={"name": name})
    return user


def set_role(session: Session, name: str, role: str, *, actor: str, source: str) -> User:
    user = get(session, name)
    before = user.role
    user.role = valid_role(role)
    record(session, actor=actor, source=source, action="role_change", record_id=user.id,
           details={"name": name, "from": before, "to": role})
    return user


def reset(session: Session, name: str, *, actor: str, source: str, password: str | None = None) -> User:
    """Forget the password (or set ``password``), end the user's sessions; old invite links die."""
    user = get(session, name)
    if password is None:
        user.password_hash = None
        user.credential_version = (user.credential_version or 0) + 1
    else:
        _set_password(user, password)
    ended = revoke_sessions(session, user, actor=actor, source=source, audit=False)
    record(session, actor=actor, source=source, action="password_reset", record_id=user.id,
           details={"name": name, "password_set": password is not None, "sessions_revoked": ended})
    return user


# -- invite links ---------------------------------------------------------------------------

def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_INVITE_SALT)


def invite_token(secret_key: str, user: User) -> str:
    """A signed token for ``user``'s invite link, valid for INVITE_MAX_AGE and one use."""
    return _serializer(secret_key).dumps({"u": str(user.id), "v": user.credential_version})


def read_invite(session: Session, secret_key: str, token: str) -> User:
    """The user an invite token is for, or UserError if it is forged, expired or used."""
    try:
        data = _serializer(secret_key).loads(token, max_age=INVITE_MAX_AGE)
    except SignatureExpired as exc:
        raise UserError("invite: this link has expired; ask an admin for a new one") from exc
    except BadSignature as exc:
        raise UserError("invite: this link is not valid") from exc
    user = session.scalar(select(User).where(User.id == _uuid(data.get("u"))))
    if user is None or user.disabled or user.credential_version != data.get("v"):
        raise UserError("invite: this link has been used or replaced; ask an admin for a new one")
    return user


def accept_invite(session: Session, secret_key: str, token: str, password: str) -> User:
    """Set the password an invite link was for (which uses the link up)."""
    user = read_invite(session, secret_key, token)
    _set_password(user, password)
    record(session, actor=f"console:{user.name}", source="console", action="invite_accept",
           record_id=user.id, details={"name": user.name})
    return user


def _uuid(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return uuid.UUID(int=0)
