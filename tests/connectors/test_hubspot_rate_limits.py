"""HubSpot's rate-limit headers → revhub's pace, pause and waits (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime

from revhub.connectors.hubspot import rate_limits
from revhub.connectors.resilience import Limits

PRO = {"X-HubSpot-RateLimit-Max": "190", "X-HubSpot-RateLimit-Remaining": "150",
       "X-HubSpot-RateLimit-Interval-Milliseconds": "10000", "X-HubSpot-RateLimit-Daily": "650000",
       "X-HubSpot-RateLimit-Daily-Remaining": "649000"}


def test_the_pace_keeps_a_tenth_of_the_window_back_and_follows_its_length():
    assert rate_limits.pace(PRO, 5) == Limits(171, 10.5, 5)
    assert rate_limits.pace({**PRO, "X-HubSpot-RateLimit-Interval-Milliseconds": "1000"}, 5).window_seconds == 1.05
    assert rate_limits.pace({**PRO, "X-HubSpot-RateLimit-Max": "100"}, 5).per_window == 90
    assert rate_limits.pace({}, 5) is None


def test_a_nearly_spent_window_is_waited_out():
    assert rate_limits.pause(PRO) == 0.0
    assert rate_limits.pause({**PRO, "X-HubSpot-RateLimit-Remaining": "2"}) == 0.0  # revhub's own pace stops here
    assert rate_limits.pause({**PRO, "X-HubSpot-RateLimit-Remaining": "1"}) == 10.0


def test_each_policy_waits_its_own_window():
    assert rate_limits.retry_after("SECONDLY", {}) == 1.0
    assert rate_limits.retry_after("TEN_SECONDLY_ROLLING", PRO) == 10.0
    assert rate_limits.retry_after("TEN_SECONDLY_ROLLING", None) == 10.0
    late = datetime(2026, 11, 27, 23, 0, tzinfo=UTC)
    assert rate_limits.retry_after("DAILY", PRO, now=late) == 3600.0


def test_the_days_budget_is_read_for_the_console():
    reading = rate_limits.reading(PRO)
    assert (reading.day_limit, reading.day_remaining) == (650000, 649000)
    assert rate_limits.reading({"Content-Type": "application/json"}) is None
