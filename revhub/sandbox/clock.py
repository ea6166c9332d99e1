"""A sandbox's notion of now: real time, optionally shifted and sped up.

Tests move it forward (a Stripe cursor 31 days old, a Xero minute that has passed);
benchmarks speed it up so a 60-calls-per-minute limit can be exercised in seconds.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class SandboxClock:
    def __init__(self, factor: float = 1.0) -> None:
        self._lock = threading.Lock()
        self._real_start = time.monotonic()
        self._wall_start = time.time()
        self._offset = 0.0
        self._factor = factor

    def time(self) -> float:
        """Seconds since the epoch on the sandbox's clock."""
        with self._lock:
            elapsed = (time.monotonic() - self._real_start) * self._factor
            return self._wall_start + elapsed + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    def set_factor(self, factor: float) -> None:
        if factor <= 0:
            raise ValueError("clock factor must be > 0")
        with self._lock:
            # Re-anchor so the clock does not jump when the speed changes.
            now_real = time.monotonic()
            self._wall_start += (now_real - self._real_start) * self._factor
            self._real_start = now_real
            self._factor = factor

    @property
    def factor(self) -> float:
        return self._factor

    def sleep(self, sandbox_seconds: float) -> None:
        """Sleep for ``sandbox_seconds`` of sandbox time."""
        time.sleep(sandbox_seconds / self._factor)
