"""Webhook notifications as QBO sends them: entity changes batched per realm, signed with the
app's verifier token in ``intuit-signature`` (base64 HMAC-SHA256 of the body).
https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from datetime import UTC, datetime

import requests


def sign(body: bytes, verifier_token: str) -> str:
    return base64.b64encode(hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()).decode()


class WebhookDispatcher:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.url: str | None = None
        self.verifier_token = ""
        self.pending: list[tuple[str, dict]] = []
        self.sent: list[dict] = []

    def configure(self, url: str | None, verifier_token: str) -> None:
        with self._lock:
            self.url, self.verifier_token = url, verifier_token

    def reset(self) -> None:
        with self._lock:
            self.pending, self.sent, self.url = [], [], None

    def record(self, realm: str, entity: str, ident: str, operation: str, when: datetime) -> None:
        with self._lock:
            if self.url:
                self.pending.append((realm, {"name": entity, "id": ident, "operation": operation,
                                             "lastUpdated": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")}))

    def flush(self, timeout: float = 5.0) -> list[dict]:
        """POST what is pending (one notification per realm), as QBO does every few minutes."""
        with self._lock:
            pending, self.pending = self.pending, []
            url, token = self.url, self.verifier_token
        by_realm: dict[str, list[dict]] = {}
        for realm, entity in pending:
            by_realm.setdefault(realm, []).append(entity)
        results = []
        for realm, entities in by_realm.items():
            body = json.dumps({"eventNotifications": [
                {"realmId": realm, "dataChangeEvent": {"entities": entities}}]}).encode()
            response = requests.post(url, data=body, timeout=timeout, headers={
                "Content-Type": "application/json", "intuit-signature": sign(body, token)})
            result = {"realm": realm, "status": response.status_code, "entities": len(entities)}
            results.append(result)
        with self._lock:
            self.sent.extend(results)
        return results
