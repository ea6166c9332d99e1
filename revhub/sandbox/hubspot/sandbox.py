"""A HubSpot portal on HubSpot's wire format, driven by hubspot-api-client.

CRM objects v3 (list, read, create, update, archive, batch read, search) and associations v4,
a private app's bearer token, the search endpoint's 4 requests/s and 10,000-result limits,
the shared faults and clock, and signed v3 webhooks.
https://developers.hubspot.com/docs/api/crm/understanding-the-crm
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from flask import jsonify, request

from revhub.sandbox.clock import SandboxClock
from revhub.sandbox.common import FaultResponse, Sandbox
from revhub.sandbox.dataset import Dataset
from revhub.sandbox.hubspot import errors
from revhub.sandbox.hubspot.oauth import (
    APP_SCOPES,
    TOKEN_SECONDS,
    install_oauth_routes,
    missing_scopes,
    required_scope,
)
from revhub.sandbox.hubspot.properties import PROPERTIES
from revhub.sandbox.hubspot.ratelimit import (
    INTERVAL_MS,
    OAUTH_APP_BURST,
    PRIVATE_APP_BURST,
    BurstWindow,
    SearchWindow,
    install_rate_limits,
)
from revhub.sandbox.hubspot.routes_batch import install_batch_and_association_routes
from revhub.sandbox.hubspot.search import MAX_RESULTS, SearchError, search
from revhub.sandbox.hubspot.store import (
    ASSOCIATION_TYPES,
    OBJECT_TYPES,
    HubSpotStore,
    NotFoundError,
    ReadOnlyPropertyError,
    iso_ms,
)
from revhub.sandbox.hubspot.webhooks import WebhookDeliveries

SEARCH_PER_SECOND = 4
LIST_MAX = 100
BATCH_MAX = 100


class HubSpotSandbox(Sandbox):
    provider = "hubspot"

    def __init__(self, *, seed: int = 0, clock: SandboxClock | None = None,
                 max_search_results: int = MAX_RESULTS, search_per_second: int = SEARCH_PER_SECOND,
                 rotate_refresh_tokens: bool = False, burst_max: int | None = None,
                 burst_interval_ms: int = INTERVAL_MS, daily_max: int = errors.DAILY_MAX,
                 private_app_scopes: frozenset[str] | None = None) -> None:
        super().__init__(seed=seed, clock=clock)
        self.portal_id = 40_000_000 + seed
        self.access_token = "pat-na1-" + secrets.token_hex(16)
        self.client_secret = secrets.token_hex(18)
        # An OAuth app's side: its client id, one installed portal's refresh token (HubSpot's v1
        # refresh tokens do not rotate unless asked to here), the codes of the install URL, and
        # the access tokens issued, with their expiry.
        self.client_id = str(uuid.uuid4())
        self.refresh_token = str(uuid.uuid4())
        self.rotate_refresh_tokens = rotate_refresh_tokens
        self.scope = " ".join(sorted(APP_SCOPES))
        # What the private app was given in its Scopes tab (by default everything revhub needs).
        self.private_app_scopes = frozenset(APP_SCOPES if private_app_scopes is None else private_app_scopes)
        self.codes: dict[str, tuple[str, str, float]] = {}
        self.issued: dict[str, float] = {}
        # One burst window per app: the private app's (told its day too) and the OAuth app's.
        self.windows = {"private": BurstWindow(burst_max or PRIVATE_APP_BURST, burst_interval_ms, daily_max),
                        "oauth": BurstWindow(burst_max or OAUTH_APP_BURST, burst_interval_ms)}
        self.max_search_results, self.search_per_second = max_search_results, search_per_second
        self.store = HubSpotStore(now=self.clock.now)
        self.webhooks = WebhookDeliveries(self.portal_id, 1_234_567, lambda: int(self.clock.time() * 1000))
        self.store.on_change = self.webhooks.emit
        self.search_window = SearchWindow(search_per_second)
        self._routes()

    # -- control --------------------------------------------------------------------
    def render_fault(self, kind: str) -> FaultResponse:
        if kind == "429":
            return errors.rate_limited("TEN_SECONDLY_ROLLING", headers=True)
        status = int(kind) if kind.isdigit() else 500
        response = errors.error(status, "INTERNAL_ERROR" if status == 500 else "SERVICE_UNAVAILABLE",
                                "internal error" if status == 500 else "service unavailable")
        return status, [("Content-Type", "application/json")], response.get_data()

    def reset(self) -> None:
        super().reset()
        self.store = HubSpotStore(now=self.clock.now, on_change=self.webhooks.emit)

    def close(self) -> None:
        self.webhooks.stop()

    def load_dataset(self, ds: Dataset) -> None:
        from revhub.sandbox.hubspot.seeding import load

        load(self.store, ds)

    def subscribe(self, target_url: str) -> None:
        """What the app's webhook settings do: events go to ``target_url``, signed with the secret."""
        self.webhooks.subscribe(target_url, self.client_secret)

    # -- request pipeline -------------------------------------------------------------
    def app_kind(self) -> str | None:
        """Which app's token the request carries ("private", "oauth"), or None (no valid token)."""
        header = request.headers.get("Authorization", "")
        if secrets.compare_digest(header.encode(), f"Bearer {self.access_token}".encode()):
            return "private"
        expires = self.issued.get(header.removeprefix("Bearer "))
        return "oauth" if expires is not None and self.clock.time() < expires else None

    def issue_token(self) -> dict:
        """What POST /oauth/v1/token answers a good refresh: a 30-minute access token."""
        token = "CJ" + secrets.token_urlsafe(24)
        self.issued[token] = self.clock.time() + TOKEN_SECONDS
        return {"token_type": "bearer", "access_token": token, "refresh_token": self.refresh_token,
                "expires_in": TOKEN_SECONDS}

    def _routes(self) -> None:
        app = self.flask

        @app.before_request
        def authenticate():
            if request.path.startswith(("/__sandbox/", "/oauth/")):
                return None
            kind = self.app_kind()
            if kind is None:
                return errors.error(401, "INVALID_AUTHENTICATION",
                                    "Authentication credentials not found. This API supports OAuth 2.0 "
                                    "authentication and you can find more details at "
                                    "https://developers.hubspot.com/docs/methods/auth/oauth-overview")
            needed = required_scope(request.method, request.path)
            granted = self.private_app_scopes if kind == "private" else set(self.scope.split())
            return missing_scopes(needed) if needed and needed not in granted else None

        install_rate_limits(self)

        @app.get("/crm/v3/objects/<object_type>")
        def list_objects(object_type: str):
            self.check_type(object_type)
            limit = request.args.get("limit", "10")
            if not limit.isdigit() or not 0 < int(limit) <= LIST_MAX:
                return errors.error(400, "VALIDATION_ERROR", f"limit must be between 1 and {LIST_MAX}")
            archived = request.args.get("archived", "false").lower() == "true"
            with self.store.lock:
                rows = self.store.archived(object_type) if archived else self.store.live(object_type)
                rows = sorted(rows, key=lambda r: int(r.id))
            after = request.args.get("after") or "0"
            rows = [r for r in rows if int(r.id) > int(after)] if after.isdigit() else rows
            page = rows[:int(limit)]
            body: dict[str, Any] = {"results": [r.as_json(_names()) for r in page]}
            if len(rows) > len(page):
                body["paging"] = {"next": {"after": page[-1].id,
                                           "link": f"{request.base_url}?after={page[-1].id}"}}
            return jsonify(body)

        @app.get("/crm/v3/objects/<object_type>/<object_id>")
        def get_object(object_type: str, object_id: str):
            self.check_type(object_type)
            archived = request.args.get("archived", "false").lower() == "true"
            try:
                record = self.store.get(object_type, object_id, archived=archived)
            except NotFoundError:
                return _not_found()
            return jsonify(record.as_json(_names()))

        @app.post("/crm/v3/objects/<object_type>")
        def create_object(object_type: str):
            self.check_type(object_type)
            body = request.get_json(silent=True) or {}
            properties = body.get("properties") or {}
            refused = self.refuse_unknown_properties(object_type, properties)
            if refused:
                return refused
            try:
                record = self.store.create(object_type, properties)
                for association in body.get("associations") or []:
                    to_type = _type_of(object_type, association)
                    self.store.associate(object_type, record.id, to_type, str(association["to"]["id"]))
            except ReadOnlyPropertyError as exc:
                return errors.error(400, "READ_ONLY_VALUE", f"Property values were not valid: {exc} is read-only")
            except (NotFoundError, KeyError, TypeError):
                return errors.error(400, "VALIDATION_ERROR", "an association names no existing record")
            return jsonify(record.as_json(list(properties))), 201

        @app.patch("/crm/v3/objects/<object_type>/<object_id>")
        def update_object(object_type: str, object_id: str):
            self.check_type(object_type)
            properties = (request.get_json(silent=True) or {}).get("properties") or {}
            refused = self.refuse_unknown_properties(object_type, properties)
            if refused:
                return refused
            try:
                record = self.store.update(object_type, object_id, properties)
            except NotFoundError:
                return _not_found()
            except ReadOnlyPropertyError as exc:
                return errors.error(400, "READ_ONLY_VALUE", f"Property values were not valid: {exc} is read-only")
            return jsonify(record.as_json(list(properties)))

        @app.delete("/crm/v3/objects/<object_type>/<object_id>")
        def archive_object(object_type: str, object_id: str):
            self.check_type(object_type)
            try:
                self.store.archive(object_type, object_id)
            except NotFoundError:
                pass  # archiving is idempotent: HubSpot answers 204 for a missing record too
            return "", 204

        @app.post("/crm/v3/objects/<object_type>/batch/read")
        def batch_read(object_type: str):
            self.check_type(object_type)
            body = request.get_json(silent=True) or {}
            inputs = body.get("inputs") or []
            if len(inputs) > BATCH_MAX:
                return errors.error(400, "VALIDATION_ERROR", f"at most {BATCH_MAX} inputs per batch")
            started = iso_ms(self.clock.now())
            found = []
            for item in inputs:
                try:
                    found.append(self.store.get(object_type, str(item.get("id"))).as_json(body.get("properties")))
                except NotFoundError:
                    continue
            return jsonify(status="COMPLETE", results=found, startedAt=started, completedAt=iso_ms(self.clock.now()))

        @app.post("/crm/v3/objects/<object_type>/search")
        def search_objects(object_type: str):
            self.check_type(object_type)
            if not self.search_window.take():
                status, headers, payload = errors.rate_limited("SECONDLY", headers=False)
                return payload, status, headers
            body = request.get_json(silent=True)
            if not isinstance(body, dict):
                return errors.error(400, "VALIDATION_ERROR", "body must be a search request object")
            with self.store.lock:
                try:
                    page = search(self.store.live(object_type), body, max_results=self.max_search_results)
                except SearchError as exc:
                    return errors.error(400, "VALIDATION_ERROR", str(exc))
                answer: dict[str, Any] = {"total": page.total,
                                          "results": [r.as_json(body.get("properties")) for r in page.results]}
            if page.next_after:
                answer["paging"] = {"next": {"after": page.next_after}}
            return jsonify(answer)

        install_batch_and_association_routes(self)
        install_oauth_routes(self)

        @app.errorhandler(_UnknownType)
        def unknown_type(exc: _UnknownType):
            return errors.error(400, "VALIDATION_ERROR",
                                f"Unable to infer object type from: {exc}")

    def check_type(self, object_type: str) -> None:
        if object_type not in OBJECT_TYPES:
            raise _UnknownType(object_type)

    def refuse_unknown_properties(self, object_type: str, properties: Any):
        if not isinstance(properties, dict):
            return errors.error(400, "VALIDATION_ERROR", "properties must be an object")
        unknown = sorted(set(properties) - PROPERTIES[object_type])
        if unknown:
            return errors.error(400, "VALIDATION_ERROR",
                                f"Property values were not valid: Property \"{unknown[0]}\" does not exist",
                                errors=[{"message": f"Property \"{name}\" does not exist",
                                         "code": "PROPERTY_DOESNT_EXIST", "context": {"propertyName": [name]}}
                                        for name in unknown])
        return None

    def now_ms(self) -> int:
        return int(self.clock.time() * 1000)


class _UnknownType(Exception):
    pass


def _names() -> list[str] | None:
    """``properties`` as the SDK sends it: repeated, or comma-separated."""
    values = request.args.getlist("properties")
    names = [n for v in values for n in v.split(",") if n]
    return names or None


def _type_of(object_type: str, association: dict) -> str:
    type_id = int(association["types"][0]["associationTypeId"])
    for (from_type, to_type), known in ASSOCIATION_TYPES.items():
        if from_type == object_type and known == type_id:
            return to_type
    raise KeyError(type_id)


def _not_found():
    return errors.error(404, "OBJECT_NOT_FOUND", "resource not found")


__all__ = ["HubSpotSandbox"]
