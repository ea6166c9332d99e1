"""The xero-python client set-up, token refresh, and the one place Xero's statuses are read.

Token refresh is done here rather than by the SDK: the SDK's token URL is a class attribute
(process-global), and a rotated refresh token must be saved the moment it arrives.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from typing import Any

import requests
import urllib3
from xero_python.accounting import AccountingApi
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token
from xero_python.exceptions import ApiException

from revhub import metrics
from revhub.connectors.budget import XERO_PER_DAY, XERO_PER_MINUTE, BudgetReading, header_int
from revhub.connectors.errors import ConfigError, FatalError, RetriableError
from revhub.connectors.resilience import Limits, RateLimiter, RetryPolicy, call, limiter_for
from revhub.connectors.xero.exact_json import ExactJsonPool

# Xero: 60 calls/minute and 5 in flight per tenant; keep a margin.
DEFAULT_LIMITS = Limits(per_window=55, window_seconds=60.0, concurrent=5)
DEFAULT_RETRY = RetryPolicy()
IDENTITY_URL = "https://identity.xero.com"
API_URL = "https://api.xero.com"


class NotFound(Exception):
    """Xero has no such record."""


def classify(exc: Exception, entity: str | None = None) -> Exception:
    """Xero errors → revhub's hierarchy (the only place that reads Xero statuses)."""
    kwargs: dict[str, Any] = dict(provider="xero", entity=entity)
    if isinstance(exc, ApiException):
        status = exc.status
        headers = exc.headers or {}
        kwargs.update(status=status, request_id=headers.get("xero-correlation-id"))
        if status == 429 or status in (500, 502, 503, 504):
            retry_after = headers.get("Retry-After")
            problem = headers.get("X-Rate-Limit-Problem")
            message = f"rate limit ({problem})" if status == 429 else f"server error {status}"
            return RetriableError(message, retry_after=float(retry_after) if retry_after else None, **kwargs)
        if status == 404:
            return NotFound(str(exc.reason))
        if status in (401, 403):
            return ConfigError(f"not authorised: {exc.body!r}"[:300], **kwargs)
        return FatalError(_validation_message(exc), **kwargs)
    if isinstance(exc, (urllib3.exceptions.HTTPError, OSError)):
        return RetriableError(f"connection failed: {type(exc).__name__}", **kwargs)
    raise exc


def _validation_message(exc: ApiException) -> str:
    try:
        body = json.loads(exc.body or "{}")
    except ValueError:
        return str(exc.reason)
    messages = [v.get("Message") for e in body.get("Elements") or () for v in e.get("ValidationErrors") or ()]
    return "; ".join(m for m in messages if m) or body.get("Message") or str(exc.reason)


def request_key(key: str, method: str, params: dict[str, Any]) -> str:
    """``key`` made specific to this request's body.

    Xero answers a reused Idempotency-Key whose request differs with a 400 ("already been used
    with a different request"), which would kill every element of a batch retried with one
    element changed. The same request still replays Xero's first answer; a changed one is new
    (and is kept from doubling by the pushers' natural-key checks, as after Xero's window).
    """
    body = {name: value for name, value in params.items() if name != "idempotency_key"}
    digest = hashlib.sha256(json.dumps([method, body], sort_keys=True, default=str).encode()).hexdigest()
    return f"{key[:100]}-{digest[:20]}"


class XeroAuth:
    """Access tokens for one Xero connection, refreshed (and the rotation saved) as needed."""

    def __init__(self, credentials: dict[str, Any], identity_url: str,
                 save: Callable[[dict[str, Any]], None], session: requests.Session | None = None,
                 timeout: float = 30.0) -> None:
        self.credentials = dict(credentials)
        self.timeout = timeout
        self.identity_url = identity_url.rstrip("/")
        self.save = save
        self.session = session or requests.Session()

    def token(self) -> str:
        expires_at = float(self.credentials.get("expires_at") or 0)
        if not self.credentials.get("access_token") or expires_at <= time.time() + 120:
            self.refresh()
        return self.credentials["access_token"]

    def refresh(self) -> None:
        """https://developer.xero.com/documentation/guides/oauth2/auth-flow/#refreshing-access-and-refresh-tokens"""
        for name in ("client_id", "client_secret", "refresh_token"):
            if not self.credentials.get(name):
                raise ConfigError(f"connection has no {name} credential", provider="xero")
        try:
            response = self.session.post(f"{self.identity_url}/connect/token", timeout=self.timeout, data={
                "grant_type": "refresh_token", "refresh_token": self.credentials["refresh_token"],
                "client_id": self.credentials["client_id"],
                "client_secret": self.credentials["client_secret"]})
        except requests.RequestException as exc:
            raise RetriableError(f"token refresh failed: {type(exc).__name__}", provider="xero") from None
        if response.status_code >= 500:
            raise RetriableError(f"token refresh failed: HTTP {response.status_code}", provider="xero")
        if response.status_code != 200:
            raise ConfigError(f"token refresh refused: {response.text[:200]}", provider="xero",
                              status=response.status_code)
        body = response.json()
        changes = {"access_token": body["access_token"],
                   "expires_at": time.time() + int(body.get("expires_in", 1800))}
        if body.get("refresh_token"):
            # Xero refresh tokens live 60 days from issue: the console shows when this one ends.
            changes.update(refresh_token=body["refresh_token"], refresh_token_issued_at=time.time())
        self.credentials.update(changes)
        self.save(changes)  # a rotated refresh token is only good if it is kept


