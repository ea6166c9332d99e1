"""What every provider sandbox shares: the control endpoints under ``/__sandbox/``,
fault injection, a request log and a clock.

The control paths are ones no provider uses, so they cannot shadow a real route.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import Flask, jsonify, request

from revhub.sandbox.clock import SandboxClock
from revhub.sandbox.faults import FaultPlan, FaultRule, FaultSpecError

CONTROL_PREFIX = "/__sandbox/"

# (status, headers, body) of an injected error, in the provider's own shape.
FaultResponse = tuple[int, list[tuple[str, str]], bytes]


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    query: str
    status: int
    at: float
    fault: str | None

    def as_dict(self) -> dict:
        return self.__dict__.copy()


class RequestLog:
    """The last ``maxlen`` API requests a sandbox answered (control requests excluded)."""

    def __init__(self, maxlen: int = 100_000) -> None:
        self._items: deque[LoggedRequest] = deque(maxlen=maxlen)
        self._lock = threading.Lock()

    def append(self, item: LoggedRequest) -> None:
        with self._lock:
            self._items.append(item)

    def entries(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class FaultMiddleware:
    """WSGI middleware: logs each API request and injects the plan's faults before the app."""

    def __init__(self, app, plan: FaultPlan, log: RequestLog,
                 render: Callable[[str], FaultResponse]) -> None:
        self.app, self.plan, self.log, self.render = app, plan, log, render

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith(CONTROL_PREFIX):
            return self.app(environ, start_response)
        method = environ.get("REQUEST_METHOD", "GET")
        rule = self.plan.draw(method, path)
        seen: dict = {}

        def logging_start_response(status, headers, exc_info=None):
            seen["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        def record(status: int) -> None:
            self.log.append(LoggedRequest(method, path, environ.get("QUERY_STRING", ""),
                                          status, time.time(), rule.kind if rule else None))

        if rule is None or rule.kind == "slow":
            if rule is not None:
                self.plan.released.wait(rule.delay)
            result = self.app(environ, logging_start_response)
            record(seen.get("status", 0))
            return result
        if rule.kind == "timeout":
            # Hold the request past any sane client timeout; the client gives up first.
            self.plan.released.wait(rule.delay)
            record(0)
            return _drop(environ, start_response)
        if rule.kind == "drop":
            record(0)
            return _drop(environ, start_response)
        status, headers, body = self.render(rule.kind)
        record(status)
        start_response(f"{status} {_REASONS.get(status, 'Error')}",
                       headers + [("Content-Length", str(len(body)))])
        return [body]


_REASONS = {400: "Bad Request", 403: "Forbidden", 429: "Too Many Requests",
            500: "Internal Server Error", 503: "Service Unavailable"}


def _drop(environ, start_response) -> Iterable[bytes]:
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    # Writing to the shut socket raises inside the server, which treats it as a dropped
    # connection; the client sees the connection closed with no response.
    start_response("500 Internal Server Error", [("Content-Length", "0")])
    return [b""]


class Sandbox:
    """Base of the provider sandboxes: a Flask app plus the shared control surface.

    Subclasses register their API routes on ``self.flask`` and implement ``render_fault``.
    """

    provider = "sandbox"

    def __init__(self, *, seed: int = 0, clock: SandboxClock | None = None) -> None:
        self.clock = clock or SandboxClock()
        self.faults = FaultPlan(seed)
        self.requests = RequestLog()
        self.flask = Flask(f"revhub.sandbox.{self.provider}")
        self.flask.config["JSON_SORT_KEYS"] = False
        self.flask.json.sort_keys = False
        self._install_control_routes()
        self.wsgi = FaultMiddleware(self.flask.wsgi_app, self.faults, self.requests, self.render_fault)

    def __call__(self, environ, start_response):
        return self.wsgi(environ, start_response)

    def render_fault(self, kind: str) -> FaultResponse:  # pragma: no cover - abstract
        raise NotImplementedError

    def reset(self) -> None:
        """Forget all provider data (subclasses extend)."""
        self.requests.clear()
        self.faults.clear()

    def _install_control_routes(self) -> None:
        app = self.flask

        @app.post(CONTROL_PREFIX + "faults")
        def add_fault():
            body = request.get_json(silent=True)
            if not isinstance(body, dict):
                return jsonify(error="body must be a JSON object describing one fault rule"), 400
            try:
                if "seed" in body:
                    self.faults.reseed(int(body.pop("seed")))
                rule = self.faults.add(FaultRule.from_dict(body))
            except (FaultSpecError, ValueError) as exc:
                return jsonify(error=str(exc)), 400
            return jsonify(rule.as_dict()), 201

        @app.get(CONTROL_PREFIX + "faults")
        def list_faults():
            return jsonify(rules=self.faults.rules())

        @app.delete(CONTROL_PREFIX + "faults")
        def clear_faults():
            self.faults.clear()
            return jsonify(rules=[])

        @app.get(CONTROL_PREFIX + "requests")
        def list_requests():
            return jsonify(requests=[r.as_dict() for r in self.requests.entries()])

        @app.delete(CONTROL_PREFIX + "requests")
        def clear_requests():
            self.requests.clear()
            return jsonify(requests=[])

        @app.post(CONTROL_PREFIX + "clock")
        def move_clock():
            body = request.get_json(silent=True) or {}
            try:
                if "advance_seconds" in body:
                    self.clock.advance(float(body["advance_seconds"]))
                if "factor" in body:
                    self.clock.set_factor(float(body["factor"]))
            except (TypeError, ValueError) as exc:
                return jsonify(error=f"bad clock setting: {exc}"), 400
            return jsonify(now=self.clock.time(), factor=self.clock.factor)

        @app.post(CONTROL_PREFIX + "reset")
        def reset():
            self.reset()
            return jsonify(reset=True)
