"""hubspot-api-client set-up and the one place HubSpot errors are read.

A private app's access token (or an OAuth access token) is the bearer; each connection gets
its own SDK client (never a module-global one). Search calls are paced at HubSpot's 4/s, the
rest under the app's burst window as each answer's ``X-HubSpot-RateLimit-*`` headers state it
(read through the SDK's ``api_factory``; ``rate_limits``); 429s and 5xx are retried by the
shared retry layer after the wait the 429's policy names.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import urllib3
from hubspot import HubSpot
from hubspot.crm.associations.v4.exceptions import ApiException as AssociationsApiException
from hubspot.crm.objects.exceptions import ApiException as ObjectsApiException
from hubspot.crm.properties.exceptions import ApiException as PropertiesApiException
from hubspot.discovery.discovery_base import DiscoveryBase
from hubspot.oauth.exceptions import ApiException as OAuthApiException

from revhub.connectors.budget import BudgetReading
from revhub.connectors.errors import ConfigError, FatalError, RetriableError
from revhub.connectors.hubspot import rate_limits, settings
from revhub.connectors.resilience import Limits, RateLimiter, RetryPolicy, call, limiter_for

API_ERRORS = (ObjectsApiException, AssociationsApiException, PropertiesApiException)
DEFAULT_RETRY = RetryPolicy()
EXPIRY_MARGIN_SECONDS = 60


class NotFound(Exception):
    """HubSpot has no such (live) record."""


def classify(exc: Exception, entity: str | None = None) -> Exception:
    """HubSpot errors → revhub's hierarchy (the only place that reads HubSpot statuses)."""
    kwargs: dict[str, Any] = dict(provider="hubspot", entity=entity)
    if isinstance(exc, API_ERRORS):
        status = exc.status or 0
        try:
            body = json.loads(exc.body or "{}")
        except (TypeError, ValueError):
            body = {}
        kwargs.update(status=status, request_id=body.get("correlationId"))
        message = body.get("message") or exc.reason or "error"
        if status == 429:  # no Retry-After: the policy and the window's headers say how long
            wait = rate_limits.retry_after(body.get("policyName"), exc.headers)
            return RetriableError(f"rate limited ({body.get('policyName') or 'unknown policy'})",
                                  retry_after=wait, **kwargs)
        if status >= 500:
            return RetriableError(f"server error: {message}", **kwargs)
        if status == 404:
            return NotFound(message)
        if status in (401, 403):
            needed = [s for e in body.get("errors") or [] if isinstance(e, dict)
                      for s in (e.get("context") or {}).get("requiredGranularScopes") or []]
            return ConfigError(f"not authorised: {message}" + (f" (missing scope: {', '.join(needed)})"
                                                                if needed else ""), **kwargs)
        return FatalError(f"{body.get('category') or 'refused'}: {message}"[:500], **kwargs)
    if isinstance(exc, urllib3.exceptions.HTTPError):
        return RetriableError(f"connection failed: {type(exc).__name__}", **kwargs)
    raise exc


