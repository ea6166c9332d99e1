"""QBO's throttles per realm: 500 requests a minute (batch requests included) and 10 at once.
https://blogs.intuit.com/2016/08/08/idg-concurrent-api-use-changes-coming-soon/
"""

from __future__ import annotations

import threading
from collections import deque

from revhub.sandbox.clock import SandboxClock

PER_MINUTE = 500
CONCURRENT = 10


class Throttle:
    def __init__(self, clock: SandboxClock, per_minute: int = PER_MINUTE, concurrent: int = CONCURRENT) -> None:
        self.clock, self.per_minute, self.concurrent = clock, per_minute, concurrent
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self._calls: dict[str, deque[float]] = {}
        self._in_flight: dict[str, int] = {}

    def enter(self, realm: str) -> bool:
        """Count one request; False when it is over either limit (answer 429)."""
        now = self.clock.time()
        with self._lock:
            calls = self._calls.setdefault(realm, deque())
            while calls and now - calls[0] >= 60:
                calls.popleft()
            if len(calls) >= self.per_minute or self._in_flight.get(realm, 0) >= self.concurrent:
                return False
            calls.append(now)
            self._in_flight[realm] = self._in_flight.get(realm, 0) + 1
            return True

    def leave(self, realm: str) -> None:
        with self._lock:
            self._in_flight[realm] = max(0, self._in_flight.get(realm, 1) - 1)
