"""Who may use the hub: console users, their server-side sessions, API tokens, failed sign-ins.

None of these tables is audited by the ORM hook (it would copy password hashes into the
log); ``revhub.console.audit_trail`` writes an explicit entry for every sign-in and admin action.
Secrets are stored only as hashes: passwords with scrypt, session ids and API tokens (random,
256 bits) with SHA-256.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from revhub.store.base import Base, BigIntId, utcnow
from revhub.store.ids import new_id

ROLES = ("viewer", "approver", "admin")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('viewer', 'approver', 'admin')", name="role"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    # None until the user has chosen one through their invite link.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Bumped on every password change and reset: an invite link names the version it was
    # issued for, so it works once and dies with the next reset.
    credential_version: Mapped[int] = mapped_column(Integer, default=1)
    disabled: Mapped[bool] = mapped_column(default=False)
    # A finance lead gives the second approval of POs above the finance-lead threshold.
    finance_lead: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsoleSession(Base):
    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()
    ip: Mapped[str | None] = mapped_column(String(64))


class ApiToken(Base):
    """A bearer token for the JSON API, held by a user or, without one, by an integration."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, so a holder can tell which token is which without the secret.
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class SignInFailure(Base):
    """One refused sign-in, counted per name and per address for throttling."""

    __tablename__ = "sign_in_failures"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
