"""OAuth 2.0 token endpoint and bearer sessions, as a Salesforce org answers them.

Salesforce returns no refresh token for the username-password flow; a refresh token is
issued to the web-server flow (``routes_authorize``, which hands out the sandbox's configured
one, as if a user had authorised the connected app), and the refresh flow accepts it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
import string
import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Credentials:
    client_id: str = "3MVG9revhubSandboxConsumerKey"
    client_secret: str = "revhub-sandbox-consumer-secret"
    username: str = "integration@revhub.example"
    password: str = "sandbox-password"
    security_token: str = "SANDBOXSECURITYTOKEN"
    refresh_token: str = "5Aep861revhubSandboxRefreshToken"
    access_token: str = ""   # a pre-issued session id; derived from the org id when empty


def signature(client_secret: str, identity_url: str, issued_at: str) -> str:
    """Salesforce's token ``signature``: base64 HMAC-SHA256 of ``id + issued_at``."""
    digest = hmac.new(client_secret.encode(), (identity_url + issued_at).encode(), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


class Sessions:
    """Issued access tokens and their idle expiry on the sandbox clock."""

    def __init__(self, creds: Credentials, org_id: str, user_id: str, clock, *,
                 timeout_seconds: float, seed: int) -> None:
        self.creds, self.org_id, self.user_id, self.clock = creds, org_id, user_id, clock
        self.timeout = timeout_seconds
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._last_used: dict[str, float] = {}
        self.static_token = creds.access_token or f"{org_id[:15]}!AQsandboxStaticSessionToken"

    def reset(self) -> None:
        with self._lock:
            self._last_used.clear()

    def check(self, token: str) -> bool:
        """True if ``token`` is a live session (and marks it used)."""
        now = self.clock.time()
        with self._lock:
            if token == self.static_token:
                return True
            last = self._last_used.get(token)
            if last is None or now - last > self.timeout:
                self._last_used.pop(token, None)
                return False
            self._last_used[token] = now
            return True

    def expire_all(self) -> None:
        """Invalidate every issued session (the static token stays valid)."""
        with self._lock:
            self._last_used.clear()

    def grant(self, form: dict[str, str], instance_url: str) -> tuple[int, dict]:
        """Answer a token request: ``(status, json body)``."""
        grant_type = form.get("grant_type")
        if grant_type not in ("password", "refresh_token", "client_credentials"):
            return 400, _error("unsupported_grant_type", "grant type not supported")
        if form.get("client_id") != self.creds.client_id:
            return 400, _error("invalid_client_id", "client identifier invalid")
        secret = form.get("client_secret")
        if grant_type != "refresh_token" or secret is not None:
            if not hmac.compare_digest(secret or "", self.creds.client_secret):
                return 400, _error("invalid_client", "invalid client credentials")
        if grant_type == "password":
            expected = self.creds.password + self.creds.security_token
            if form.get("username") != self.creds.username or not hmac.compare_digest(
                    form.get("password", ""), expected):
                return 400, _error("invalid_grant", "authentication failure")
        if grant_type == "refresh_token" and not hmac.compare_digest(
                form.get("refresh_token", ""), self.creds.refresh_token):
            return 400, _error("invalid_grant", "expired access/refresh token")
        token = self._new_token()
        issued_at = str(int(self.clock.time() * 1000))
        identity = f"{instance_url}/id/{self.org_id}/{self.user_id}"
        body = {"access_token": token, "instance_url": instance_url, "id": identity,
                "token_type": "Bearer", "issued_at": issued_at,
                "signature": signature(self.creds.client_secret, identity, issued_at)}
        if grant_type != "password":
            body["scope"] = "api refresh_token" if grant_type == "refresh_token" else "api"
        return 200, body

    def _new_token(self) -> str:
        alphabet = string.ascii_letters + string.digits + "._"
        with self._lock:
            tail = "".join(self._random.choice(alphabet) for _ in range(96))
            token = f"{self.org_id[:15]}!AQ{tail}"
            self._last_used[token] = self.clock.time()
        return token


def _error(code: str, description: str) -> dict:
    return {"error": code, "error_description": description}
