"""Intuit's OAuth 2.0 token service: discovery document, code and refresh grants, rotation.

Intuit rotates the refresh token on refresh (the previous one keeps working for a grace
period in production; here it is revoked at once, the stricter case a client must survive).
Access tokens last 3,600 s. https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0
"""

from __future__ import annotations

import base64
import secrets
import threading

from revhub.sandbox.clock import SandboxClock

ACCESS_SECONDS = 3600
REFRESH_SECONDS = 100 * 24 * 3600


class OAuthError(Exception):
    def __init__(self, error: str, status: int = 400) -> None:
        super().__init__(error)
        self.error, self.status = error, status


class TokenAuthority:
    def __init__(self, clock: SandboxClock, client_id: str, client_secret: str) -> None:
        self.clock, self.client_id, self.client_secret = clock, client_id, client_secret
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self._access: dict[str, float] = {}
        self._refresh: dict[str, float] = {}
        self.rotations = 0

    def issue(self) -> dict:
        """A fresh token pair, as the authorization-code exchange answers."""
        now = self.clock.time()
        access, refresh = "eyJsb2NhbC1xYm8i." + secrets.token_urlsafe(32), "AB11" + secrets.token_urlsafe(30)
        with self._lock:
            self._access[access] = now + ACCESS_SECONDS
            self._refresh[refresh] = now + REFRESH_SECONDS
        return {"token_type": "bearer", "access_token": access, "expires_in": ACCESS_SECONDS,
                "refresh_token": refresh, "x_refresh_token_expires_in": REFRESH_SECONDS}

    def refresh(self, authorization: str | None, refresh_token: str | None) -> dict:
        self._client(authorization)
        with self._lock:
            expires = self._refresh.pop(refresh_token or "", None)
        if expires is None or expires < self.clock.time():
            raise OAuthError("invalid_grant")
        self.rotations += 1
        return self.issue()

    def valid(self, access_token: str) -> bool:
        with self._lock:
            expires = self._access.get(access_token)
        return expires is not None and expires > self.clock.time()

    def expire_access_tokens(self) -> None:
        with self._lock:
            self._access.clear()

    def _client(self, authorization: str | None) -> None:
        scheme, _, encoded = (authorization or "").partition(" ")
        try:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            raise OAuthError("invalid_client", 401) from None
        if scheme.lower() != "basic" or not (secrets.compare_digest(client_id, self.client_id)
                                             and secrets.compare_digest(secret, self.client_secret)):
            raise OAuthError("invalid_client", 401)
