"""The Stripe sandbox: Stripe's REST API (the parts revhub uses) for the real stripe-python."""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import json
import secrets
import threading
from collections.abc import Callable
from typing import Any

from flask import Response, request

from revhub.sandbox.clock import SandboxClock
from revhub.sandbox.common import FaultResponse, Sandbox
from revhub.sandbox.dataset import Dataset
from revhub.sandbox.stripe import fields, schema, versions
from revhub.sandbox.stripe import params as p
from revhub.sandbox.stripe.balance import Balance
from revhub.sandbox.stripe.disputes import Disputes
from revhub.sandbox.stripe.errors import StripeError
from revhub.sandbox.stripe.invoices import Invoices
from revhub.sandbox.stripe.payments import Payments
from revhub.sandbox.stripe.store import Store, new_id
from revhub.sandbox.stripe.webhooks import DEFAULT_RETRY_DELAYS, Deliveries

API_VERSION = versions.CURRENT  # what stripe-python 16.1.0 sends in Stripe-Version
EVENT_RETENTION = 30 * 86400
IDEMPOTENCY_WINDOW = 24 * 3600
DEFAULT_API_KEY = "sk_test_revhub_sandbox"

_FAULTS = {
    "429": (429, "Too many requests hit the API too quickly. We recommend an exponential backoff of your "
                 "requests.", "rate_limit", "invalid_request_error"),
    "500": (500, "An unknown error occurred", None, "api_error"),
    "503": (503, "Stripe is temporarily unavailable. Please try again shortly.", None, "api_error"),
}


