"""hubspot-api-client set-up and the one place HubSpot errors are read.

A private app's access token (or an OAuth access token) is the bearer; each connection gets
its own SDK client (never a module-global one). Search calls are paced at HubSpot's 4/s, the
rest under the portal's burst limit; 429s and 5xx are retried by the shared retry layer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import urllib3
from hubspot import HubSpot
from hubspot.crm.associations.v4.exceptions import ApiException as AssociationsApiException
from hubspot.crm.objects.exceptions import ApiException as ObjectsApiException
from hubspot.crm.properties.exceptions import ApiException as PropertiesApiException

from revhub.connectors.errors import ConfigError, FatalError, RetriableError
from revhub.connectors.hubspot import settings
from revhub.connectors.resilience import Limits, RetryPolicy, call, limiter_for

API_ERRORS = (ObjectsApiException, AssociationsApiException, PropertiesApiException)
DEFAULT_RETRY = RetryPolicy()


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
        if status == 429:
            # HubSpot sends no Retry-After; its windows are one second (search) or ten.
            wait = 1.0 if body.get("policyName") == "SECONDLY" else 10.0
            return RetriableError(f"rate limited ({body.get('policyName') or 'unknown policy'})",
                                  retry_after=wait, **kwargs)
        if status >= 500:
            return RetriableError(f"server error: {message}", **kwargs)
        if status == 404:
            return NotFound(message)
        if status in (401, 403):
            return ConfigError(f"not authorised: {message}", **kwargs)
        return FatalError(f"{body.get('category') or 'refused'}: {message}"[:500], **kwargs)
    if isinstance(exc, urllib3.exceptions.HTTPError):
        return RetriableError(f"connection failed: {type(exc).__name__}", **kwargs)
    raise exc


class HubSpotAPI:
    """One portal through hubspot-api-client, with pacing, retries, timeouts and a call count."""

    def __init__(self, access_token: str, base_url: str = "https://api.hubapi.com", *, timeout: float = 30.0,
                 retry: RetryPolicy = DEFAULT_RETRY, portal: str | None = None) -> None:
        if not access_token:
            raise ConfigError("connection has no access_token credential", provider="hubspot")
        self.base_url, self.timeout, self.retry = base_url.rstrip("/"), timeout, retry
        # The SDK's own urllib3 retries are off: retries live once, in revhub's layer.
        self.client = HubSpot(access_token=access_token, host=self.base_url, retry=urllib3.Retry(0, read=False))
        tenant = portal or self.base_url
        self.limiter = limiter_for("hubspot", tenant, Limits(settings.PER_TEN_SECONDS, 10.0, concurrent=5))
        # A little over a second per window: the server counts on arrival, the limiter on departure.
        self.search_limiter = limiter_for("hubspot-search", tenant, Limits(settings.SEARCH_PER_SECOND, 1.1,
                                                                           concurrent=1))
        self.calls = 0

    def request(self, fn: Callable[[HubSpot], Any], entity: str | None = None, *, search: bool = False) -> Any:
        """Run ``fn(client)`` paced and retried; errors classified once, here."""
        def attempt() -> Any:
            self.calls += 1
            try:
                return fn(self.client)
            except (*API_ERRORS, urllib3.exceptions.HTTPError) as exc:
                raise classify(exc, entity) from exc

        return call(attempt, self.retry, self.search_limiter if search else self.limiter)

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
