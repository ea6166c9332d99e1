"""Xero's API limits, on the sandbox clock (PROVIDERS.md 2.8).

Per tenant: calls per minute, calls per day, calls in flight; per app: calls per minute
across tenants. Windows are fixed and start at a tenant's first call, so each tenant's
reset time differs, as Xero documents. Rejected calls do not count.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from revhub.sandbox.clock import SandboxClock
from revhub.sandbox.xero.errors import RateLimited


@dataclass(frozen=True)
class Limits:
    per_minute: int = 60
    per_day: int = 5000
    concurrent: int = 5
    app_per_minute: int = 10_000


class _Window:
    """A fixed window of ``length`` seconds counting calls."""

    __slots__ = ("length", "start", "count")

    def __init__(self, length: float) -> None:
        self.length, self.start, self.count = length, None, 0

    def roll(self, now: float) -> None:
        if self.start is None or now >= self.start + self.length:
            self.start, self.count = now, 0

    def retry_after(self, now: float) -> int:
        return max(1, math.ceil(self.start + self.length - now))


class _TenantUsage:
    __slots__ = ("minute", "day", "in_flight")

    def __init__(self) -> None:
        self.minute, self.day, self.in_flight = _Window(60), _Window(86_400), 0


class RateLimiter:
    """Admits or refuses calls; ``admit`` and ``release`` bracket each API call."""

    def __init__(self, clock: SandboxClock, limits: Limits | None = None) -> None:
        self.clock = clock
        self.limits = limits or Limits()
        self._lock = threading.Lock()
        self._tenants: dict[str, _TenantUsage] = {}
        self._app = _Window(60)

    def reset(self) -> None:
        with self._lock:
            self._tenants.clear()
            self._app = _Window(60)

    def admit(self, tenant_id: str) -> list[tuple[str, str]]:
        """Count one call for ``tenant_id`` and return the ``X-*Limit-Remaining`` headers.

        Raises ``RateLimited`` (429 answer) when a limit is used up; nothing is counted then.
        """
        limits = self.limits
        with self._lock:
            now = self.clock.time()
            usage = self._tenants.setdefault(tenant_id, _TenantUsage())
            usage.minute.roll(now)
            usage.day.roll(now)
            self._app.roll(now)
            if usage.day.count >= limits.per_day:
                raise RateLimited("day", usage.day.retry_after(now), self._headers(usage))
            if usage.minute.count >= limits.per_minute:
                raise RateLimited("minute", usage.minute.retry_after(now), self._headers(usage))
            if self._app.count >= limits.app_per_minute:
                raise RateLimited("appminute", self._app.retry_after(now), self._headers(usage))
            if usage.in_flight >= limits.concurrent:
                raise RateLimited("concurrent", 1, self._headers(usage))
            usage.minute.count += 1
            usage.day.count += 1
            self._app.count += 1
            usage.in_flight += 1
            return self._headers(usage)

    def release(self, tenant_id: str) -> None:
        """The call admitted for ``tenant_id`` has been answered."""
        with self._lock:
            usage = self._tenants.get(tenant_id)
            if usage is not None and usage.in_flight > 0:
                usage.in_flight -= 1

    def _headers(self, usage: _TenantUsage) -> list[tuple[str, str]]:
        limits = self.limits
        return [
            ("X-DayLimit-Remaining", str(max(0, limits.per_day - usage.day.count))),
            ("X-MinLimit-Remaining", str(max(0, limits.per_minute - usage.minute.count))),
            ("X-AppMinLimit-Remaining", str(max(0, limits.app_per_minute - self._app.count))),
        ]

    def fault_headers(self) -> list[tuple[str, str]]:
        """Headers for an injected "429": a minute breach as a real one would look."""
        return [
            ("Retry-After", "1"),
            ("X-Rate-Limit-Problem", "minute"),
            ("X-DayLimit-Remaining", str(self.limits.per_day)),
            ("X-MinLimit-Remaining", "0"),
            ("X-AppMinLimit-Remaining", str(self.limits.app_per_minute)),
        ]
