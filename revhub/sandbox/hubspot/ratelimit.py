"""The HubSpot sandbox's burst and daily limits, as HubSpot enforces and reports them.

Every CRM call but a search counts against the app's rolling burst window (a private app on a
Professional portal: 190 per 10 s; an OAuth app: 110 per 10 s per portal) and its daily limit;
each answer carries ``X-HubSpot-RateLimit-Max``, ``-Remaining`` and ``-Interval-Milliseconds``
(and, for private apps, ``-Daily`` and ``-Daily-Remaining``). Past the window the answer is a 429
naming ``TEN_SECONDLY_ROLLING``; search has its own per-second limit and no such headers.
https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask import g, request

from revhub.sandbox.hubspot import errors

if TYPE_CHECKING:
    from revhub.sandbox.hubspot.sandbox import HubSpotSandbox

PRIVATE_APP_BURST = 190
OAUTH_APP_BURST = 110
INTERVAL_MS = 10_000


@dataclass
class BurstWindow:
    """One app's rolling window (real time: the hub's pacing is measured against it)."""

    max: int
    interval_ms: int = INTERVAL_MS
    daily_max: int | None = None
    _calls: deque[float] = field(default_factory=deque)
    _daily: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self) -> tuple[bool, list[tuple[str, str]]]:
        """Count one call if it fits: (allowed, the rate-limit headers of the answer)."""
        now = time.monotonic()
        with self._lock:
            while self._calls and now - self._calls[0] >= self.interval_ms / 1000:
                self._calls.popleft()
            allowed = len(self._calls) < self.max and (self.daily_max is None or self._daily < self.daily_max)
            if allowed:
                self._calls.append(now)
                self._daily += 1
            headers = [("X-HubSpot-RateLimit-Interval-Milliseconds", str(self.interval_ms)),
                       ("X-HubSpot-RateLimit-Max", str(self.max)),
                       ("X-HubSpot-RateLimit-Remaining", str(max(0, self.max - len(self._calls))))]
            if self.daily_max is not None:  # private apps only: OAuth apps are not told their day
                headers += [("X-HubSpot-RateLimit-Daily", str(self.daily_max)),
                            ("X-HubSpot-RateLimit-Daily-Remaining", str(max(0, self.daily_max - self._daily)))]
            return allowed, headers

    def policy(self) -> str:
        """The policy a refused call broke."""
        return "DAILY" if self.daily_max is not None and self._daily >= self.daily_max else "TEN_SECONDLY_ROLLING"


@dataclass
class SearchWindow:
    """At most ``per_second`` searches in any second (per token), as HubSpot enforces."""

    per_second: int
    _calls: deque[float] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self) -> bool:
        now = time.monotonic()
        with self._lock:
            while self._calls and now - self._calls[0] >= 1.0:
                self._calls.popleft()
            if len(self._calls) >= self.per_second:
                return False
            self._calls.append(now)
            return True


def install_rate_limits(sb: HubSpotSandbox) -> None:
    """Count each authenticated CRM call against its app's window (registered after the
    authentication hook, so a refused token is a 401, not a count)."""
    app = sb.flask

    @app.before_request
    def count():
        if request.path.startswith(("/__sandbox/", "/oauth/")) or request.path.endswith("/search"):
            return None  # control, OAuth, and search's own per-second limit (without these headers)
        window = sb.windows[sb.app_kind() or "private"]
        allowed, g.rate_limit_headers = window.take()
        if not allowed:
            status, headers, payload = errors.rate_limited(window.policy(), headers=True, limits=g.rate_limit_headers)
            return payload, status, headers
        return None

    @app.after_request
    def rate_limit_headers(response):
        for name, value in getattr(g, "rate_limit_headers", ()):
            response.headers.setdefault(name, value)
        return response