class XeroAPI:
    """xero-python's AccountingApi for one tenant, with pacing, retries and a call counter."""

    def __init__(self, auth: XeroAuth, tenant_id: str, api_url: str = API_URL, *,
                 ca_bundle: str | None = None, timeout: float = 30.0,
                 limiter: RateLimiter | None = None, retry: RetryPolicy = DEFAULT_RETRY) -> None:
        config = Configuration(oauth2_token=OAuth2Token(client_id=auth.credentials.get("client_id"),
                                                        client_secret=auth.credentials.get("client_secret")))
        if ca_bundle:
            config.ssl_ca_cert = ca_bundle
        client = ApiClient(config, pool_threads=1)
        # Retries are ours (tenacity): the SDK's urllib3 pool would otherwise sleep Retry-After itself.
        # ExactJsonPool: amounts marked exact reach Xero digit for digit (xero-python sends floats).
        # The pool's own timeout as well as the per-call one: no request leaves unbounded.
        client.rest_client.pool_manager = ExactJsonPool(urllib3.PoolManager(
            num_pools=4, maxsize=4, ca_certs=ca_bundle, timeout=urllib3.Timeout(connect=timeout, read=timeout),
            retries=urllib3.Retry(total=0, redirect=0, respect_retry_after_header=False, raise_on_status=False)))
        # expires_at=None: the SDK must never refresh on its own; XeroAuth does.
        client.oauth2_token_getter(lambda: {"access_token": auth.token(), "token_type": "Bearer",
                                            "expires_in": None, "expires_at": None,
                                            "scope": ["accounting.transactions"]})
        client.oauth2_token_saver(lambda token: None)
        self.accounting = AccountingApi(client, base_url=f"{api_url.rstrip('/')}/api.xro/2.0")
        # xero-python's rest client honours only an int or a (connect, read) tuple and silently
        # drops a float (rest.py: ``isinstance(_request_timeout, (int,))``), so always a tuple.
        self.timeout = (timeout, timeout)
        self.auth, self.tenant_id = auth, tenant_id
        self.limiter = limiter or limiter_for("xero", tenant_id, DEFAULT_LIMITS)
        self.retry = retry
        self.calls = 0
        self.budget: BudgetReading | None = None

    def call(self, method: str, entity: str | None = None, **params: Any) -> dict[str, Any]:
        """Call ``AccountingApi.<method>`` and return the parsed JSON body.
        https://developer.xero.com/documentation/api/accounting/overview"""
        refreshed = False
        if params.get("idempotency_key"):
            params["idempotency_key"] = request_key(params["idempotency_key"], method, params)

        def attempt() -> dict[str, Any]:
            nonlocal refreshed
            held = self.limiter.held_for()
            if held is not None:
                # Xero said the tenant's day is spent: every call before it resets would be
                # another 429 (and Xero counts calls made over a limit against the app).
                raise RetriableError("rate limit (day): the tenant's daily allowance is spent", provider="xero",
                                     entity=entity, status=429, retry_after=math.ceil(held))
            self.calls += 1
            try:
                response = getattr(self.accounting, method)(
                    self.tenant_id, _preload_content=False, _request_timeout=self.timeout, **params)
                self._pace(response.headers)
                return json.loads(response.data)
            except (ApiException, urllib3.exceptions.HTTPError, OSError) as exc:
                if isinstance(exc, ApiException) and exc.status == 401 and not refreshed:
                    # Counted only once the refresh worked: a refresh that failed on the way
                    # (RetriableError) is tried again on the next attempt's 401.
                    self.auth.refresh()
                    refreshed = True
                    raise RetriableError("access token rejected; refreshed", provider="xero",
                                         entity=entity, status=401, retry_after=0) from None
                self._note_day_limit(exc)
                raise classify(exc, entity) from exc

        return call(metrics.counted("xero", attempt), self.retry, self.limiter)

    def _note_day_limit(self, exc: Exception) -> None:
        """A 429 for the daily limit holds this tenant's calls until its ``Retry-After``.
        https://developer.xero.com/documentation/guides/oauth2/limits/"""
        if not isinstance(exc, ApiException) or exc.status != 429:
            return
        headers = exc.headers or {}
        retry_after = header_int(headers, "Retry-After")
        if headers.get("X-Rate-Limit-Problem", "").lower() == "day" and retry_after:
            self.limiter.hold(retry_after)

    def _pace(self, headers: Any) -> None:
        # Kept for the console: the tenant's minute and day allowance as Xero counts them.
        self.budget = BudgetReading(minute_remaining=header_int(headers, "X-MinLimit-Remaining"),
                                    minute_limit=XERO_PER_MINUTE,
                                    day_remaining=header_int(headers, "X-DayLimit-Remaining"),
                                    day_limit=XERO_PER_DAY)
        metrics.budget("xero", headers.get("X-DayLimit-Remaining"))
        remaining = headers.get("X-MinLimit-Remaining")
        if remaining is not None and int(remaining) <= 0:
            self.limiter.pause(float(headers.get("Retry-After") or 60))
