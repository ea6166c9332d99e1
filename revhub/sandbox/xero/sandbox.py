"""``XeroSandbox``: the Xero Identity and Accounting APIs as a local WSGI app.

Routing is case-insensitive, as Xero's is: one catch-all route lower-cases the path and
dispatches to identity (``/connect/token``, ``/connections``) or accounting
(``/api.xro/2.0/...``). Control endpoints added here: ``POST/GET /__sandbox/webhooks``,
``POST /__sandbox/tenants``, ``POST /__sandbox/tokens``.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

from flask import Response, redirect, request

from revhub.sandbox.clock import SandboxClock
from revhub.sandbox.common import CONTROL_PREFIX, FaultResponse, Sandbox
from revhub.sandbox.xero import accounts, seeding
from revhub.sandbox.xero.accounting import Accounting, RawFile
from revhub.sandbox.xero.errors import NotFound, ProblemError, XeroError, forbidden, unauthorized
from revhub.sandbox.xero.exchanges import ExchangeLog
from revhub.sandbox.xero.idempotency import Answer, IdempotencyCache
from revhub.sandbox.xero.identity import (
    OAuthError,
    Tenant,
    TokenAuthority,
    parse_basic,
    redirect_with_code,
)
from revhub.sandbox.xero.ledger import Write
from revhub.sandbox.xero.listing import if_modified_since
from revhub.sandbox.xero.ratelimit import Limits, RateLimiter
from revhub.sandbox.xero.responses import error_response, fault, parse_body
from revhub.sandbox.xero.store import Record, TenantData
from revhub.sandbox.xero.webhooks import WebhookDispatcher
from revhub.sandbox.xero.xerojson import dumps

DEFAULT_CLIENT_ID = "REVHUBSANDBOXCLIENT0000000000000"
DEFAULT_CLIENT_SECRET = "revhub-sandbox-xero-client-secret"
DEFAULT_TENANT_ID = "4f7c2e1a-6b0d-4c3e-9a51-0d2f8e6b7a10"
DEFAULT_TENANT_NAME = "Revhub Demo Company (NL)"
MAX_BODY_BYTES = 10 * 1024 * 1024  # PROVIDERS.md 2.6: 10 MB hard limit
API_PREFIX = "api.xro/2.0/"
class XeroSandbox(Sandbox):
    """A faithful local Xero for xero-python 15.2.0 and plain HTTP clients.

    Default test credentials: client id ``REVHUBSANDBOXCLIENT0000000000000``, client secret
    ``revhub-sandbox-xero-client-secret``; one organisation, tenant id
    ``4f7c2e1a-6b0d-4c3e-9a51-0d2f8e6b7a10``. Get a token with ``issue_token()`` (or
    ``POST /__sandbox/tokens``), then refresh it through ``POST /connect/token``.

    Settings: ``client_id``, ``client_secret``, ``tenant_id``, ``tenant_name``,
    ``provider_name``, ``rate_limits`` (a ``Limits``) or ``per_minute``/``per_day``/
    ``concurrent``/``app_per_minute``, ``webhook_url`` + ``webhook_key``.
    """

    provider = "xero"

    def __init__(self, *, seed: int = 0, clock: SandboxClock | None = None, **settings) -> None:
        super().__init__(seed=seed, clock=clock)
        unknown = set(settings) - _SETTINGS
        if unknown:
            raise TypeError(f"unknown XeroSandbox setting(s): {', '.join(sorted(unknown))}")
        self.settings = settings
        self.lock = threading.RLock()
        self.authority = TokenAuthority(
            self.clock,
            settings.get("client_id", DEFAULT_CLIENT_ID),
            settings.get("client_secret", DEFAULT_CLIENT_SECRET),
        )
        limits = settings.get("rate_limits") or Limits(
            **{
                k: settings[k]
                for k in ("per_minute", "per_day", "concurrent", "app_per_minute")
                if k in settings
            }
        )
        self.limiter = RateLimiter(self.clock, limits)
        self.idempotency = IdempotencyCache(self.clock)
        self.webhooks = WebhookDispatcher(self.clock)
        self.accounting = Accounting(settings.get("provider_name", "revhub sandbox"))
        # The last calls with their bodies, so tests can hold both sides to Xero's models.
        self.exchanges = ExchangeLog()
        self.tenants: dict[str, TenantData] = {}
        self._tenant_meta: dict[str, Tenant] = {}
        self.default_tenant_id = self.add_tenant(
            settings.get("tenant_name", DEFAULT_TENANT_NAME),
            settings.get("tenant_id", DEFAULT_TENANT_ID),
        )
        self._install_routes()
        if settings.get("webhook_url"):
            self.configure_webhooks(settings["webhook_url"], settings.get("webhook_key", ""))

    # ----- public surface ---------------------------------------------------------------
    def add_tenant(self, name: str, tenant_id: str | None = None) -> str:
        """Connect one more organisation (with the default chart of accounts); returns its id."""
        tenant_id = (tenant_id or str(uuid.uuid4())).lower()
        with self.lock:
            self.tenants[tenant_id] = TenantData(tenant_id, name)
            self._tenant_meta[tenant_id] = Tenant(tenant_id, name, self.clock.now())
            accounts.seed_organisation(self.write(tenant_id, notify=False))
        return tenant_id

    def issue_token(self) -> dict:
        """A token response as the authorization-code exchange returns it."""
        return self.authority.issue()

    def write(self, tenant_id: str | None = None, notify: bool = True) -> Write:
        """A write context on a tenant's books at the current sandbox time (hold ``lock``)."""
        books = self.tenants[tenant_id or self.default_tenant_id]
        return Write(books, self.clock.time(), self._on_change if notify else None)

    def load_dataset(self, ds, tenant_id: str | None = None) -> None:
        """Load a ``revhub.sandbox.dataset.Dataset`` directly (no HTTP), producing the
        records, numbers and webhook events the equivalent API calls would."""
        with self.lock:
            seeding.load(self.write(tenant_id), ds)
        self.webhooks.flush()

    def configure_webhooks(self, url: str, key: str) -> dict:
        """Point webhooks at ``url`` signed with ``key``; runs intent-to-receive first."""
        return self.webhooks.configure(url, key)

    def reset(self) -> None:
        """Forget all data, tokens, limits and webhooks; tenants keep their ids, books are empty."""
        super().reset()
        self.authority.reset()
        self.limiter.reset()
        self.idempotency.reset()
        self.webhooks.reset()
        self.exchanges.clear()
        with self.lock:
            for tenant_id, meta in list(self._tenant_meta.items()):
                self.tenants[tenant_id] = TenantData(tenant_id, meta.name)
                accounts.seed_organisation(self.write(tenant_id, notify=False))

    def render_fault(self, kind: str) -> FaultResponse:
        return fault(kind, self.limiter.fault_headers())

    # ----- plumbing ---------------------------------------------------------------------
    def _on_change(self, books: TenantData, resource: str, record: Record, created: bool) -> None:
        when = datetime.fromtimestamp(record.updated, UTC)
        self.webhooks.record(books.tenant_id, resource, record.id, created, when)

    def _install_routes(self) -> None:
        app = self.flask
        methods = ["GET", "PUT", "POST", "DELETE"]

        @app.route("/<path:path>", methods=methods)
        def dispatch(path: str):
            lowered = path.lower().rstrip("/")
            if lowered.startswith(API_PREFIX.rstrip("/")):
                return self._accounting_call(path.rstrip("/")[len(API_PREFIX) :])
            if lowered == "connect/token" and request.method == "POST":
                return self._token()
            if lowered == "connect/revocation" and request.method == "POST":
                self.authority.revoke(request.form.get("token", ""))
                return Response(status=200)
            if lowered == "connections" and request.method == "GET":
                return self._connections()
            if lowered == "identity/connect/authorize" and request.method == "GET":
                code = self.authority.authorization_code(
                    request.args.get("client_id", ""), request.args.get("scope", "")
                )
                return redirect(
                    redirect_with_code(
                        request.args["redirect_uri"], code, request.args.get("state")
                    )
                )
            return error_response(NotFound())

        @app.route(CONTROL_PREFIX + "webhooks", methods=["GET", "POST"])
        def webhooks_control():
            if request.method == "GET":
                return self.webhooks.status()
            body = request.get_json(silent=True) or {}
            if not body.get("url") or not body.get("key"):
                return {"error": "give url and key"}, 400
            return self.configure_webhooks(body["url"], body["key"])

        @app.post(CONTROL_PREFIX + "tenants")
        def add_tenant_control():
            body = request.get_json(silent=True) or {}
            tenant_id = self.add_tenant(
                body.get("name") or "Sandbox Organisation", body.get("tenantId")
            )
            return {"tenantId": tenant_id}, 201

        @app.post(CONTROL_PREFIX + "tokens")
        def token_control():
            return self.issue_token()

    def _token(self):
        try:
            token = self.authority.token_request(
                request.form.to_dict(), parse_basic(request.headers.get("Authorization"))
            )
        except OAuthError as exc:
            return {"error": exc.code}, exc.status
        return token

    def _connections(self):
        problem = self._check_token()
        if problem is not None:
            return error_response(problem)
        with self.lock:
            return Response(
                dumps([t.as_connection() for t in self._tenant_meta.values()]),
                content_type="application/json",
            )

    def _check_token(self) -> ProblemError | None:
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("bearer "):
            return unauthorized()
        detail = self.authority.check_access(header[7:].strip())
        return unauthorized(detail) if detail else None

    def _accounting_call(self, path: str) -> Response:
        problem = self._check_token()
        if problem is not None:
            return error_response(problem)
        tenant_id = (request.headers.get("xero-tenant-id") or "").strip().lower()
        if tenant_id not in self.tenants:
            return error_response(forbidden())
        try:
            limit_headers = self.limiter.admit(tenant_id)
        except XeroError as exc:
            return error_response(exc)
        try:
            response = self._answer(tenant_id, path)
        finally:
            self.limiter.release(tenant_id)
        response.headers.extend(limit_headers)
        self.exchanges.record(request, response)
        return response

    def _answer(self, tenant_id: str, path: str) -> Response:
        # One request at a time, from the key's lookup to its answer being kept: a read never
        # sees half a write, and a retry racing its first attempt (same key) is answered with
        # the first attempt's result instead of writing again.
        body_bytes = request.get_data(cache=True)
        with self.lock:
            return self._answer_locked(tenant_id, path, body_bytes)

    def _answer_locked(self, tenant_id: str, path: str, body_bytes: bytes) -> Response:
        method = request.method
        key = request.headers.get("Idempotency-Key") if method in ("PUT", "POST") else None
        fingerprint = IdempotencyCache.fingerprint(
            method, path, request.query_string.decode(), body_bytes
        )
        try:
            if key:
                replay = self.idempotency.lookup(tenant_id, key, fingerprint)
                if replay is not None:
                    return Response(replay.body, status=replay.status, headers=list(replay.headers))
            if len(body_bytes) > MAX_BODY_BYTES:
                return Response("Request Entity Too Large", status=413, content_type="text/plain")
            parts = [p for p in path.split("/") if p]
            if method in ("PUT", "POST") and _is_file_upload(parts):
                body = body_bytes  # an attachment's body is the file itself
            else:
                body = parse_body(body_bytes) if method in ("PUT", "POST") else None
            since = if_modified_since(request.headers.get("If-Modified-Since"))
            status, text = self.accounting.handle(
                self.write(tenant_id),
                method,
                parts,
                request.args.to_dict(),
                body,
                since,
            )
            self.webhooks.flush()
            if isinstance(text, RawFile):
                response = Response(text.content, status=status, content_type=text.mime_type)
            else:
                response = Response(
                    text or None,
                    status=status,
                    content_type="application/json; charset=utf-8" if text else None,
                )
        except XeroError as exc:
            self.webhooks.flush()  # valid elements of a failed batch were still saved
            response = error_response(exc)
        if key:
            self.idempotency.store(
                tenant_id,
                key,
                fingerprint,
                Answer(response.status_code, tuple(response.headers.items()), response.get_data()),
            )
        return response


def _is_file_upload(parts: list[str]) -> bool:
    """``/{Resource}/{id}/Attachments/{FileName}``: the body is raw bytes, not JSON."""
    return len(parts) == 4 and parts[2].lower() == "attachments"


_SETTINGS = {
    "client_id",
    "client_secret",
    "tenant_id",
    "tenant_name",
    "provider_name",
    "rate_limits",
    "per_minute",
    "per_day",
    "concurrent",
    "app_per_minute",
    "webhook_url",
    "webhook_key",
}
