"""Retries and pacing shared by every connector."""

import pytest

from revhub.connectors.errors import FatalError, RetriableError
from revhub.connectors.resilience import Limits, RateLimiter, RetryPolicy, call


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def failing(times: int, error: Exception):
    state = {"calls": 0}

    def fn():
        state["calls"] += 1
        if state["calls"] <= times:
            raise error
        return "ok"

    return fn, state


def test_retry_after_is_honoured_before_backoff():
    clock = FakeClock()
    fn, state = failing(2, RetriableError("429", provider="xero", retry_after=7))
    assert call(fn, RetryPolicy(sleep=clock.sleep)) == "ok"
    assert state["calls"] == 3 and clock.sleeps == [7.0, 7.0]


def test_without_retry_after_the_backoff_is_capped_exponential_with_jitter():
    clock = FakeClock()
    fn, _ = failing(6, RetriableError("503", provider="stripe"))
    call(fn, RetryPolicy(sleep=clock.sleep, max_backoff_seconds=4))
    assert all(0 <= s <= 4 for s in clock.sleeps) and len(clock.sleeps) == 6


def test_fatal_errors_are_not_retried():
    fn, state = failing(1, FatalError("validation", provider="xero", status=400))
    with pytest.raises(FatalError):
        call(fn, RetryPolicy(sleep=lambda s: None))
    assert state["calls"] == 1


def test_retries_stop_after_the_attempt_budget():
    fn, state = failing(100, RetriableError("503", provider="stripe"))
    with pytest.raises(RetriableError):
        call(fn, RetryPolicy(attempts=3, sleep=lambda s: None))
    assert state["calls"] == 3


def test_the_limiter_never_lets_more_than_the_window_allows():
    clock = FakeClock()
    limiter = RateLimiter(Limits(per_window=60, window_seconds=60), clock=clock.time, sleep=clock.sleep)
    stamps = []
    for _ in range(150):
        limiter.acquire()
        stamps.append(clock.now)
    for i, stamp in enumerate(stamps):
        in_window = [s for s in stamps[: i + 1] if stamp - s < 60]
        assert len(in_window) <= 60
    assert clock.now >= 120  # 150 calls at 60/minute need two full windows of waiting
