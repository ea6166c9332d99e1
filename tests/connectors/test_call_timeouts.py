"""Every provider call is bounded: a stalled provider is given up on at the configured limit,
and the give-up is transient (retried), not a hang that holds the job's lease."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from revhub.connectors.errors import ConfigError, RetriableError
from revhub.connectors.resilience import RetryPolicy, forget_limiters
from revhub.connectors.salesforce import SalesforceConnector
from revhub.connectors.stripe import StripeConnector
from revhub.connectors.timeouts import DEFAULT_CALL_TIMEOUT, call_timeout
from revhub.connectors.xero import XeroConnector
from revhub.sandbox.faults import FaultRule
from revhub.sandbox.launch import SandboxSet

LIMIT = 0.5
STALL = 6.0  # far beyond the limit: a call that waits it out is unbounded


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    sandboxes = SandboxSet(tmp_path_factory.mktemp("timeouts"), seed=3).start()
    yield sandboxes
    sandboxes.stop()


def _connector(running, provider: str):
    forget_limiters()
    got = running[provider]
    if provider == "stripe":
        return StripeConnector.from_connection(provider, got.credentials, got.settings)
    cls = XeroConnector if provider == "xero" else SalesforceConnector
    return cls.from_connection(provider, got.credentials, got.settings, lambda changes: None)


# One cheap read per provider, and the API path the stall is injected on.
READS = {
    "stripe": (r"^/v1/", lambda c: c.api.get("/v1/customers", "customer", limit=1)),
    "xero": (r"api\.xro", lambda c: c.api.call("get_contacts", "customer", page=1)),
    "salesforce": (r"/query", lambda c: c.api.query_page("SELECT Id FROM Account LIMIT 1")),
}


@pytest.mark.parametrize("provider", sorted(READS))
def test_a_stalled_call_gives_up_at_the_configured_limit_and_is_retried(running, provider, monkeypatch):
    monkeypatch.setenv("REVHUB_CALL_TIMEOUT", str(LIMIT))
    connector = _connector(running, provider)
    path, read = READS[provider]
    read(connector)  # token refresh and connection set-up are done before the stall
    sandbox = running[provider].sandbox

    connector.api.retry = RetryPolicy(attempts=1)
    sandbox.faults.add(FaultRule(kind="timeout", count=1, delay=STALL, path=path))
    started = time.monotonic()
    with pytest.raises(RetriableError):
        read(connector)
    elapsed = time.monotonic() - started
    assert LIMIT * 0.9 <= elapsed < LIMIT + 1.0, f"{provider} waited {elapsed:.2f}s for a {LIMIT}s limit"

    # Through the retry path the same stall costs one bounded attempt, then the call succeeds.
    connector.api.retry = replace(RetryPolicy(attempts=3), sleep=lambda seconds: None)
    sandbox.faults.add(FaultRule(kind="timeout", count=1, delay=STALL, path=path))
    calls, started = connector.api.calls, time.monotonic()
    read(connector)
    assert connector.api.calls - calls == 2
    assert time.monotonic() - started < LIMIT + 1.0


def test_the_connection_setting_wins_over_the_environment_and_bad_values_name_the_setting():
    assert call_timeout({}, env={}) == DEFAULT_CALL_TIMEOUT
    assert call_timeout({}, env={"REVHUB_CALL_TIMEOUT": "12.5"}) == 12.5
    assert call_timeout({"timeout_seconds": 4}, env={"REVHUB_CALL_TIMEOUT": "12.5"}) == 4.0
    with pytest.raises(ConfigError, match="REVHUB_CALL_TIMEOUT"):
        call_timeout({}, env={"REVHUB_CALL_TIMEOUT": "soon"})
    with pytest.raises(ConfigError, match="timeout_seconds"):
        call_timeout({"timeout_seconds": 0}, env={})
