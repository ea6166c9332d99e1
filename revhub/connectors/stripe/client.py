"""The Stripe client set-up and the one place Stripe's errors are read.

Reads go through the SDK's raw-request facility (auth, API version, error mapping) and are
normalized from the parsed JSON: building the SDK's object tree per record costs more than
the network and the parsing together (PERF-NOTES.md). The body of a successful answer is
parsed with orjson: stripe-python's ``StripeResponse`` parses every page with the standard
library into ``OrderedDict``s, the largest single CPU cost of a full sync (bench/PROFILE.md).
Calls go over kept-alive connections from one urllib3 pool (``transport.PooledHTTPClient``),
and skip the SDK's debug log lines unless debug logging is on (``_send_unlogged``).
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

import orjson
import stripe
from stripe._request_options import RequestOptions, extract_options_from_dict
from stripe._util import get_api_mode, log_info

from revhub import metrics
from revhub.connectors.errors import ConfigError, FatalError, RetriableError
from revhub.connectors.resilience import Limits, RateLimiter, RetryPolicy, call, limiter_for
from revhub.connectors.stripe.transport import PooledHTTPClient, environment_proxy

if TYPE_CHECKING:
    from stripe._api_requestor import _APIRequestor

STRIPE_API = "https://api.stripe.com"
_sdk_logger = logging.getLogger("stripe")

# Stripe allows ~25 requests/s in test mode and ~100/s in live mode; stay below either.
DEFAULT_LIMITS = Limits(per_window=20, window_seconds=1.0, concurrent=10)
LIVE_LIMITS = Limits(per_window=80, window_seconds=1.0, concurrent=10)


def limits_for(api_key: str, requests_per_second: float | None = None) -> Limits:
    """The pace for this key: its mode's default, or the connection's own setting."""
    if requests_per_second:
        return Limits(per_window=max(1, int(requests_per_second)), window_seconds=1.0, concurrent=10)
    return LIVE_LIMITS if api_key.startswith(("sk_live_", "rk_live_")) else DEFAULT_LIMITS
# Stripe's own client backs off from 0.5 s up to 5 s between attempts; a burst of 429s on a
# busy account can last longer than a handful of attempts, so allow a dozen.
DEFAULT_RETRY = RetryPolicy(attempts=12, max_backoff_seconds=5.0)


class NotFound(Exception):
    """The object does not exist (Stripe's ``resource_missing``)."""


def classify(exc: stripe.StripeError, entity: str | None = None) -> Exception:
    """Stripe's exception → revhub's hierarchy (the only place that reads Stripe statuses)."""
    status = getattr(exc, "http_status", None)
    request_id = getattr(exc, "request_id", None)
    message = getattr(exc, "user_message", None) or str(exc)
    kwargs = dict(provider="stripe", entity=entity, status=status, request_id=request_id)
    # Stripe says outright whether to retry: https://docs.stripe.com/error-low-level
    should_retry = _header(exc, "Stripe-Should-Retry")
    if should_retry == "false" and not isinstance(exc, (stripe.AuthenticationError, stripe.PermissionError)):
        return NotFound(message) if status == 404 else FatalError(message, **kwargs)
    if should_retry == "true":
        return RetriableError(message, **kwargs)
    if isinstance(exc, (stripe.RateLimitError, stripe.APIConnectionError)):
        return RetriableError(message, **kwargs)
    if isinstance(exc, stripe.APIError) or (status is not None and (status >= 500 or status == 409)):
        return RetriableError(message, **kwargs)
    if isinstance(exc, (stripe.AuthenticationError, stripe.PermissionError)):
        return ConfigError(message, **kwargs)
    if getattr(exc, "code", None) == "resource_missing" or status == 404:
        return NotFound(message)
    return FatalError(message, **kwargs)


def _header(exc: stripe.StripeError, name: str) -> str | None:
    for key, value in (getattr(exc, "headers", None) or {}).items():
        if key.lower() == name.lower():
            return str(value).strip().lower()
    return None


def retry_policy(settings: dict[str, Any]) -> RetryPolicy:
    """The connection's retry settings (``retry_attempts``, ``max_backoff_seconds``) over Stripe's defaults."""
    return RetryPolicy(attempts=int(settings.get("retry_attempts", DEFAULT_RETRY.attempts)),
                       max_backoff_seconds=float(settings.get("max_backoff_seconds",
                                                              DEFAULT_RETRY.max_backoff_seconds)))


class StripeAPI:
    """A ``StripeClient`` bound to one account, with pacing, retries and a call counter."""

    def __init__(self, api_key: str, base_url: str | None = None, *, timeout: float = 30.0,
                 limiter: RateLimiter | None = None, retry: RetryPolicy = DEFAULT_RETRY,
                 requests_per_second: float | None = None) -> None:
        self.http = PooledHTTPClient(timeout=timeout, proxy=environment_proxy(base_url or STRIPE_API))
        options: dict[str, Any] = {"max_network_retries": 0, "http_client": self.http}
        if base_url:
            options["base_addresses"] = {"api": base_url}
        self.client = stripe.StripeClient(api_key, **options)
        self.limiter = limiter or limiter_for("stripe", api_key[-12:], limits_for(api_key, requests_per_second))
        self.retry = retry
        self.calls = 0

    def request(self, method: str, path: str, entity: str | None = None, **params: Any) -> dict[str, Any]:
        """One API call; returns the parsed JSON body. https://docs.stripe.com/api"""

        def attempt() -> dict[str, Any]:
            self.calls += 1
            try:
                return self._raw(method, path, params)
            except stripe.StripeError as exc:
                raise classify(exc, entity) from exc

        return call(metrics.counted("stripe", attempt), self.retry, self.limiter)

    def _raw(self, method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
        """``StripeClient.raw_request`` (stripe-python 16.1, pinned) with the body parsed by
        orjson: the same request options, headers and error mapping; only a 2xx body is
        parsed here, any other answer goes through the SDK's own error reading."""
        options, params = extract_options_from_dict(dict(params))
        api_mode = get_api_mode(path)
        requestor = self.client._requestor
        if _sdk_debug_logging():
            body, code, headers = requestor.request_raw(method, path, params=params, options=options,
                                                        base_address="api", api_mode=api_mode,
                                                        usage=["raw_request"])
        else:
            body, code, headers = _send_unlogged(requestor, self.http, method, path, params, options, api_mode)
        if 200 <= code < 300:
            try:
                return orjson.loads(body)
            except orjson.JSONDecodeError:
                pass  # the SDK says "Invalid response body from API" with the body
        return requestor._interpret_response(body, code, headers, api_mode).data

    def close(self) -> None:
        """Close the pooled connections (a later call opens new ones)."""
        self.http.close()

    def get(self, path: str, entity: str | None = None, **params: Any) -> dict[str, Any]:
        return self.request("get", path, entity, **params)


def _sdk_debug_logging() -> bool:
    """Whether the SDK's debug lines are wanted: ``stripe.log`` or ``STRIPE_LOG`` set to debug,
    or the "stripe" logger enabled for DEBUG (the SDK's own tests of where its lines go)."""
    return ("debug" in (stripe.log, os.environ.get("STRIPE_LOG"))
            or _sdk_logger.isEnabledFor(logging.DEBUG))


def _sdk_info_logging() -> bool:
    """Whether the SDK's info lines would go anywhere: ``stripe.log`` or ``STRIPE_LOG`` set to
    info or debug (printed), or the "stripe" logger enabled for INFO."""
    return (not {stripe.log, os.environ.get("STRIPE_LOG")}.isdisjoint(("info", "debug"))
            or _sdk_logger.isEnabledFor(logging.INFO))


def _send_unlogged(requestor: _APIRequestor, http: stripe.HTTPClient, method: str, path: str,
                   params: dict[str, Any], options: RequestOptions,
                   api_mode: Any) -> tuple[bytes, int, Any]:
    """``_APIRequestor.request_raw`` of stripe-python 16.1.0 (pinned) less its debug lines.

    ``request_raw`` formats every response body into a debug log line (``logfmt``: decode,
    a regular expression over the whole body, ``repr``) before the logging module drops it:
    ~4 % of a full sync's CPU (bench/PROFILE.md). This takes the same steps without the debug
    lines: the requestor's own (private) request building, so auth, API version, idempotency
    key and headers are the SDK's; the same HTTP client with the SDK's retries and telemetry;
    the same info lines, built only when they would go somewhere (``log_info`` formats its
    line, a regular expression per field, before the logging module looks at the level).
    ``tests/connectors/test_stripe_transport.py`` checks both paths send the same request, so
    an SDK upgrade that changes the private step fails there first.
    """
    method, url, headers, post_data, retries, usage, _, _ = requestor._args_for_request_with_retries(
        method, path, params, options, base_address="api", api_mode=api_mode, usage=["raw_request"])
    info = _sdk_info_logging()
    if info:
        log_info("Request to Stripe api", method=method, url=url)
    body, code, headers = http.request_with_retries(method, url, headers, post_data,
                                                    max_network_retries=retries, _usage=usage)
    if info:
        log_info("Stripe API response", path=url, response_code=code)
    return body, code, headers