class StripeSandbox(Sandbox):
    """A local Stripe account in test mode.

    Default credentials: secret key ``sk_test_revhub_sandbox`` (``api_key=`` to change it).
    Point stripe-python at it with ``StripeClient(key, base_addresses={"api": url})``.
    Settings: ``webhook_retry_delays`` (sandbox seconds between delivery attempts),
    ``default_currency`` and ``settlement_currencies`` of the account (EUR; charges in another
    currency are converted into it).
    """

    provider = "stripe"

    def __init__(self, *, seed: int = 0, clock: SandboxClock | None = None, api_key: str = DEFAULT_API_KEY,
                 webhook_retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS, default_currency: str = "eur",
                 settlement_currencies: tuple[str, ...] = ("eur",)) -> None:
        super().__init__(seed=seed, clock=clock)
        self.api_key = api_key
        self._fixed_now: int | None = None
        self.created_at = int(self.clock.time())
        self.store = Store()
        self.lock = self.store.lock
        self.balance = Balance(self.store, self.now, self.emit, default_currency,
                               tuple(settlement_currencies))
        self.payments = Payments(self.store, self.now, self.emit, self.balance)
        self.invoices = Invoices(self.store, self.now, self.emit, self.payments)
        self.disputes = Disputes(self.store, self.now, self.emit, self.balance)
        self.payments.after_charge = self.disputes.after_charge
        self._idempotency: dict[str, tuple[float, str, str, int, bytes]] = {}
        self._request_id = threading.local()
        self.deliveries = Deliveries(self.clock, lambda: self.store.all("webhook_endpoint"), self._delivered,
                                     webhook_retry_delays, render=self._for_endpoint)
        from revhub.sandbox.stripe import routes

        routes.install(self)

    # -- shared machinery ------------------------------------------------------------
    def now(self) -> int:
        # While a data set loads, "now" is the moment each historical record happened.
        return self._fixed_now if self._fixed_now is not None else int(self.clock.time())

    def emit(self, event_type: str, obj: dict[str, Any], previous: dict[str, Any] | None = None, *,
             created: int | None = None) -> dict[str, Any]:
        """Record an event (a snapshot of ``obj``) and queue its webhook deliveries."""
        endpoints = self.deliveries.matching(event_type)
        request_id = getattr(self._request_id, "value", None)
        event = {"id": new_id("event"), "object": "event", "api_version": API_VERSION,
                 "created": created if created is not None else self.now(),
                 "data": {"object": self.render(obj)}, "livemode": False, "pending_webhooks": len(endpoints),
                 "request": {"id": request_id, "idempotency_key": getattr(self._request_id, "key", None)},
                 "type": event_type}
        if previous is not None:
            event["data"]["previous_attributes"] = copy.deepcopy(previous)
        self.store["event"].add(event)
        if endpoints:
            self.deliveries.enqueue(copy.deepcopy(event), endpoints)
        return event

    def _for_endpoint(self, event: dict[str, Any], endpoint: dict[str, Any]) -> dict[str, Any]:
        """``event`` as ``endpoint`` receives it: in its own API version when it set one."""
        version = endpoint.get("api_version") or event["api_version"]
        if version == event["api_version"]:
            return event
        with self.lock:
            shaped = versions.shape(copy.deepcopy(event["data"]), version, self.store)
        return {**event, "api_version": version, "data": shaped}

    def _delivered(self, event_id: str) -> None:
        with self.lock:
            event = self.store["event"].objects.get(event_id)
            if event and event["pending_webhooks"] > 0:
                event["pending_webhooks"] -= 1

    def event_visible(self, event: dict[str, Any]) -> bool:
        return event["created"] >= self.now() - EVENT_RETENTION

    def render(self, obj: dict[str, Any], expand: list[str] | None = None) -> dict[str, Any]:
        """The public JSON of ``obj``: private keys dropped, ``expand`` paths replaced by objects."""
        out = _clone(obj)
        includable = fields.INCLUDABLE.get(obj.get("object"), frozenset())
        for path in expand or ():
            head = path.split(".", 1)[0]
            if head in includable:  # left out unless asked for
                out[head] = _clone(fields.include(obj["object"], head, obj, self.store))
            else:
                self._expand(out, path.split("."), 0)
        return out

    def _expand(self, node: Any, parts: list[str], depth: int) -> None:
        if depth >= 4 or not parts or not isinstance(node, dict):
            return
        head, rest = parts[0], parts[1:]
        value = node.get(head)
        if isinstance(value, str):
            found = self.store.find(value)
            if found is not None:
                node[head] = value = self.render(found)
        if isinstance(value, dict):
            if value.get("object") == "list" and rest:
                for item in value.get("data", []):
                    self._expand(item, rest, depth + 1)
            else:
                self._expand(value, rest, depth + 1)
        elif isinstance(value, list):
            for item in value:
                self._expand(item, rest, depth + 1)

    def render_fault(self, kind: str) -> FaultResponse:
        status, message, code, type_ = _FAULTS[kind]
        error = StripeError(status, message, code=code, type_=type_)
        request_id = "req_" + secrets.token_hex(7)
        headers = [("Content-Type", "application/json"), ("Request-Id", request_id)]
        if kind == "429":
            headers.append(("Stripe-Should-Retry", "true"))
        return status, headers, json.dumps(error.body(request_id)).encode()

    def reset(self) -> None:
        super().reset()
        with self.lock:
            self.store.clear()
            self.balance.clear()
            self.disputes.clear()
            self._idempotency.clear()

    def close(self) -> None:
        self.deliveries.stop()

    def load_dataset(self, ds: Dataset) -> None:
        from revhub.sandbox.stripe.seeding import load

        with self.lock:
            load(self, ds)

    # -- the request pipeline --------------------------------------------------------
    def endpoint(self, fn: Callable[..., Any], params_type: str) -> Callable[..., Response]:
        """Auth, parameter parsing and checking against ``stripe.params.<params_type>``,
        idempotency, error bodies and expansion around a handler."""
        tree = schema.schema(params_type)

        @functools.wraps(fn)
        def view(**kwargs: Any) -> Response:
            request_id = "req_" + secrets.token_hex(7)
            self._request_id.value = request_id
            self._request_id.key = None
            self._request_id.version = API_VERSION
            try:
                self._authenticate()
                self._request_id.version = versions.check(request.headers.get("Stripe-Version"))
                pairs = request.args.items(multi=True) if request.method in ("GET", "DELETE") else \
                    request.form.items(multi=True)
                params = p.parse(pairs)
                schema.check(tree, params)
                expand = params.get("expand") or []
                if isinstance(expand, str):
                    expand = [expand]
                if request.method == "POST":
                    return self._idempotent(request_id, params, lambda: self._call(fn, params, kwargs, expand))
                status, body = self._call(fn, params, kwargs, expand)
                return self._respond(status, body, request_id)
            except StripeError as error:
                return self._respond(error.status, error.body(request_id), request_id)

        return view

    def _call(self, fn, params: dict, kwargs: dict, expand: list[str]) -> tuple[int, bytes]:
        # Serialized under the lock: the body reads live store objects, which other requests mutate.
        with self.lock:
            self.disputes.settle(self.now())  # the clock's work first: disputes decided,
            self.balance.settle(self.now())   # funds available, payouts made
            result = fn(params, **kwargs)
            if isinstance(result, dict) and result.get("object") in ("list", "search_result"):
                inner = [e.removeprefix("data.") for e in expand if e.startswith("data.")]
                body = {**result, "data": [self._public(item, inner) for item in result["data"]]}
            else:
                body = self._public(result, expand)
            return 200, json.dumps(versions.shape(body, self._request_id.version, self.store)).encode()

    def _public(self, obj: dict[str, Any], expand: list[str]) -> dict[str, Any]:
        return self.render(obj, expand)

    def _authenticate(self) -> None:
        header = request.headers.get("Authorization", "")
        key = None
        if header.startswith("Bearer "):
            key = header[7:].strip()
        elif header.startswith("Basic "):
            try:
                key = base64.b64decode(header[6:]).decode().split(":", 1)[0]
            except (ValueError, UnicodeDecodeError):
                key = None
        if not key:
            raise StripeError(401, "You did not provide an API key. You need to provide your API key in the "
                                   "Authorization header, using Bearer auth "
                                   "(e.g. 'Authorization: Bearer YOUR_SECRET_KEY').")
        if not secrets.compare_digest(key, self.api_key):
            raise StripeError(401, f"Invalid API Key provided: {key[:8]}{'*' * max(0, len(key) - 12)}{key[-4:]}")

    def _idempotent(self, request_id: str, params: dict, run: Callable[[], tuple[int, bytes]]) -> Response:
        key = request.headers.get("Idempotency-Key")
        if not key:
            status, body = run()
            return self._respond(status, body, request_id)
        if len(key) > 255:
            raise StripeError(400, "Idempotency keys must be at most 255 characters.", param="Idempotency-Key")
        self._request_id.key = key
        fingerprint = hashlib.sha256(json.dumps([request.path, params], sort_keys=True).encode()).hexdigest()
        with self.lock:
            saved = self._idempotency.get(key)
            if saved and saved[0] + IDEMPOTENCY_WINDOW < self.clock.time():
                saved = None
            if saved:
                if saved[1] != fingerprint:
                    raise StripeError(400, "Keys for idempotent requests can only be used with the same parameters "
                                           f"they were first used with. Try using a key other than '{key}' if you "
                                           "meant to execute a different request.", type_="idempotency_error")
                response = Response(saved[4], status=saved[3], content_type="application/json")
                response.headers["Request-Id"] = saved[2]
                response.headers["Idempotent-Replayed"] = "true"
                response.headers["Stripe-Version"] = self._request_id.version
                response.headers["Idempotency-Key"] = key
                return response
            try:
                status, body = run()
            except StripeError as error:
                if error.status >= 500 or error.status == 402:
                    # Results are saved once the endpoint executed: errors from execution replay too.
                    self._save(key, fingerprint, request_id, error.status,
                               json.dumps(error.body(request_id)).encode())
                raise
            self._save(key, fingerprint, request_id, status, body)
        response = self._respond(status, body, request_id)
        response.headers["Idempotency-Key"] = key
        return response

    def _save(self, key: str, fingerprint: str, request_id: str, status: int, body: bytes) -> None:
        self._idempotency[key] = (self.clock.time(), fingerprint, request_id, status, body)

    def _respond(self, status: int, body: dict | bytes, request_id: str) -> Response:
        payload = body if isinstance(body, bytes) else json.dumps(body)
        response = Response(payload, status=status, content_type="application/json")
        response.headers["Request-Id"] = request_id
        response.headers["Stripe-Version"] = getattr(self._request_id, "version", API_VERSION)
        return response


def _clone(value: Any) -> Any:
    """A copy of JSON-shaped data, detached from the store so it is serialized outside the lock
    (several times faster than ``copy.deepcopy``, which dominated list pages). Private keys
    (``_name``) are the sandbox's own and never shown; metadata is the user's and keeps every key."""
    kind = type(value)
    if kind is dict:
        out = {}
        for key, item in value.items():
            if key[:1] == "_":
                continue
            inner = type(item)
            if inner is dict:
                out[key] = dict(item) if key == "metadata" else _clone(item)
            elif inner is list:
                out[key] = [_clone(x) if type(x) in (dict, list) else x for x in item]
            else:
                out[key] = item  # scalars are shared: they are immutable
        return out
    if kind is list:
        return [_clone(x) if type(x) in (dict, list) else x for x in value]
    return value
