"""HubSpot's rate-limit headers, read in one place: the pace revhub keeps, the pause when the
window is nearly spent (another process may share the app's window), the wait after a 429, and
the day's budget for the console. Pure functions of the headers.

``X-HubSpot-RateLimit-Max`` / ``-Remaining`` / ``-Interval-Milliseconds`` describe the app's
rolling burst window; ``-Daily`` / ``-Daily-Remaining`` its day (private apps only). HubSpot
sends no ``Retry-After``: a 429's ``policyName`` says which window was spent.
https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from revhub.connectors.budget import BudgetReading, header_int
from revhub.connectors.resilience import Limits

INTERVAL = "X-HubSpot-RateLimit-Interval-Milliseconds"
MAX = "X-HubSpot-RateLimit-Max"
REMAINING = "X-HubSpot-RateLimit-Remaining"
DAILY = "X-HubSpot-RateLimit-Daily"
DAILY_REMAINING = "X-HubSpot-RateLimit-Daily-Remaining"
# Calls of the window revhub leaves unspent (at least): below this many left, it waits it out.
RESERVE = 2
# The server counts a call on arrival, revhub's limiter on departure: a window 5 % longer.
WINDOW_SLACK = 0.05


def pace(headers: Any, concurrent: int) -> Limits | None:
    """The limiter's limits for the window HubSpot says the app has (a tenth, at least RESERVE,
    kept back), or None when the answer does not say."""
    most, interval = header_int(headers, MAX), header_int(headers, INTERVAL)
    if not most or not interval:
        return None
    return Limits(max(1, most - max(RESERVE, most // 10)), interval / 1000 * (1 + WINDOW_SLACK), concurrent)


def pause(headers: Any) -> float:
    """Seconds to wait before the next call: the window's length when fewer than RESERVE calls
    are left (revhub's own pace never gets there: another process of the app did)."""
    remaining, interval = header_int(headers, REMAINING), header_int(headers, INTERVAL)
    if remaining is None or interval is None or remaining >= RESERVE:
        return 0.0
    return interval / 1000


def retry_after(policy: str | None, headers: Any, now: datetime | None = None) -> float:
    """How long a 429 under ``policy`` asks to wait: a second for search's SECONDLY, the window
    for the burst limit, and until the day turns (UTC midnight) for DAILY."""
    if policy == "SECONDLY":
        return 1.0
    if policy == "DAILY":
        now = now or datetime.now(UTC)
        midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        return (midnight - now).total_seconds()
    interval = header_int(headers, INTERVAL)
    return interval / 1000 if interval else 10.0


def reading(headers: Any) -> BudgetReading | None:
    """The day's budget as the answer states it (private apps), for the console."""
    day_limit, day_remaining = header_int(headers, DAILY), header_int(headers, DAILY_REMAINING)
    if day_limit is None and header_int(headers, MAX) is None:
        return None
    return BudgetReading(day_remaining=day_remaining, day_limit=day_limit)