class HubSpotAPI:
    """One portal through hubspot-api-client, with pacing, retries, timeouts and a call count."""

    def __init__(self, credentials: dict[str, Any], base_url: str = "https://api.hubapi.com", *,
                 save: Callable[[dict[str, Any]], None] = lambda changes: None, timeout: float = 30.0,
                 retry: RetryPolicy = DEFAULT_RETRY, portal: str | None = None) -> None:
        self.credentials = dict(credentials)
        self.oauth = all(self.credentials.get(k) for k in ("client_id", "client_secret", "refresh_token"))
        if not self.credentials.get("access_token") and not self.oauth:
            raise ConfigError("connection has no access_token (a private app's) nor client_id, client_secret "
                              "and refresh_token (an OAuth app's)", provider="hubspot")
        self.base_url, self.timeout, self.retry, self.save = base_url.rstrip("/"), timeout, retry, save
        tenant = portal or self.base_url
        # Each app has its own burst window in a portal; the answers' headers then set the pace.
        burst = settings.OAUTH_PER_TEN_SECONDS if self.oauth else settings.PER_TEN_SECONDS
        self.limiter = limiter_for("hubspot", f"{tenant}:{'oauth' if self.oauth else 'private'}",
                                   Limits(burst, 10.0, concurrent=5))
        # A little over a second per window: the server counts on arrival, the limiter on departure.
        self.search_limiter = limiter_for("hubspot-search", tenant, Limits(settings.SEARCH_PER_SECOND, 1.1,
                                                                           concurrent=1))
        self.calls = 0
        self.budget: BudgetReading | None = None
        self._client: HubSpot | None = None
        self._made = threading.local()  # the SDK ApiClient of this thread's current call

    @property
    def client(self) -> HubSpot:
        if self._client is None or self._expired():
            if not self.credentials.get("access_token") or self._expired():
                self.refresh()
            # The SDK's own urllib3 retries are off: retries live once, in revhub's layer.
            self._client = HubSpot(access_token=self.credentials["access_token"], host=self.base_url,
                                   retry=urllib3.Retry(0, read=False), api_factory=self._api)
        return self._client

    def _api(self, package: Any, api_name: str, config: dict[str, Any]) -> Any:
        """The SDK's own API factory, keeping the ApiClient so the answer's headers can be read."""
        api = DiscoveryBase._default_api_factory(package, api_name, config)
        self._made.api_client = api.api_client
        return api

    def _heed(self, limiter: RateLimiter) -> None:
        """After an answer: its rate-limit headers set the pace, pause a spent window and update
        the day's budget (search answers carry none)."""
        response = getattr(getattr(self._made, "api_client", None), "last_response", None)
        headers = response.getheaders() if response is not None else None
        if not headers or limiter is self.search_limiter:
            return
        limits = rate_limits.pace(headers, self.limiter.limits.concurrent)
        if limits is not None and limits != self.limiter.limits:
            self.limiter.limits = limits
        self.budget = rate_limits.reading(headers) or self.budget
        wait = rate_limits.pause(headers)
        if wait:
            self.limiter.pause(wait)

    def _expired(self) -> bool:
        """An OAuth access token past its ``expires_in`` (less a minute): HubSpot says a 401 is not
        the sign to refresh, the token's lifetime is; the 401 path stays as a fallback."""
        expires_at = self.credentials.get("expires_at")
        return self.oauth and expires_at is not None and time.time() >= float(expires_at) - EXPIRY_MARGIN_SECONDS

    def refresh(self) -> None:
        """A new access token from the OAuth app's refresh token, saved the moment it arrives.
        https://developers.hubspot.com/docs/api/oauth/tokens"""
        if not self.oauth:
            raise ConfigError("the access token was refused and there is no refresh token", provider="hubspot")
        self.calls += 1
        try:
            answer = HubSpot(host=self.base_url, retry=urllib3.Retry(0, read=False)).oauth.tokens_api.create(
                grant_type="refresh_token", client_id=self.credentials["client_id"],
                client_secret=self.credentials["client_secret"], refresh_token=self.credentials["refresh_token"],
                _request_timeout=self.timeout)
        except OAuthApiException as exc:
            if (exc.status or 0) >= 500:
                raise RetriableError("token refresh failed", provider="hubspot", status=exc.status) from None
            raise ConfigError(f"token refresh refused: {str(exc.body)[:200]}", provider="hubspot",
                              status=exc.status) from None
        except urllib3.exceptions.HTTPError as exc:
            raise RetriableError(f"token refresh failed: {type(exc).__name__}", provider="hubspot") from None
        changes = {"access_token": answer.access_token,
                   "expires_at": int(time.time()) + int(answer.expires_in or 0)}
        if answer.refresh_token and answer.refresh_token != self.credentials["refresh_token"]:
            changes["refresh_token"] = answer.refresh_token
        self.credentials.update(changes)
        self.save(changes)
        self._client = None

    def request(self, fn: Callable[[HubSpot], Any], entity: str | None = None, *, search: bool = False) -> Any:
        """Run ``fn(client)`` paced and retried; errors classified once, here. An expired OAuth
        access token (401) is refreshed once and the call tried again."""
        refreshed = False

        def attempt() -> Any:
            nonlocal refreshed
            client = self.client
            self.calls += 1
            self._made.api_client = None
            try:
                answer = fn(client)
            except (*API_ERRORS, urllib3.exceptions.HTTPError) as exc:
                error = classify(exc, entity)
                if getattr(error, "status", None) == 401 and self.oauth and not refreshed:
                    self.refresh()
                    refreshed = True
                    raise RetriableError("access token expired; refreshed", provider="hubspot",
                                         retry_after=0) from None
                raise error from exc
            self._heed(limiter)
            return answer

        limiter = self.search_limiter if search else self.limiter
        return call(attempt, self.retry, limiter)

    def search(self, object_type: str, body: dict[str, Any], entity: str) -> dict[str, Any]:
        """One page of a CRM search, as a plain dict.
        https://developers.hubspot.com/docs/api/crm/search"""
        answer = self.request(lambda c: c.crm.objects.search_api.do_search(
            object_type, body, _request_timeout=self.timeout), entity, search=True)
        return answer.to_dict()

    def list_archived(self, object_type: str, properties: list[str], entity: str, after: str | None) -> dict:
        """One page of the recycling bin (``archived=true``).
        https://developers.hubspot.com/docs/api/crm/understanding-the-crm#retrieve-records"""
        kwargs: dict[str, Any] = {"limit": settings.LIST_PAGE, "archived": True, "properties": properties,
                                  "_request_timeout": self.timeout}
        if after:
            kwargs["after"] = after
        return self.request(lambda c: c.crm.objects.basic_api.get_page(object_type, **kwargs), entity).to_dict()

    def batch_read(self, object_type: str, ids: list[str], properties: list[str], entity: str) -> list[dict]:
        """Live records by id, 100 per call; unknown ids are left out.
        https://developers.hubspot.com/docs/api/crm/objects#batch-read"""
        found: list[dict] = []
        for start in range(0, len(ids), settings.BATCH_READ):
            body = {"inputs": [{"id": i} for i in ids[start:start + settings.BATCH_READ]], "properties": properties}
            answer = self.request(lambda c, body=body: c.crm.objects.batch_api.read(
                object_type, body, archived=False, _request_timeout=self.timeout), entity)
            found += [r.to_dict() for r in answer.results or []]
        return found

    def associations(self, from_type: str, to_type: str, ids: list[str], entity: str) -> dict[str, list[str]]:
        """{from id: [associated ids]} through associations v4 batch read.
        https://developers.hubspot.com/docs/api/crm/associations/v4"""
        found: dict[str, list[str]] = {}
        for start in range(0, len(ids), settings.BATCH_READ):
            body = {"inputs": [{"id": i} for i in ids[start:start + settings.BATCH_READ]]}
            answer = self.request(lambda c, body=body: c.crm.associations.v4.batch_api.get_page(
                from_type, to_type, body, _request_timeout=self.timeout), entity)
            for result in answer.results or []:
                found[str(result._from.id)] = sorted((str(t.to_object_id) for t in result.to or []), key=int)
        return found

    def get(self, object_type: str, record_id: str, properties: list[str], entity: str,
            archived: bool = False) -> dict | None:
        """One record, or None."""
        try:
            return self.request(lambda c: c.crm.objects.basic_api.get_by_id(
                object_type, record_id, properties=properties, archived=archived,
                _request_timeout=self.timeout), entity).to_dict()
        except NotFound:
            return None

    def update(self, object_type: str, record_id: str, properties: dict[str, str], entity: str) -> dict:
        """https://developers.hubspot.com/docs/api/crm/objects#update-records"""
        return self.request(lambda c: c.crm.objects.basic_api.update(
            object_type, record_id, {"properties": properties}, _request_timeout=self.timeout), entity).to_dict()

    def upsert(self, object_type: str, id_property: str, key: str, properties: dict[str, str],
               entity: str) -> dict:
        """Create or update the one record whose unique ``id_property`` is ``key``.
        https://developers.hubspot.com/docs/api/crm/objects#upsert-records"""
        body = {"inputs": [{"idProperty": id_property, "id": key, "properties": properties}]}
        answer = self.request(lambda c: c.crm.objects.batch_api.upsert(
            object_type, body, _request_timeout=self.timeout), entity)
        return answer.results[0].to_dict()

    def associate(self, from_type: str, from_id: str, to_type: str, to_id: str, entity: str) -> None:
        """The default association (idempotent).
        https://developers.hubspot.com/docs/api/crm/associations/v4#create-default-associations"""
        self.request(lambda c: c.crm.associations.v4.basic_api.create_default(
            from_type, from_id, to_type, to_id, _request_timeout=self.timeout), entity)
