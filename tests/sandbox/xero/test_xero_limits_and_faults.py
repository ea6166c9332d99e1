"""Rate limits on the sandbox clock and injected faults, as the SDK sees them."""

from __future__ import annotations

import pytest
import requests
from xero_python.exceptions import HTTPStatusException, RateLimitException

from revhub.sandbox.server import SandboxServer
from revhub.sandbox.xero import XeroSandbox
from revhub.sandbox.xero.ratelimit import Limits
from tests.sandbox.xero.conftest import make_client


def headers(token_store, tenant):
    return {
        "Authorization": "Bearer " + token_store["token"]["access_token"],
        "xero-tenant-id": tenant,
    }


def test_normal_answers_carry_remaining_limits(server, token_store, tenant):
    answer = requests.get(
        server.url + "/api.xro/2.0/Accounts", headers=headers(token_store, tenant)
    )
    assert answer.headers["X-MinLimit-Remaining"] == "59"
    assert answer.headers["X-DayLimit-Remaining"] == "4999"
    assert answer.headers["X-AppMinLimit-Remaining"] == "9999"


def test_61st_call_in_a_minute_is_a_429_the_sdk_reports(accounting, tenant, server, token_store):
    for _ in range(60):
        requests.get(server.url + "/api.xro/2.0/Accounts", headers=headers(token_store, tenant))
    with pytest.raises(RateLimitException) as caught:
        accounting.get_accounts(tenant)
    assert caught.value.rate_limit == "minute"
    assert 1 <= int(caught.value.headers["Retry-After"]) <= 60


def test_the_minute_window_resets_on_the_sandbox_clock(
    accounting, sandbox, tenant, server, token_store
):
    for _ in range(60):
        requests.get(server.url + "/api.xro/2.0/Accounts", headers=headers(token_store, tenant))
    sandbox.clock.advance(61)
    assert accounting.get_accounts(tenant).accounts


def test_limits_are_per_tenant(sandbox, server, token_store, tenant):
    other = sandbox.add_tenant("Other Org")
    for _ in range(60):
        requests.get(server.url + "/api.xro/2.0/Accounts", headers=headers(token_store, tenant))
    answer = requests.get(server.url + "/api.xro/2.0/Accounts", headers=headers(token_store, other))
    assert answer.status_code == 200


def test_day_limit_is_configurable():
    sandbox = XeroSandbox(per_day=2, per_minute=100)
    token = sandbox.issue_token()
    with SandboxServer(sandbox) as server:
        auth = {
            "Authorization": "Bearer " + token["access_token"],
            "xero-tenant-id": sandbox.default_tenant_id,
        }
        statuses = [
            requests.get(server.url + "/api.xro/2.0/Accounts", headers=auth) for _ in range(3)
        ]
    assert [s.status_code for s in statuses] == [200, 200, 429]
    assert statuses[2].headers["X-Rate-Limit-Problem"] == "day"


def test_concurrent_limit_refuses_a_call_beyond_those_in_flight(sandbox, tenant):
    for _ in range(5):
        sandbox.limiter.admit(tenant)
    with pytest.raises(Exception) as caught:
        sandbox.limiter.admit(tenant)
    assert caught.value.problem == "concurrent"


@pytest.mark.parametrize("kind, status", [("429", 429), ("500", 500), ("503", 503)])
def test_injected_faults_reach_the_sdk_in_xeros_shape(accounting, server, tenant, kind, status):
    requests.post(
        server.url + "/__sandbox/faults", json={"kind": kind, "count": 1, "method": "POST"}
    )
    from xero_python.accounting import Contact, Contacts

    with pytest.raises(HTTPStatusException) as caught:
        accounting.update_or_create_contacts(
            tenant, Contacts(contacts=[Contact(name="Hooli Media")])
        )
    assert caught.value.status == status
    if kind == "429":
        assert isinstance(caught.value, RateLimitException)
        assert caught.value.rate_limit == "minute"
        assert caught.value.headers["Retry-After"] == "1"


def test_sdk_get_waits_out_an_injected_429_and_succeeds(server, token_store, tenant, api_client):
    """With urllib3's default policy the SDK retries a GET after Retry-After (1 s here)."""
    from xero_python.accounting import AccountingApi

    requests.post(
        server.url + "/__sandbox/faults", json={"kind": "429", "count": 1, "method": "GET"}
    )
    client = make_client(server.url, token_store)
    client.rest_client.pool_manager.connection_pool_kw.pop("retries")
    assert AccountingApi(client, base_url=server.url + "/api.xro/2.0").get_accounts(tenant).accounts


def test_default_limits_match_xeros_documented_figures():
    assert Limits() == Limits(per_minute=60, per_day=5000, concurrent=5, app_per_minute=10_000)
