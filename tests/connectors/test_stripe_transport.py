"""The Stripe connector's HTTP path: stripe-python's requests over kept-alive urllib3
connections, and without the SDK's debug log lines unless debug logging is on."""

from __future__ import annotations

import logging

import pytest
import stripe

from revhub.connectors.errors import RetriableError
from revhub.connectors.resilience import RetryPolicy
from revhub.connectors.stripe.client import NotFound, StripeAPI
from revhub.connectors.stripe.transport import PooledHTTPClient, environment_proxy
from revhub.sandbox.faults import FaultRule
from revhub.sandbox.server import SandboxServer
from revhub.sandbox.stripe import StripeSandbox

ONCE = RetryPolicy(attempts=1)


@pytest.fixture
def sandbox():
    box = StripeSandbox()
    with SandboxServer(box) as server:
        box.url = server.url
        yield box
    box.close()


def _api(sandbox, **kwargs) -> StripeAPI:
    return StripeAPI(sandbox.api_key, sandbox.url, retry=ONCE, requests_per_second=10_000, **kwargs)


def _pool(api: StripeAPI, url: str):
    return api.http._pools["http"].connection_from_url(url)


def test_calls_share_one_kept_alive_connection(sandbox):
    api = _api(sandbox)
    created = api.request("post", "/v1/customers", "customer", name="Kept", email="kept@example.com")
    for _ in range(4):
        listed = api.get("/v1/customers", "customer", limit=10)
    assert [c["id"] for c in listed["data"]] == [created["id"]]
    pool = _pool(api, sandbox.url)
    assert (pool.num_requests, pool.num_connections) == (5, 1)
    api.close()


def test_a_restarted_sandbox_is_reached_again_over_a_new_connection():
    box = StripeSandbox()
    server = SandboxServer(box).start()
    api = StripeAPI(box.api_key, server.url, retry=ONCE, requests_per_second=10_000)
    try:
        api.get("/v1/customers", "customer")
        server.stop()
        server = SandboxServer(box, port=server.port).start()
        # stop() ended the kept connection; urllib3 finds it closed and connects again
        # (no error reaches the SDK, so no retry was needed: the policy allows one attempt).
        assert api.get("/v1/customers", "customer")["object"] == "list"
        assert [r.path for r in box.requests.entries()][-2:] == ["/v1/customers", "/v1/customers"]
    finally:
        server.stop()
        box.close()


def test_errors_are_still_the_sdks_and_revhubs(sandbox):
    api = _api(sandbox)
    with pytest.raises(NotFound):
        api.get("/v1/customers/cus_missing", "customer")
    sandbox.faults.add(FaultRule("drop", count=1))
    with pytest.raises(RetriableError):
        api.get("/v1/customers", "customer")
    sandbox.faults.add(FaultRule("503", count=1))
    with pytest.raises(RetriableError) as raised:
        api.get("/v1/customers", "customer")
    assert raised.value.status == 503
    assert api.get("/v1/customers", "customer")["object"] == "list"  # the pool recovered


def test_a_refused_connection_is_a_retriable_connection_error():
    client = PooledHTTPClient(timeout=2)
    with pytest.raises(stripe.APIConnectionError) as raised:
        client.request("get", "http://127.0.0.1:9/v1/customers", {})
    assert raised.value.should_retry


class _Recorder(PooledHTTPClient):
    """Records what the SDK asks to send, and answers an empty list."""

    def __init__(self) -> None:
        super().__init__(timeout=2)
        self.sent: list[tuple] = []

    def request(self, method, url, headers, post_data=None):
        self.sent.append((method, url, dict(headers), post_data))
        return b'{"object": "list", "data": []}', 200, {"Request-Id": "req_1"}


def _sent(caplog, level: int) -> list[tuple]:
    api = StripeAPI("sk_test_parity", "http://127.0.0.1:9", retry=ONCE, requests_per_second=10_000)
    recorder = _Recorder()
    api.http = api.client._requestor._client = recorder
    caplog.set_level(level, logger="stripe")
    api.get("/v1/customers", "customer", limit=3, created={"gte": 5})
    api.request("post", "/v1/customers", "customer", name="A b", idempotency_key="key-1")
    api.request("post", "/v1/customers", "customer", name="C")
    return recorder.sent


def test_the_lean_path_sends_what_the_sdks_request_raw_sends(caplog):
    lean = _sent(caplog, logging.INFO)
    logged = caplog.messages
    full = _sent(caplog, logging.DEBUG)

    def comparable(sent):
        method, url, headers, body = sent
        headers = {k: v for k, v in headers.items() if k not in ("Idempotency-Key", "X-Stripe-Client-Telemetry")}
        return method, url, headers, body

    assert [comparable(s) for s in lean] == [comparable(s) for s in full]
    get, named, generated = lean
    assert get[1] == "http://127.0.0.1:9/v1/customers?limit=3&created[gte]=5" and get[3] is None
    assert get[2]["Authorization"] == "Bearer sk_test_parity" and get[2]["Stripe-Version"] == stripe.api_version
    assert named[2]["Idempotency-Key"] == "key-1" and named[3] == "name=A+b"
    assert generated[2]["Idempotency-Key"]  # the SDK's own key on every write
    # The SDK's info lines stay; its debug lines (the whole body, formatted) only when debug is on.
    assert any("Request to Stripe api" in m for m in logged)
    assert not any("API response body" in m for m in logged)
    assert any("API response body" in m for m in caplog.messages)


def test_environment_proxies_are_honoured_as_requests_did(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    assert environment_proxy("http://127.0.0.1:12111") is None
    proxy = environment_proxy("https://api.stripe.com")
    assert proxy["https"] == "http://proxy.invalid:3128"
    client = PooledHTTPClient(proxy=proxy)
    assert client._pools["https"].proxy.host == "proxy.invalid"


def test_the_sdks_info_lines_are_built_only_when_they_would_go_somewhere(monkeypatch, caplog):
    from revhub.connectors.stripe import client

    built: list[str] = []
    monkeypatch.setattr(client, "log_info", lambda message, **params: built.append(message))
    monkeypatch.delenv("STRIPE_LOG", raising=False)
    monkeypatch.setattr(stripe, "log", None)
    caplog.set_level(logging.WARNING, logger="stripe")
    api = StripeAPI("sk_test_quiet", "http://127.0.0.1:9", retry=ONCE, requests_per_second=10_000)
    api.http = api.client._requestor._client = _Recorder()
    api.get("/v1/customers", "customer", limit=1)
    assert built == []  # nobody listens: not even formatted
    monkeypatch.setenv("STRIPE_LOG", "info")  # the SDK prints its info lines to stderr
    api.get("/v1/customers", "customer", limit=1)
    assert built == ["Request to Stripe api", "Stripe API response"]
    monkeypatch.delenv("STRIPE_LOG")
    caplog.set_level(logging.INFO, logger="stripe")  # a handler on the "stripe" logger
    api.get("/v1/customers", "customer", limit=1)
    assert len(built) == 4
