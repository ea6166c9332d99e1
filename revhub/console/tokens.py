"""Bearer tokens for the JSON API: named, held by a user or by an integration, stored as a
SHA-256 hash (a token is 256 random bits, so a fast hash is enough), revocable.

The installation's ``REVHUB_API_TOKEN`` still works as a deprecated integration token named
``REVHUB_API_TOKEN``; responses to it carry a ``Deprecation`` header.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from revhub.console.audit_trail import record
from revhub.console.users import UserError, find, valid_name
from revhub.store import ApiToken, User, utcnow

PREFIX = "rh_"
LEGACY_NAME = "REVHUB_API_TOKEN"
_TOKEN_CHARS = re.compile(r"^[A-Za-z0-9._~+/=-]+$")  # RFC 6750 b64token


@dataclass(frozen=True)
class ApiPrincipal:
    """Who a request's token speaks for: ``user:NAME`` or ``integration:TOKEN-NAME``."""

    kind: str  # "user" or "integration"
    name: str  # the user's name, or the integration token's name
    token_name: str
    role: str | None  # the user's role; None for an integration

    @property
    def actor(self) -> str:
        return f"{self.kind}:{self.name}"

    @property
    def deprecated(self) -> bool:
        return self.token_name == LEGACY_NAME


@dataclass(frozen=True)
class BearerError:
    """Why a request is refused: RFC 6750's error code and a sentence for people."""

    code: str  # invalid_request | invalid_token
    message: str


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(session: Session, name: str, *, actor: str, source: str, user: str | None = None) -> tuple[ApiToken, str]:
    """A new token ``name`` (for ``user``, or an integration); returns the row and the secret,
    which is shown once and never stored."""
    valid_name(name)
    if name == LEGACY_NAME or session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise UserError(f"name: a token {name!r} already exists")
    holder = find(session, user) if user else None
    if user and holder is None:
        raise UserError(f"user: no user {user!r}")
    secret = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name, user_id=holder.id if holder else None, token_hash=digest(secret),
                   prefix=secret[:10], created_at=utcnow())
    session.add(row)
    session.flush()
    record(session, actor=actor, source=source, action="token_create", entity="api_token",
           record_id=holder.id if holder else None, details={"token": name, "user": user, "prefix": row.prefix})
    return row, secret


def list_tokens(session: Session) -> list[tuple[ApiToken, str | None]]:
    rows = session.execute(select(ApiToken, User.name).outerjoin(User, User.id == ApiToken.user_id)
                           .order_by(ApiToken.name)).all()
    return [(token, user) for token, user in rows]


def revoke(session: Session, name: str, *, actor: str, source: str) -> ApiToken:
    row = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if row is None:
        raise UserError(f"name: no token {name!r}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    record(session, actor=actor, source=source, action="token_revoke", entity="api_token",
           record_id=row.user_id, details={"token": name})
    return row


def parse_authorization(header: str | None) -> str | BearerError:
    """The token of an ``Authorization: Bearer <token>`` header (scheme case-insensitive, per
    RFC 9110 §11.1), or why the header is not one."""
    if not header or not header.strip():
        return BearerError("invalid_request", "an 'Authorization: Bearer <token>' header is required")
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return BearerError("invalid_request", "the Authorization header must use the Bearer scheme: "
                                              "'Authorization: Bearer <token>'")
    credentials = credentials.strip()
    if not credentials or not _TOKEN_CHARS.match(credentials):
        return BearerError("invalid_request", "the Bearer scheme takes exactly one token")
    return credentials


def legacy_principal(token: str, legacy_token: str) -> ApiPrincipal | None:
    """The deprecated installation token's principal if ``token`` is it (constant-time compare)."""
    if legacy_token and hmac.compare_digest(token.encode(), legacy_token.encode()):
        return ApiPrincipal("integration", LEGACY_NAME, LEGACY_NAME, None)
    return None


def authenticate(session: Session, token: str) -> ApiPrincipal | None:
    """The principal of a named ``token``, or None if it is unknown, revoked or its user disabled."""
    found = session.execute(select(ApiToken, User).outerjoin(User, User.id == ApiToken.user_id)
                            .where(ApiToken.token_hash == digest(token))).first()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None or (user is not None and user.disabled):
        return None
    row.last_used_at = utcnow()
    if user is None:
        return ApiPrincipal("integration", row.name, row.name, None)
    return ApiPrincipal("user", user.name, row.name, user.role)
