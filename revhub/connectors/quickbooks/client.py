"""One QuickBooks Online connection: tokens (rotation saved at once), pacing under QBO's
throttles, retries, and the one place QBO's statuses and fault codes are read.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import requests
from intuitlib.exceptions import AuthClientError
from quickbooks.exceptions import ObjectNotFoundException, QuickbooksException

from revhub.connectors.errors import ConfigError, FatalError, RetriableError
from revhub.connectors.quickbooks.sdk import HubQuickBooks, build_client
from revhub.connectors.resilience import Limits, RateLimiter, RetryPolicy, call, limiter_for

# QBO: 500 requests a minute and 10 at once per realm (batch requests count as one); a margin.
# https://developer.intuit.com/app/developer/qbo/docs/learn/rest-api-features#limits-and-throttles
DEFAULT_LIMITS = Limits(per_window=450, window_seconds=60.0, concurrent=8)
PROVIDER = "quickbooks"
DEFAULT_RETRY = RetryPolicy()


class NotFound(Exception):
    """QBO has no such object (fault 610)."""


class _Answered(Exception):
    """A response the SDK must not parse (429, 5xx, 401): raised from the transport."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _intercept(response: requests.Response) -> None:
    if response.status_code in (401, 429) or response.status_code >= 500:
        raise _Answered(response)


def classify(exc: Exception, entity: str | None = None) -> Exception:
    """QBO errors → revhub's hierarchy (the only place that reads QBO statuses and codes)."""
    kwargs: dict[str, Any] = dict(provider=PROVIDER, entity=entity)
    if isinstance(exc, _Answered):
        response = exc.response
        kwargs.update(status=response.status_code, request_id=response.headers.get("intuit_tid"))
        retry_after = response.headers.get("Retry-After")
        if response.status_code == 401:
            return ConfigError(f"not authorised: {response.text[:200]}", **kwargs)
        message = "throttled (500 a minute / 10 at once per realm)" if response.status_code == 429 \
            else f"server error {response.status_code}"
        return RetriableError(message, retry_after=float(retry_after) if retry_after else None, **kwargs)
    if isinstance(exc, ObjectNotFoundException):
        return NotFound(str(exc))
    if isinstance(exc, QuickbooksException):
        element = getattr(exc, "element", None)  # set by HubQuickBooks: which field QBO refused
        where = f" (element {element})" if element else ""
        return FatalError(f"{exc.message} [{exc.error_code}]{where}: {exc.detail}"[:500], status=400, **kwargs)
    if isinstance(exc, requests.RequestException):
        return RetriableError(f"connection failed: {type(exc).__name__}", **kwargs)
    raise exc


class QuickBooksAuth:
    """The connection's tokens: intuit-oauth refreshes them; each rotation is saved at once."""

    def __init__(self, credentials: dict[str, Any], save: Callable[[dict[str, Any]], None]) -> None:
        for name in ("client_id", "client_secret", "refresh_token"):
            if not credentials.get(name):
                raise ConfigError(f"connection has no {name} credential", provider=PROVIDER)
        self.credentials, self.save = dict(credentials), save

    def fresh_access_token(self) -> str | None:
        expires_at = float(self.credentials.get("expires_at") or 0)
        return self.credentials.get("access_token") if expires_at > time.time() + 120 else None

    def refresh(self, auth_client) -> None:
        """https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0#refresh-the-token"""
        try:
            auth_client.refresh(refresh_token=self.credentials["refresh_token"])
        except AuthClientError as exc:
            if exc.status_code >= 500:
                raise RetriableError(f"token refresh failed: HTTP {exc.status_code}", provider=PROVIDER) from None
            raise ConfigError(f"token refresh refused: {exc.content[:200]!r}", provider=PROVIDER,
                              status=exc.status_code) from None
        except requests.RequestException as exc:
            raise RetriableError(f"token refresh failed: {type(exc).__name__}", provider=PROVIDER) from None
        changes = {"access_token": auth_client.access_token,
                   "expires_at": time.time() + int(auth_client.expires_in or 3600)}
        if auth_client.refresh_token and auth_client.refresh_token != self.credentials["refresh_token"]:
            changes.update(refresh_token=auth_client.refresh_token, refresh_token_issued_at=time.time())
        self.credentials.update(changes)
        self.save(changes)  # Intuit rotates refresh tokens: an unsaved one is lost for good


class QuickBooksAPI:
    """python-quickbooks for one realm, with pacing, retries and a call counter."""

    def __init__(self, auth: QuickBooksAuth, settings: dict[str, Any], *, timeout: float = 30.0,
                 limiter: RateLimiter | None = None, retry: RetryPolicy = DEFAULT_RETRY) -> None:
        realm = settings.get("realm_id")
        if not realm:
            raise ConfigError("connection has no realm_id setting", provider=PROVIDER)
        self.auth, self.settings, self.realm_id, self.retry = auth, settings, str(realm), retry
        self.limiter = limiter or limiter_for(PROVIDER, self.realm_id, DEFAULT_LIMITS)
        self.timeout = timeout
        self.calls = 0
        self._client: HubQuickBooks | None = None

    @property
    def client(self) -> HubQuickBooks:
        if self._client is None:
            credentials = dict(self.auth.credentials)
            try:
                client = build_client({**credentials, "refresh_token": credentials["refresh_token"]},
                                      self.settings, self.timeout, access_token=self.auth.fresh_access_token(),
                                      refresh=self.auth.refresh)
            except requests.RequestException as exc:
                raise RetriableError(f"discovery failed: {type(exc).__name__}", provider=PROVIDER) from None
            client.on_response = _intercept
            self._client = client
        return self._client

    def call(self, fn: Callable[[HubQuickBooks], Any], entity: str | None = None) -> Any:
        """``fn(client)`` paced and retried; a 401 refreshes the token once."""
        refreshed = False

        def attempt() -> Any:
            nonlocal refreshed
            client = self.client
            self.calls += 1
            try:
                return fn(client)
            except (_Answered, QuickbooksException, requests.RequestException) as exc:
                if isinstance(exc, _Answered) and exc.response.status_code == 401 and not refreshed:
                    self.auth.refresh(client.auth_client)
                    refreshed = True
                    raise RetriableError("access token rejected; refreshed", provider=PROVIDER, entity=entity,
                                         status=401, retry_after=0) from None
                raise classify(exc, entity) from exc

        return call(attempt, self.retry, self.limiter)
