"""stripe-python's HTTP client over a urllib3 connection pool, connections kept alive.

The SDK's default, ``RequestsClient``, goes through requests, which per call merges the
environment's proxy settings (scanning ``os.environ``), prepares the request, runs hooks and
builds a ``Response`` around what urllib3 did (bench/PROFILE.md: ~14 % of a full sync's CPU
on top of urllib3's own). This client hands the request the SDK built (URL, headers, encoded
body) to a urllib3 ``PoolManager`` as it is, and gives the SDK back the raw body, status and
headers: the SDK still builds requests, retries and reads errors. It follows the SDK's
``HTTPClient`` contract (``request``, ``request_stream``, ``close``; failures as
``APIConnectionError`` saying whether a retry may help), as its own clients do.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any, NoReturn

import requests.utils
import stripe
import urllib3

# Connections kept per host: the Stripe limiter lets 10 calls run at once.
POOL_SIZE = 10
# What stripe-python's RequestsClient sent (requests' default): big list pages travel compressed.
ACCEPT_ENCODING = "gzip, deflate"
_RETRIABLE = (urllib3.exceptions.TimeoutError, urllib3.exceptions.ProtocolError, urllib3.exceptions.ProxyError)


def environment_proxy(url: str) -> dict[str, str | None] | None:
    """The proxies requests would take from the environment for ``url`` (HTTPS_PROXY, NO_PROXY...),
    in the SDK's form; None when there are none, so the client goes direct."""
    found = requests.utils.get_environ_proxies(url)
    if not (found.get("http") or found.get("https")):
        return None
    return {"http": found.get("http"), "https": found.get("https")}


class PooledHTTPClient(stripe.HTTPClient):
    """A ``stripe.HTTPClient`` whose calls reuse kept-alive connections from one urllib3 pool."""

    name = "urllib3"

    def __init__(self, timeout: float = 80.0, *, verify_ssl_certs: bool = True,
                 proxy: dict[str, str | None] | str | None = None, pool_size: int = POOL_SIZE) -> None:
        super().__init__(verify_ssl_certs=verify_ssl_certs, proxy=proxy)
        options: dict[str, Any] = {
            "maxsize": pool_size, "retries": False,  # retries are the SDK's and revhub's, not urllib3's
            "timeout": urllib3.Timeout(connect=timeout, read=timeout),
            # The SDK's own CA bundle, as its RequestsClient verifies with.
            **({"cert_reqs": "CERT_REQUIRED", "ca_certs": stripe.ca_bundle_path} if verify_ssl_certs
               else {"cert_reqs": "CERT_NONE"})}
        proxies = self._proxy or {}
        self._pools = {scheme: (urllib3.ProxyManager(proxies[scheme], **options) if proxies.get(scheme)
                                else urllib3.PoolManager(**options))
                       for scheme in ("http", "https")}

    def request(self, method: str, url: str, headers: Mapping[str, str] | None,
                post_data: Any = None) -> tuple[bytes, int, Mapping[str, str]]:
        """One HTTP exchange, the body read whole; the connection goes back to the pool."""
        response = self._send(method, url, headers, post_data, preload_content=True)
        return response.data, response.status, response.headers

    def request_stream(self, method: str, url: str, headers: Mapping[str, str] | None,
                       post_data: Any = None) -> tuple[Any, int, Mapping[str, str]]:
        """The same, the body left to read from the returned urllib3 response (a file-like)."""
        response = self._send(method, url, headers, post_data, preload_content=False)
        return response, response.status, response.headers

    def close(self) -> None:
        for pool in self._pools.values():
            pool.clear()

    def _send(self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any,
              preload_content: bool) -> urllib3.BaseHTTPResponse:
        pool = self._pools["https" if url.startswith("https:") else "http"]
        try:
            return pool.request(method.upper(), url, body=post_data,
                                headers={**(headers or {}), "Accept-Encoding": ACCEPT_ENCODING},
                                redirect=False, preload_content=preload_content)
        except Exception as exc:  # the SDK's contract: any failure to talk is an APIConnectionError
            self._handle_request_error(exc)

    def _handle_request_error(self, exc: Exception) -> NoReturn:
        """Like the SDK's RequestsClient: timeouts and broken connections may be retried, a
        certificate that fails to verify or anything else may not."""
        if isinstance(exc, urllib3.exceptions.SSLError):
            message = ("Could not verify Stripe's SSL certificate.  Please make sure that your network is not "
                       "intercepting certificates.  If this problem persists, let us know at support@stripe.com.")
            should_retry = False
        elif isinstance(exc, _RETRIABLE):
            message = ("Unexpected error communicating with Stripe.  If this problem persists, let us know at "
                       "support@stripe.com.")
            should_retry = True
        else:
            message = ("Unexpected error communicating with Stripe. It looks like there's probably a "
                       "configuration issue locally.  If this problem persists, let us know at support@stripe.com.")
            should_retry = False
        detail = f"{type(exc).__name__}: {exc}"
        raise stripe.APIConnectionError(textwrap.fill(message) + f"\n\n(Network error: {detail})",
                                        should_retry=should_retry) from exc
