"""Which connection a webhook URL names, and the secrets to verify it with.

Looked up once per ``ttl`` seconds per connection, not per request: the acknowledgement path
must stay a signature check and one insert.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from revhub.connections import Vault
from revhub.store import Connection, Database


@dataclass(frozen=True)
class Endpoint:
    connection_id: uuid.UUID
    name: str
    provider: str
    secrets: tuple[str, ...]          # Stripe signing secrets, or the Xero webhook key
    organization_id: str | None       # Salesforce org that may send outbound messages
    settings: dict[str, Any] = field(default_factory=dict)  # the connection's (non-secret) settings


class EndpointDirectory:
    def __init__(self, db: Database, vault: Vault, ttl: float = 30.0) -> None:
        self.db, self.vault, self.ttl = db, vault, ttl
        self._cache: dict[tuple[str, str], tuple[float, Endpoint | None]] = {}
        self._lock = threading.Lock()

    def get(self, provider: str, name: str) -> Endpoint | None:
        key = (provider, name)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
        if hit and hit[0] > now:
            return hit[1]
        endpoint = self._load(provider, name)
        with self._lock:
            self._cache[key] = (now + self.ttl, endpoint)
        return endpoint

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()

    def _load(self, provider: str, name: str) -> Endpoint | None:
        with self.db.session() as s:
            row = s.scalar(select(Connection).where(Connection.name == name, Connection.provider == provider,
                                                    Connection.enabled.is_(True)))
            if row is None:
                return None
            credentials = self.vault.open(row.credentials)
            settings = dict(row.settings or {})
            connection_id = row.id
        secrets = credentials.get("webhook_secrets") or []
        if isinstance(secrets, str):
            secrets = [secrets]
        for single in ("webhook_secret", "webhook_key", "outbound_secret", "verifier_token"):
            if credentials.get(single):
                secrets = [*secrets, credentials[single]]
        if provider == "hubspot" and credentials.get("client_secret"):
            secrets = [*secrets, credentials["client_secret"]]  # the app's secret signs its webhooks
        return Endpoint(connection_id, name, provider, tuple(secrets), settings.get("organization_id"), settings)
