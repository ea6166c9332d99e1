"""Retries and pacing for provider calls, written once for every connector.

``RateLimiter`` keeps a connection under its provider's published limits (a sliding window
per tenant, plus a concurrency cap) so normal running never meets a 429. ``call`` retries
what the connector classified as retriable with tenacity: ``Retry-After`` first, otherwise
capped exponential backoff with jitter.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, stop_after_delay
from tenacity.wait import wait_random_exponential

from revhub.connectors.errors import RetriableError

T = TypeVar("T")


@dataclass(frozen=True)
class Limits:
    per_window: int          # calls allowed per window
    window_seconds: float    # window length
    concurrent: int = 5


class RateLimiter:
    """Sliding-window limiter; ``clock``/``sleep`` are injectable so benchmarks can scale time."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.limits, self._clock, self._sleep = limits, clock, sleep
        self._calls: deque[float] = deque()
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(limits.concurrent)
        self.waited = 0.0
        self._held_until: float | None = None

    def hold(self, seconds: float) -> None:
        """The provider refuses every call for ``seconds`` (a spent daily allowance): none is
        to be asked of it until then."""
        with self._lock:
            self._held_until = self._clock() + seconds

    def held_for(self) -> float | None:
        """Seconds left of a ``hold``, or None when calls may be made."""
        with self._lock:
            if self._held_until is None:
                return None
            left = self._held_until - self._clock()
            if left <= 0:
                self._held_until = None
                return None
            return left

    def acquire(self) -> None:
        """Block until one more call fits in the window."""
        while True:
            with self._lock:
                now = self._clock()
                while self._calls and now - self._calls[0] >= self.limits.window_seconds:
                    self._calls.popleft()
                if len(self._calls) < self.limits.per_window:
                    self._calls.append(now)
                    return
                wait = self.limits.window_seconds - (now - self._calls[0]) + 0.001
            self.waited += wait
            self._sleep(wait)

    def pause(self, seconds: float) -> None:
        """The provider said to wait (Retry-After, or no calls remaining)."""
        self.waited += seconds
        self._sleep(seconds)

    def __enter__(self) -> RateLimiter:
        self._slots.acquire()
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self._slots.release()


_limiters: dict[tuple[str, str], RateLimiter] = {}
_limiters_lock = threading.Lock()


def forget_limiters() -> None:
    """Drop every shared limiter (a test that starts fresh provider sandboxes starts fresh windows)."""
    with _limiters_lock:
        _limiters.clear()


def install_limiter(provider: str, tenant: str, limiter: RateLimiter) -> None:
    """Use ``limiter`` for (provider, tenant) in this process: a benchmark whose sandboxes run on a
    scaled clock paces the hub on that clock, as the provider counts it."""
    with _limiters_lock:
        _limiters[(provider, tenant)] = limiter


def limiter_for(provider: str, tenant: str, limits: Limits) -> RateLimiter:
    """One limiter per (provider, tenant) in this process, shared by every connector instance."""
    with _limiters_lock:
        key = (provider, tenant)
        if key not in _limiters:
            _limiters[key] = RateLimiter(limits)
        return _limiters[key]


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 8
    max_total_seconds: float = 600.0
    max_backoff_seconds: float = 60.0
    sleep: Callable[[float], None] = time.sleep


def _wait(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    backoff = wait_random_exponential(multiplier=0.5, max=policy.max_backoff_seconds)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RetriableError) and exc.retry_after is not None:
            return min(float(exc.retry_after), policy.max_total_seconds)
        return backoff(state)

    return wait


def _told_to_wait_past_budget(policy: RetryPolicy) -> Callable[[RetryCallState], bool]:
    """Stop at once when the provider's ``Retry-After`` ends after the retry budget does (a
    daily limit): sleeping it out would only hold the run, and its lease, for nothing."""

    def stop(state: RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome else None
        if not isinstance(exc, RetriableError) or exc.retry_after is None:
            return False
        return float(exc.retry_after) > policy.max_total_seconds - state.seconds_since_start

    return stop


def call(fn: Callable[[], T], policy: RetryPolicy = RetryPolicy(),
         limiter: RateLimiter | None = None, on_retry: Callable[[BaseException], None] | None = None) -> T:
    """Run ``fn`` (which raises ``RetriableError`` for what may succeed later) with retries."""

    def attempt() -> T:
        if limiter is None:
            return fn()
        with limiter:
            return fn()

    retrying = Retrying(
        retry=retry_if_exception_type(RetriableError),
        wait=_wait(policy),
        stop=(stop_after_attempt(policy.attempts) | stop_after_delay(policy.max_total_seconds)
              | _told_to_wait_past_budget(policy)),
        sleep=policy.sleep,
        reraise=True,
        before_sleep=(lambda s: on_retry(s.outcome.exception())) if on_retry else None,
    )
    return retrying(attempt)
