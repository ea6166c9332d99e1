"""Webhook notifications as QBO sends them: entity changes batched per realm, signed with the
app's verifier token in ``intuit-signature`` (base64 HMAC-SHA256 of the body).

The body is a CloudEvents array (Intuit's format since its 2025-26 migration) or, with
``legacy=True``, the older ``eventNotifications`` envelope.
https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import uuid
from datetime import UTC, datetime

import requests

# Legacy operation names → CloudEvents type verbs.
_VERBS = {"Create": "created", "Update": "updated", "Delete": "deleted", "Void": "voided", "Merge": "merged"}


def sign(body: bytes, verifier_token: str) -> str:
    return base64.b64encode(hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()).decode()


class WebhookDispatcher:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.url: str | None = None
        self.verifier_token = ""
        self.legacy = False
        self.pending: list[tuple[str, dict]] = []
        self.sent: list[dict] = []

    def configure(self, url: str | None, verifier_token: str, legacy: bool = False) -> None:
        with self._lock:
            self.url, self.verifier_token, self.legacy = url, verifier_token, legacy

    def reset(self) -> None:
        with self._lock:
            self.pending, self.sent, self.url = [], [], None

    def record(self, realm: str, entity: str, ident: str, operation: str, when: datetime) -> None:
        with self._lock:
            if self.url:
                self.pending.append((realm, {"name": entity, "id": ident, "operation": operation, "when": when}))

    def _bodies(self, pending: list[tuple[str, dict]]) -> list[tuple[str, int, bytes]]:
        if not self.legacy:
            events = [{"specversion": "1.0", "id": str(uuid.uuid4()), "source": "intuit.revhub-sandbox",
                       "type": f"qbo.{e['name'].lower()}.{_VERBS.get(e['operation'], 'updated')}.v1",
                       "datacontenttype": "application/json",
                       "time": e["when"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                       "intuitentityid": e["id"], "intuitaccountid": realm, "data": {}} for realm, e in pending]
            return [("*", len(events), json.dumps(events).encode())] if events else []
        by_realm: dict[str, list[dict]] = {}
        for realm, e in pending:
            by_realm.setdefault(realm, []).append({
                "name": e["name"], "id": e["id"], "operation": e["operation"],
                "lastUpdated": e["when"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")})
        return [(realm, len(entities), json.dumps({"eventNotifications": [
            {"realmId": realm, "dataChangeEvent": {"entities": entities}}]}).encode())
            for realm, entities in by_realm.items()]

    def flush(self, timeout: float = 5.0) -> list[dict]:
        """POST what is pending, as QBO does every few minutes."""
        with self._lock:
            pending, self.pending = self.pending, []
            url, token = self.url, self.verifier_token
            bodies = self._bodies(pending)
        results = []
        for realm, count, body in bodies:
            response = requests.post(url, data=body, timeout=timeout, headers={
                "Content-Type": "application/json", "intuit-signature": sign(body, token)})
            results.append({"realm": realm, "status": response.status_code, "entities": count})
        with self._lock:
            self.sent.extend(results)
        return results
