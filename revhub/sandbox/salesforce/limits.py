"""The org's daily API request allocation (a rolling window on the sandbox clock)."""

from __future__ import annotations

import threading
from collections import deque

WINDOW_SECONDS = 24 * 3600


class ApiUsage:
    """Counts API calls in the last 24 h; ``take()`` refuses once ``max`` is reached."""

    def __init__(self, maximum: int, clock) -> None:
        self.max, self.clock = maximum, clock
        self._calls: deque[float] = deque()
        self._lock = threading.Lock()

    def _trim(self, now: float) -> None:
        while self._calls and self._calls[0] <= now - WINDOW_SECONDS:
            self._calls.popleft()

    def take(self) -> bool:
        """Count one call; False (nothing counted) when the allocation is used up."""
        now = self.clock.time()
        with self._lock:
            self._trim(now)
            if len(self._calls) >= self.max:
                return False
            self._calls.append(now)
            return True

    def used(self) -> int:
        with self._lock:
            self._trim(self.clock.time())
            return len(self._calls)

    def header(self) -> str:
        return f"api-usage={self.used()}/{self.max}"

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
