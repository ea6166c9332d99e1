"""``Idempotency-Key`` replay (PROVIDERS.md 2.6): same key and same request within the window
→ the first answer again; same key and a different request → 400."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

from revhub.sandbox.clock import SandboxClock
from revhub.sandbox.xero.errors import BadRequest

MAX_KEY_LENGTH = 128
WINDOW_SECONDS = 6 * 60


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class IdempotencyCache:
    """Answers to keyed writes, per tenant, kept for ``window`` seconds of sandbox clock."""

    def __init__(self, clock: SandboxClock, window: float = WINDOW_SECONDS) -> None:
        self.clock, self.window = clock, window
        self._lock = threading.Lock()
        self._answers: dict[tuple[str, str], tuple[str, float, Answer]] = {}

    def reset(self) -> None:
        with self._lock:
            self._answers.clear()

    @staticmethod
    def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
        digest = hashlib.sha256()
        for part in (method.encode(), path.lower().encode(), query.encode(), body):
            digest.update(len(part).to_bytes(8, "big") + part)
        return digest.hexdigest()

    def lookup(self, tenant: str, key: str, fingerprint: str) -> Answer | None:
        """The stored answer to replay, ``None`` for a new key; raises for a reused key."""
        if len(key) > MAX_KEY_LENGTH:
            raise BadRequest(
                f"The Idempotency-Key header must be at most {MAX_KEY_LENGTH} characters"
            )
        with self._lock:
            entry = self._answers.get((tenant, key))
            if entry is None or self.clock.time() - entry[1] > self.window:
                return None
            if entry[0] != fingerprint:
                raise BadRequest(
                    "The Idempotency-Key has already been used with a different request"
                )
            return entry[2]

    def store(self, tenant: str, key: str, fingerprint: str, answer: Answer) -> None:
        with self._lock:
            now = self.clock.time()
            self._answers = (
                {k: v for k, v in self._answers.items() if now - v[1] <= self.window}
                if len(self._answers) > 10_000
                else self._answers
            )
            self._answers[(tenant, key)] = (fingerprint, now, answer)
