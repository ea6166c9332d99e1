"""``QuickBooksSandbox``: Intuit's OAuth service and the QBO Accounting API v3 as a WSGI app.

Routes: ``/.well-known/openid_configuration/`` (the discovery document intuit-oauth reads; give
its URL as the AuthClient ``environment``), ``POST /oauth2/v1/tokens/bearer``, and
``/v3/company/<realm>/{<entity>[/<id>], query, cdc, batch}``. Control endpoints added:
``POST /__sandbox/tokens`` (a consented token pair), ``POST /__sandbox/webhooks`` (url +
verifier_token), ``POST /__sandbox/webhooks/flush``, ``POST /__sandbox/expire-tokens``.
"""

from __future__ import annotations

import json
import threading

from flask import Response, request

from revhub.sandbox.clock import SandboxClock
from revhub.sandbox.common import CONTROL_PREFIX, FaultResponse, Sandbox
from revhub.sandbox.quickbooks import faults, seeding
from revhub.sandbox.quickbooks.amounts import wire
from revhub.sandbox.quickbooks.api import PATHS, Operations
from revhub.sandbox.quickbooks.faults import JSON, QBOFault, qbo_time
from revhub.sandbox.quickbooks.oauth import OAuthError, TokenAuthority
from revhub.sandbox.quickbooks.store import Realm
from revhub.sandbox.quickbooks.throttle import Throttle
from revhub.sandbox.quickbooks.webhooks import WebhookDispatcher

DEFAULT_CLIENT_ID = "ABrevhubSandboxQuickBooksClientId0000000000000000"
DEFAULT_CLIENT_SECRET = "revhub-sandbox-qbo-client-secret"
DEFAULT_REALM_ID = "9341452161234567"
DEFAULT_VERIFIER_TOKEN = "revhub-sandbox-qbo-verifier-token"
_SETTINGS = {"client_id", "client_secret", "realm_id", "per_minute", "concurrent", "home_currency",
             "refund_document"}


