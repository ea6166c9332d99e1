"""Webhook endpoints and signed deliveries, retried on failure on the sandbox clock."""

from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import json
import logging
import secrets
import threading
from collections.abc import Callable
from typing import Any

import requests

from revhub.sandbox.clock import SandboxClock

log = logging.getLogger(__name__)
DEFAULT_RETRY_DELAYS = (60, 300, 1800, 3600, 7200, 14400, 28800)


def sign_payload(payload: bytes, secret: str, timestamp: int) -> str:
    """The ``Stripe-Signature`` header value for ``payload``: ``t=<ts>,v1=<hex HMAC-SHA256>``."""
    signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


def new_secret() -> str:
    return "whsec_" + secrets.token_hex(24)


class Deliveries:
    """A background sender: each (event, endpoint) is posted until a 2xx or the schedule ends."""

    def __init__(self, clock: SandboxClock, endpoints: Callable[[], list[dict[str, Any]]],
                 on_done: Callable[[str], None], retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS,
                 timeout: float = 10.0, render: Callable[[dict, dict], dict] = lambda event, endpoint: event) -> None:
        self.clock, self.endpoints, self.on_done, self.render = clock, endpoints, on_done, render
        self.retry_delays, self.timeout = retry_delays, timeout
        self._queue: list[tuple[float, int, dict, str, int]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stopped = False
        self.attempts: list[dict[str, Any]] = []   # what was sent, for tests and the control API
        self._thread = threading.Thread(target=self._run, name="stripe-sandbox-webhooks", daemon=True)
        self._thread.start()

    def matching(self, event_type: str) -> list[dict[str, Any]]:
        return [e for e in self.endpoints() if e["status"] == "enabled"
                and ("*" in e["enabled_events"] or event_type in e["enabled_events"])]

    def enqueue(self, event: dict[str, Any], endpoints: list[dict[str, Any]]) -> None:
        with self._cond:
            for endpoint in endpoints:
                heapq.heappush(self._queue, (self.clock.time(), next(self._seq), event, endpoint["id"], 0))
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped and (not self._queue or self._queue[0][0] > self.clock.time()):
                    wait = (self._queue[0][0] - self.clock.time()) / self.clock.factor if self._queue else None
                    self._cond.wait(timeout=min(wait, 0.5) if wait is not None else 0.5)
                if self._stopped:
                    return
                _, _, event, endpoint_id, attempt = heapq.heappop(self._queue)
            endpoint = next((e for e in self.endpoints() if e["id"] == endpoint_id), None)
            if endpoint is None or endpoint["status"] != "enabled":
                self.on_done(event["id"])
                continue
            ok = self._send(event, endpoint, attempt)
            if ok or attempt >= len(self.retry_delays):
                self.on_done(event["id"])
            else:
                with self._cond:
                    heapq.heappush(self._queue, (self.clock.time() + self.retry_delays[attempt], next(self._seq),
                                                 event, endpoint_id, attempt + 1))

    def _send(self, event: dict[str, Any], endpoint: dict[str, Any], attempt: int) -> bool:
        # Rendered in the endpoint's API version, whatever the version of the caller that caused it.
        body = json.dumps(self.render(event, endpoint)).encode()
        # The timestamp is the time of this attempt: a retry is signed anew.
        header = sign_payload(body, endpoint["_secret"], int(self.clock.time()))
        status = None
        try:
            response = requests.post(endpoint["url"], data=body, timeout=self.timeout, headers={
                "Content-Type": "application/json; charset=utf-8", "Stripe-Signature": header,
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"})
            status = response.status_code
        except requests.RequestException as exc:
            log.info("webhook %s to %s failed: %s", event["id"], endpoint["url"], type(exc).__name__)
        self.attempts.append({"event": event["id"], "endpoint": endpoint["id"], "attempt": attempt + 1,
                              "status": status})
        return status is not None and 200 <= status < 300
