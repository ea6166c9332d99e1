"""Xero webhooks (PROVIDERS.md 2.9): thin INVOICE/CONTACT events, signed with the webhook key.

On configuration the dispatcher runs the intent-to-receive check (one correctly and one
incorrectly signed empty payload; the endpoint must answer 200 and 401) and only delivers
events once it passed. Deliveries run on a background thread and failed ones are retried
with growing delays (on the sandbox clock, so tests can skip ahead).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

import requests

from revhub.sandbox.clock import SandboxClock

CATEGORIES = {"Invoices": "INVOICE", "Contacts": "CONTACT"}  # no Payments/Items/POs, ever
RETRY_DELAYS = (5, 30, 120, 600, 3600)
DELIVERY_TIMEOUT = 5.0
MAX_EVENTS_PER_PAYLOAD = 500


def sign_payload(body: bytes, key: str) -> str:
    """``x-xero-signature``: base64 of HMAC-SHA256 over the raw body, keyed with the key text."""
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def _entropy() -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(20))


@dataclass
class Delivery:
    body: bytes
    attempts: int = 0
    due: float = 0.0
    last_status: int | None = None


@dataclass
class WebhookState:
    url: str | None = None
    key: str | None = None
    intent_ok: bool = False
    intent_results: dict = field(default_factory=dict)
    sequence: int = 0
    delivered: list[dict] = field(default_factory=list)  # payloads acknowledged with 2xx
    failures: int = 0


class WebhookDispatcher:
    """Queues events and posts them from a daemon thread to the configured URL."""

    def __init__(
        self, clock: SandboxClock, resource_base: str = "https://api.xero.com/api.xro/2.0"
    ) -> None:
        self.clock = clock
        self.resource_base = resource_base
        self.state = WebhookState()
        self._lock = threading.Condition()
        self._queue: deque[Delivery] = deque()
        self._pending: list[dict] = []
        self._thread: threading.Thread | None = None
        self._session = requests.Session()

    def configure(self, url: str, key: str) -> dict:
        """Set the delivery URL and key and run intent-to-receive; returns its outcome."""
        with self._lock:
            self.state = WebhookState(url=url, key=key, sequence=self.state.sequence)
            self._queue.clear()
        results = {
            "signed": self._post_empty(url, key, sign_payload),
            "badly_signed": self._post_empty(url, key, lambda b, k: sign_payload(b + b"x", k)),
        }
        ok = results["signed"] == 200 and results["badly_signed"] == 401
        with self._lock:
            self.state.intent_results, self.state.intent_ok = results, ok
        return {"url": url, "intent_to_receive": "OK" if ok else "FAILED", "responses": results}

    def _post_empty(self, url: str, key: str, signer) -> int | None:
        body = json.dumps(
            {"events": [], "firstEventSequence": 0, "lastEventSequence": 0, "entropy": _entropy()}
        ).encode()
        return self._post(url, body, signer(body, key))

    def _post(self, url: str, body: bytes, signature: str) -> int | None:
        try:
            answer = self._session.post(
                url,
                data=body,
                timeout=DELIVERY_TIMEOUT,
                headers={
                    "Content-Type": "application/json",
                    "x-xero-signature": signature,
                    "User-Agent": "Xero-Webhooks-Sandbox",
                },
            )
        except requests.RequestException:
            return None
        return answer.status_code

    def record(
        self, tenant_id: str, resource: str, resource_id: str, created: bool, when: datetime
    ) -> None:
        """Note a change; CONTACT and INVOICE changes become events, others are dropped."""
        category = CATEGORIES.get(resource)
        if category is None:
            return
        event = {
            "resourceUrl": f"{self.resource_base}/{resource}/{resource_id}",
            "resourceId": resource_id,
            "eventDateUtc": when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3],
            "eventType": "CREATE" if created else "UPDATE",
            "eventCategory": category,
            "tenantId": tenant_id,
            "tenantType": "ORGANISATION",
        }
        with self._lock:
            if self.state.url:
                self._pending.append(event)

    def flush(self) -> None:
        """Turn events noted so far into one payload (called after each API write)."""
        with self._lock:
            if not self._pending or not self.state.intent_ok:
                self._pending.clear()
                return
            for start in range(0, len(self._pending), MAX_EVENTS_PER_PAYLOAD):
                events = self._pending[start : start + MAX_EVENTS_PER_PAYLOAD]
                first = self.state.sequence + 1
                self.state.sequence += len(events)
                payload = {
                    "events": events,
                    "firstEventSequence": first,
                    "lastEventSequence": self.state.sequence,
                    "entropy": _entropy(),
                }
                self._queue.append(Delivery(json.dumps(payload).encode(), due=self.clock.time()))
            self._pending = []
            self._ensure_thread()
            self._lock.notify_all()

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, daemon=True, name="xero-webhooks")
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._queue:
                    if not self._lock.wait(timeout=30):
                        self._thread = None
                        return
                delivery = self._queue[0]
                if delivery.due > self.clock.time():
                    self._lock.wait(timeout=0.05)
                    continue
                self._queue.popleft()
                url, key = self.state.url, self.state.key
            if not url or not key:
                continue
            status = self._post(url, delivery.body, sign_payload(delivery.body, key))
            delivery.attempts += 1
            delivery.last_status = status
            with self._lock:
                if status is not None and 200 <= status < 300:
                    self.state.delivered.append(json.loads(delivery.body))
                elif delivery.attempts <= len(RETRY_DELAYS):
                    self.state.failures += 1
                    delivery.due = self.clock.time() + RETRY_DELAYS[delivery.attempts - 1]
                    self._queue.append(delivery)
                else:
                    self.state.failures += 1  # gave up, as Xero does after its retry window

    def status(self) -> dict:
        with self._lock:
            return {
                "url": self.state.url,
                "intent_to_receive": self.state.intent_ok,
                "intent_responses": self.state.intent_results,
                "queued": len(self._queue),
                "delivered": len(self.state.delivered),
                "failures": self.state.failures,
                "last_sequence": self.state.sequence,
            }

    def reset(self) -> None:
        with self._lock:
            self.state = WebhookState()
            self._queue.clear()
            self._pending.clear()
