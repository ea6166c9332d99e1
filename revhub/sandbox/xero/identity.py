"""Xero Identity: OAuth 2.0 token endpoint, connections (tenants), access-token checks.

Promises (PROVIDERS.md 2.1): access tokens live 30 minutes of sandbox clock; refresh tokens
rotate on every use, the previous one stays usable for a 30-minute grace period (answering
with the same successor), and one unused for 60 days is dead; failures are
``{"error": "invalid_grant"}`` with 400. Token responses carry only keys xero-python's
``OAuth2Token.update_token`` accepts.
"""

from __future__ import annotations

import base64
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from revhub.sandbox.clock import SandboxClock

ACCESS_TOKEN_SECONDS = 1800
REFRESH_GRACE_SECONDS = 1800
REFRESH_IDLE_SECONDS = 60 * 24 * 3600
DEFAULT_SCOPE = (
    "openid profile email offline_access accounting.transactions accounting.contacts"
    " accounting.settings"
)


class OAuthError(Exception):
    """An OAuth error answer: ``{"error": code}`` with HTTP 400 (401 for a bad client)."""

    def __init__(self, code: str, status: int = 400) -> None:
        super().__init__(code)
        self.code, self.status = code, status


@dataclass
class Tenant:
    tenant_id: str
    name: str
    created: datetime
    connection_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    auth_event_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def as_connection(self) -> dict:
        stamp = self.created.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
        return {
            "id": self.connection_id,
            "authEventId": self.auth_event_id,
            "tenantId": self.tenant_id,
            "tenantType": "ORGANISATION",
            "tenantName": self.name,
            "createdDateUtc": stamp,
            "updatedDateUtc": stamp,
        }


@dataclass
class _Refresh:
    client_id: str
    scope: str
    last_used: float
    successor: dict | None = None  # the token response it was exchanged for
    exchanged_at: float | None = None


class TokenAuthority:
    """Issues and checks tokens for one app (client id/secret) on the sandbox clock."""

    def __init__(self, clock: SandboxClock, client_id: str, client_secret: str) -> None:
        self.clock = clock
        self.client_id, self.client_secret = client_id, client_secret
        self._lock = threading.Lock()
        self._access: dict[str, float] = {}  # token -> expiry (sandbox epoch seconds)
        self._refresh: dict[str, _Refresh] = {}
        self._codes: dict[str, str] = {}  # authorization code -> scope

    def reset(self) -> None:
        with self._lock:
            self._access.clear()
            self._refresh.clear()
            self._codes.clear()

    def issue(self, scope: str = DEFAULT_SCOPE) -> dict:
        """A fresh token response, as the authorization-code exchange returns it."""
        with self._lock:
            return self._issue_locked(scope)

    def _issue_locked(self, scope: str) -> dict:
        now = self.clock.time()
        access = "xsbx_at_" + secrets.token_urlsafe(24)
        refresh = "xsbx_rt_" + secrets.token_urlsafe(24)
        self._access[access] = now + ACCESS_TOKEN_SECONDS
        self._refresh[refresh] = _Refresh(self.client_id, scope, now)
        return {
            "access_token": access,
            "expires_in": ACCESS_TOKEN_SECONDS,
            "token_type": "Bearer",
            "refresh_token": refresh,
            "scope": scope,
        }

    def authorization_code(self, client_id: str, scope: str) -> str:
        """A one-time code the consent screen would hand back to the redirect URI."""
        if client_id != self.client_id:
            raise OAuthError("unauthorized_client")
        code = secrets.token_urlsafe(16)
        with self._lock:
            self._codes[code] = scope or DEFAULT_SCOPE
        return code

    def check_access(self, token: str) -> str | None:
        """``None`` when valid, else the 401 detail (``TokenExpired`` or unsuccessful)."""
        with self._lock:
            expiry = self._access.get(token)
        if expiry is None:
            return "AuthenticationUnsuccessful"
        if self.clock.time() >= expiry:
            return "TokenExpired"
        return None

    def token_request(self, form: dict[str, str], basic: tuple[str, str] | None) -> dict:
        """Answer ``POST /connect/token``; raises ``OAuthError``."""
        client_id, secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        if client_id != self.client_id or not secrets.compare_digest(secret, self.client_secret):
            raise OAuthError("invalid_client")
        grant = form.get("grant_type")
        with self._lock:
            if grant == "refresh_token":
                return self._refresh_locked(form.get("refresh_token", ""))
            if grant == "authorization_code":
                scope = self._codes.pop(form.get("code", ""), None)
                if scope is None:
                    raise OAuthError("invalid_grant")
                return self._issue_locked(scope)
            if grant == "client_credentials":
                token = self._issue_locked(form.get("scope") or DEFAULT_SCOPE)
                del self._refresh[token.pop("refresh_token")]
                return token
        raise OAuthError("unsupported_grant_type")

    def _refresh_locked(self, token: str) -> dict:
        now = self.clock.time()
        entry = self._refresh.get(token)
        if entry is None or now - entry.last_used > REFRESH_IDLE_SECONDS:
            raise OAuthError("invalid_grant")
        if entry.successor is not None:
            # A retry after a lost response gets the same answer, inside the grace period only.
            if now - (entry.exchanged_at or now) > REFRESH_GRACE_SECONDS:
                raise OAuthError("invalid_grant")
            return dict(entry.successor)
        successor = self._issue_locked(entry.scope)
        entry.successor, entry.exchanged_at = successor, now
        return dict(successor)

    def revoke(self, token: str) -> None:
        """Forget a refresh token (``POST /connect/revocation``)."""
        with self._lock:
            self._refresh.pop(token, None)


def parse_basic(header: str | None) -> tuple[str, str] | None:
    """``(client_id, secret)`` from an ``Authorization: Basic`` header, if one is present."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip()).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    client_id, _, secret = decoded.partition(":")
    return client_id, secret


def redirect_with_code(redirect_uri: str, code: str, state: str | None) -> str:
    """The consent screen's redirect back to the app."""
    params = {"code": code, "scope": DEFAULT_SCOPE}
    if state is not None:
        params["state"] = state
    sep = "&" if "?" in redirect_uri else "?"
    return f"{redirect_uri}{sep}{urlencode(params)}"
