"""simple-salesforce set-up, OAuth refresh, and the one place Salesforce errors are read."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from revhub import metrics
from revhub.connectors.budget import BudgetReading
from revhub.connectors.errors import ConfigError, FatalError, RetriableError
from revhub.connectors.resilience import Limits, RateLimiter, RetryPolicy, call, limiter_for
from revhub.connectors.salesforce.settings import API_VERSION

# Salesforce has no per-second limit but a daily allocation and ~25 long-running calls at once.
DEFAULT_LIMITS = Limits(per_window=20, window_seconds=1.0, concurrent=10)
DEFAULT_RETRY = RetryPolicy()
# Stop a run before the org's daily allocation is used up by us (other integrations need some).
ALLOCATION_RESERVE = 0.10


class NotFound(Exception):
    """Salesforce has no such record."""


def _error_code(exc: SalesforceError) -> str | None:
    content = getattr(exc, "content", None)
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return content[0].get("errorCode")
    return None


def classify(exc: Exception, entity: str | None = None) -> Exception:
    """Salesforce errors → revhub's hierarchy (the only place that reads Salesforce statuses)."""
    kwargs: dict[str, Any] = dict(provider="salesforce", entity=entity)
    if isinstance(exc, SalesforceError):
        code = _error_code(exc)
        kwargs["status"] = getattr(exc, "status", None)
        if code == "REQUEST_LIMIT_EXCEEDED":
            return RetriableError("API request limit exceeded", **kwargs)
        if code == "UNABLE_TO_LOCK_ROW" or (kwargs["status"] or 0) >= 500:
            return RetriableError(f"{code or 'server error'}", **kwargs)
        if isinstance(exc, SalesforceResourceNotFound):
            return NotFound(code or "NOT_FOUND")
        if isinstance(exc, (SalesforceExpiredSession, SalesforceRefusedRequest)):
            return ConfigError(f"{code}: not authorised", **kwargs)
        return FatalError(f"{code}: {exc.content}"[:500], **kwargs)
    if isinstance(exc, requests.RequestException):
        return RetriableError(f"connection failed: {type(exc).__name__}", **kwargs)
    raise exc


class BoundedSession(requests.Session):
    """A requests session whose every request has a timeout: simple-salesforce passes none, and
    requests' default is to wait for ever on a stalled socket."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.default_timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(method, url, *args, **kwargs)


class SalesforceAPI:
    """One org through simple-salesforce, with OAuth refresh, pacing, retries and counters."""

    def __init__(self, credentials: dict[str, Any], instance_url: str, *,
                 save: Callable[[dict[str, Any]], None] = lambda changes: None,
                 token_url: str | None = None, ca_bundle: str | None = None, version: str = API_VERSION,
                 timeout: float = 30.0, limiter: RateLimiter | None = None,
                 retry: RetryPolicy = DEFAULT_RETRY) -> None:
        self.credentials = dict(credentials)
        self.instance_url = instance_url.rstrip("/")
        self.token_url = token_url or f"{self.instance_url}/services/oauth2/token"
        self.save, self.version, self.timeout, self.retry = save, version, timeout, retry
        self.session = BoundedSession(timeout)
        if ca_bundle:
            # A private CA is trusted and verification stays on. trust_env off, or requests
            # would swap in REQUESTS_CA_BUNDLE from the environment for this bundle.
            self.session.verify = ca_bundle
            self.session.trust_env = False
        self.limiter = limiter or limiter_for("salesforce", self.instance_url, DEFAULT_LIMITS)
        self.calls = 0
        self.budget: BudgetReading | None = None
        self._sf: Salesforce | None = None

    @property
    def sf(self) -> Salesforce:
        if self._sf is None:
            if not self.credentials.get("access_token"):
                self.refresh()
            self._sf = Salesforce(instance_url=self.instance_url, session_id=self.credentials["access_token"],
                                  version=self.version, session=self.session)
        return self._sf

    def refresh(self) -> None:
        """https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm"""
        for name in ("client_id", "client_secret", "refresh_token"):
            if not self.credentials.get(name):
                raise ConfigError(f"connection has no {name} credential", provider="salesforce")
        try:
            response = self.session.post(self.token_url, timeout=self.timeout, data={
                "grant_type": "refresh_token", "refresh_token": self.credentials["refresh_token"],
                "client_id": self.credentials["client_id"], "client_secret": self.credentials["client_secret"]})
        except requests.RequestException as exc:
            raise RetriableError(f"token refresh failed: {type(exc).__name__}", provider="salesforce") from None
        if response.status_code != 200:
            raise ConfigError(f"token refresh refused: {response.text[:200]}", provider="salesforce",
                              status=response.status_code)
        body = response.json()
        changes = {"access_token": body["access_token"], "issued_at": body.get("issued_at")}
        if body.get("refresh_token"):
            changes["refresh_token"] = body["refresh_token"]
        self.credentials.update(changes)
        self.save(changes)
        self._sf = None

    def request(self, fn: Callable[[Salesforce], Any], entity: str | None = None) -> Any:
        """Run ``fn(sf)`` with pacing and retries; one re-login on an expired session."""
        refreshed = False

        def attempt() -> Any:
            nonlocal refreshed
            self.calls += 1
            try:
                result = fn(self.sf)
            except SalesforceExpiredSession:
                if refreshed or not self.credentials.get("refresh_token"):
                    raise ConfigError("session expired and cannot be refreshed", provider="salesforce") from None
                # Counted only once the refresh worked: one that failed on the way
                # (RetriableError) is tried again on the next attempt's expired session.
                self.refresh()
                refreshed = True
                raise RetriableError("session expired; refreshed", provider="salesforce", retry_after=0) from None
            except (SalesforceError, requests.RequestException) as exc:
                raise classify(exc, entity) from exc
            self._check_allocation(entity)
            return result

        return call(metrics.counted("salesforce", attempt), self.retry, self.limiter)

    def _check_allocation(self, entity: str | None) -> None:
        usage = (self._sf.api_usage if self._sf else {}).get("api-usage")
        if usage and usage.total:  # kept for the console: the org's day as Salesforce counts it
            self.budget = BudgetReading(day_remaining=max(0, usage.total - usage.used), day_limit=usage.total)
        metrics.budget("salesforce", usage.total - usage.used if usage else None)
        if usage and usage.total and usage.used >= usage.total * (1 - ALLOCATION_RESERVE):
            raise FatalError(f"daily API allocation nearly used ({usage.used}/{usage.total}); stopping",
                             provider="salesforce", entity=entity)

    def query_page(self, soql_or_url: str, *, next_url: bool = False) -> dict[str, Any]:
        """One batch of a queryAll (deleted records included).
        https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_queryall.htm"""
        if next_url:
            return self.request(lambda sf: sf.query_more(soql_or_url, identifier_is_url=True,
                                                         include_deleted=True))
        return self.request(lambda sf: sf.query(soql_or_url, include_deleted=True))

    def query_all_rows(self, soql: str) -> list[dict[str, Any]]:
        """Every row of a queryAll (deleted ones included), following ``nextRecordsUrl``."""
        body = self.query_page(soql)
        rows = list(body.get("records") or [])
        while not body.get("done", True) and body.get("nextRecordsUrl"):
            body = self.query_page(body["nextRecordsUrl"], next_url=True)
            rows += body.get("records") or []
        return rows


def soql_datetime(ts_ms: int) -> str:
    """Epoch milliseconds as a SOQL datetime literal."""
    seconds, millis = divmod(ts_ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"