class QuickBooksSandbox(Sandbox):
    """A local QuickBooks Online company for python-quickbooks 0.9 and intuit-oauth 1.2."""

    provider = "quickbooks"

    def __init__(self, *, seed: int = 0, clock: SandboxClock | None = None, **settings) -> None:
        super().__init__(seed=seed, clock=clock)
        unknown = set(settings) - _SETTINGS
        if unknown:
            raise TypeError(f"unknown QuickBooksSandbox setting(s): {', '.join(sorted(unknown))}")
        self.lock = threading.RLock()
        self.authority = TokenAuthority(self.clock, settings.get("client_id", DEFAULT_CLIENT_ID),
                                        settings.get("client_secret", DEFAULT_CLIENT_SECRET))
        self.throttle = Throttle(self.clock, settings.get("per_minute", 500), settings.get("concurrent", 10))
        self.webhooks = WebhookDispatcher()
        self.realm_id = settings.get("realm_id", DEFAULT_REALM_ID)
        # The company's home currency (its accounts' currency), and how the seed's feed booked
        # Stripe's refunds: credit memos, or refund receipts paid out of the clearing account.
        self.home_currency = str(settings.get("home_currency", "USD")).upper()
        self.refund_document = settings.get("refund_document", "CreditMemo")
        if self.refund_document not in ("CreditMemo", "RefundReceipt"):
            raise TypeError("refund_document must be CreditMemo or RefundReceipt")
        self.realms: dict[str, Realm] = {}
        self.minorversions: list[str] = []
        self._answers: dict[tuple[str, str], tuple[int, bytes]] = {}  # (realm, requestid) → answer
        self._new_realm()
        self._install_routes()

    # ----- public surface ---------------------------------------------------------------
    def _new_realm(self) -> None:
        self.realms[self.realm_id] = Realm(self.realm_id, "Revhub Demo Company", self.home_currency)
        seeding.company(self.operations())

    def operations(self, realm_id: str | None = None) -> Operations:
        """The API's operations on a realm at sandbox time (hold ``lock``)."""
        realm = self.realms[realm_id or self.realm_id]
        return Operations(realm, self.clock.now(),
                          lambda entity, ident, op: self.webhooks.record(realm.realm_id, entity, ident, op,
                                                                         self.clock.now()))

    def issue_token(self) -> dict:
        return self.authority.issue()

    def load_dataset(self, ds) -> None:
        with self.lock:
            seeding.load(self.operations(), ds, self.refund_document)

    def configure_webhooks(self, url: str, verifier_token: str = DEFAULT_VERIFIER_TOKEN, legacy: bool = False) -> None:
        """Send notifications to ``url``: CloudEvents, or the older envelope with ``legacy``."""
        self.webhooks.configure(url, verifier_token, legacy)

    def reset(self) -> None:
        super().reset()
        self.authority.reset()
        self.throttle.reset()
        self.webhooks.reset()
        self._answers.clear()
        with self.lock:
            self._new_realm()

    def render_fault(self, kind: str) -> FaultResponse:
        return faults.rendered(kind)

    # ----- plumbing ---------------------------------------------------------------------
    def _install_routes(self) -> None:
        app = self.flask

        @app.get("/.well-known/openid_configuration/")
        def discovery():
            base = request.host_url.rstrip("/")
            return {"issuer": base, "authorization_endpoint": f"{base}/connect/oauth2",
                    "token_endpoint": f"{base}/oauth2/v1/tokens/bearer",
                    "userinfo_endpoint": f"{base}/v1/openid_connect/userinfo",
                    "revocation_endpoint": f"{base}/oauth2/v1/tokens/revoke", "jwks_uri": f"{base}/oauth2/v1/keys"}

        @app.post("/oauth2/v1/tokens/bearer")
        def token():
            if request.form.get("grant_type") != "refresh_token":
                return {"error": "unsupported_grant_type"}, 400
            try:
                return self.authority.refresh(request.headers.get("Authorization"), request.form.get("refresh_token"))
            except OAuthError as exc:
                return {"error": exc.error}, exc.status

        @app.post(CONTROL_PREFIX + "tokens")
        def control_token():
            return self.issue_token()

        @app.post(CONTROL_PREFIX + "expire-tokens")
        def expire():
            self.authority.expire_access_tokens()
            return {"expired": True}

        @app.post(CONTROL_PREFIX + "webhooks")
        def control_webhooks():
            body = request.get_json(silent=True) or {}
            self.configure_webhooks(body.get("url"), body.get("verifier_token", DEFAULT_VERIFIER_TOKEN),
                                    bool(body.get("legacy")))
            return {"url": body.get("url")}

        @app.post(CONTROL_PREFIX + "webhooks/flush")
        def flush():
            return {"sent": self.webhooks.flush()}

        @app.route("/v3/company/<realm_id>/<path:rest>", methods=["GET", "POST"])
        def api(realm_id: str, rest: str):
            return self._api(realm_id, rest.strip("/").split("/"))

    def _api(self, realm_id: str, parts: list[str]) -> Response:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or not self.authority.valid(auth[7:]):
            status, body = faults.unauthenticated("Token expired or invalid" if auth
                                                  else "Authorization header missing")
            return Response(body, status, content_type=JSON, headers={"WWW-Authenticate": 'Bearer realm="Intuit"'})
        if realm_id not in self.realms:
            return _fault(QBOFault(403, "3100", "ApplicationAuthorizationFailed",
                                   "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
                                   kind="SERVICE"))
        if not self.throttle.enter(realm_id):
            return _fault(faults.throttled())
        try:
            return self._answer(realm_id, parts)
        finally:
            self.throttle.leave(realm_id)

    def _answer(self, realm_id: str, parts: list[str]) -> Response:
        self.minorversions.append(request.args.get("minorversion", ""))
        request_id = request.args.get("requestid")
        if request.method == "POST" and request_id and (realm_id, request_id) in self._answers:
            status, body = self._answers[(realm_id, request_id)]  # QBO: same requestid, same answer
            return Response(body, status, content_type=JSON)
        try:
            with self.lock:
                key, payload = self._dispatch(self.operations(realm_id), parts)
            status, body = 200, json.dumps({key: wire(payload), "time": qbo_time(self.clock.now())}).encode()
        except QBOFault as fault:
            status, body = fault.status, json.dumps(fault.body()).encode()
        if request.method == "POST" and request_id:
            self._answers[(realm_id, request_id)] = (status, body)
        return Response(body, status, content_type=JSON)

    def _dispatch(self, ops: Operations, parts: list[str]) -> tuple[str, object]:
        head = parts[0].lower()
        if head == "query":
            text = request.args.get("query") if request.method == "GET" else request.get_data(as_text=True)
            return "QueryResponse", ops.query(text or "")
        if head == "cdc" and request.method == "GET":
            return "CDCResponse", ops.cdc(request.args.get("entities", ""), request.args.get("changedSince", ""))
        if head == "batch" and request.method == "POST":
            return "BatchItemResponse", ops.batch(_json_body())
        entity = PATHS.get(head)
        if entity is None:
            raise QBOFault(400, "4000", "Unsupported Operation", f"Operation {'/'.join(parts)} is not supported.")
        if request.method == "GET" and len(parts) == 2:
            return entity, ops.read(entity, parts[1])
        if request.method == "POST" and len(parts) == 1:
            return entity, ops.save(entity, _json_body(), request.args.get("operation"))
        raise QBOFault(400, "4000", "Unsupported Operation", f"{request.method} {'/'.join(parts)} is not supported.")


def _json_body() -> dict:
    try:
        body = json.loads(request.get_data(as_text=True) or "null")
    except ValueError as exc:
        raise QBOFault(400, "2500", "Invalid Request", f"Error parsing object: {exc}") from None
    if not isinstance(body, dict):
        raise QBOFault(400, "2500", "Invalid Request", "Request body must be a JSON object")
    return body


def _fault(fault: QBOFault) -> Response:
    return Response(json.dumps(fault.body()), fault.status, content_type=JSON)

