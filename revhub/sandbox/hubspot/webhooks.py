"""The app's webhook subscriptions: CRM changes delivered to the target URL, signed v3.

HubSpot batches events (up to 100 per request) and signs each request with
``X-HubSpot-Signature-v3``: base64 HMAC-SHA256, keyed by the app's client secret, over
method + URI + body + ``X-HubSpot-Request-Timestamp`` (epoch milliseconds). Failed deliveries
are retried (HubSpot retries up to 10 times over 24 hours; here a few times, quickly).
https://developers.hubspot.com/docs/api/webhooks#webhooks-payloads
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import queue
import threading
import time
from collections.abc import Callable

import requests

SINGULAR = {"companies": "company", "contacts": "contact", "deals": "deal"}
RETRIES = 3


def sign_v3(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """The X-HubSpot-Signature-v3 value of one request."""
    message = method.encode() + uri.encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


class WebhookDeliveries:
    """One subscription (target URL + client secret) and a worker that sends its events."""

    def __init__(self, portal_id: int, app_id: int, now_ms: Callable[[], int]) -> None:
        self.portal_id, self.app_id, self.now_ms = portal_id, app_id, now_ms
        self.target: str | None = None
        self.secret: str | None = None
        self._events: queue.Queue = queue.Queue()
        self._ids = itertools.count(100)
        self.delivered = self.failures = 0
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def subscribe(self, target: str, client_secret: str) -> None:
        self.target, self.secret = target, client_secret
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, daemon=True, name="hubspot-webhooks")
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def emit(self, object_type: str, object_id: str, kind: str, changed: dict[str, str]) -> None:
        singular = SINGULAR.get(object_type)
        if singular is None or self.target is None:
            return
        base = {"portalId": self.portal_id, "appId": self.app_id, "occurredAt": self.now_ms(),
                "subscriptionType": f"{singular}.{kind}", "attemptNumber": 0, "objectId": int(object_id),
                "changeSource": "CRM", "subscriptionId": 1}
        if kind == "propertyChange":
            events = [{**base, "eventId": next(self._ids), "propertyName": k, "propertyValue": v}
                      for k, v in changed.items()]
        else:
            events = [{**base, "eventId": next(self._ids)}]
        self._events.put(events)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                events = self._events.get(timeout=0.1)
            except queue.Empty:
                continue
            for attempt in range(RETRIES):
                if self._send([{**e, "attemptNumber": attempt} for e in events]):
                    self.delivered += 1
                    break
                self.failures += 1
                time.sleep(0.2 * (attempt + 1))

    def _send(self, events: list[dict]) -> bool:
        body = json.dumps(events).encode()
        # Signed with the real time, not the sandbox clock: the receiver checks it against its own.
        timestamp = str(int(time.time() * 1000))
        headers = {"Content-Type": "application/json", "X-HubSpot-Request-Timestamp": timestamp,
                   "X-HubSpot-Signature-v3": sign_v3(self.secret or "", "POST", self.target or "", body, timestamp),
                   "X-HubSpot-Signature-Version": "v3"}
        try:
            response = requests.post(self.target or "", data=body, headers=headers, timeout=5)
        except requests.RequestException:
            return False
        return 200 <= response.status_code < 300
