"""API usage accounting, the daily limit, and injected faults in Salesforce's shape."""

from __future__ import annotations

import pytest
import requests
from simple_salesforce.exceptions import SalesforceGeneralError, SalesforceRefusedRequest


def test_every_response_reports_api_usage(sf):
    sf.query("SELECT Id FROM Account")
    sf.query("SELECT Id FROM Account")
    usage = sf.api_usage["api-usage"]
    assert (usage.used, usage.total) == (2, 100_000)


def test_limits_resource_reports_daily_requests(sf):
    assert sf.limits()["DailyApiRequests"] == {"Max": 100_000, "Remaining": 99_999}


def test_exhausted_daily_allocation_is_refused_with_403(sf, base_url, http):
    http.post(base_url + "/__sandbox/limits", json={"daily_max": 2})
    sf.query("SELECT Id FROM Account")
    sf.query("SELECT Id FROM Account")
    with pytest.raises(SalesforceRefusedRequest) as caught:
        sf.query("SELECT Id FROM Account")
    assert caught.value.content == [{"message": "TotalRequests Limit exceeded.",
                                     "errorCode": "REQUEST_LIMIT_EXCEEDED"}]


def test_allocation_frees_up_after_24_hours(sf, sandbox, base_url, http):
    http.post(base_url + "/__sandbox/limits", json={"daily_max": 1})
    sf.query("SELECT Id FROM Account")
    sandbox.clock.advance(24 * 3600 + 1)
    assert sf.query("SELECT Id FROM Account")["done"] is True


def inject(http, base_url, kind: str) -> None:
    response = http.post(base_url + "/__sandbox/faults", json={"kind": kind, "count": 1})
    assert response.status_code == 201


def test_rate_limit_fault_is_salesforce_403(sf, base_url, http):
    inject(http, base_url, "429")
    with pytest.raises(SalesforceRefusedRequest) as caught:
        sf.query("SELECT Id FROM Account")
    assert caught.value.content[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    assert sf.query("SELECT Id FROM Account")["done"] is True


@pytest.mark.parametrize("kind, code", [("500", "UNKNOWN_EXCEPTION"), ("503", "SERVER_UNAVAILABLE")])
def test_server_faults_are_general_errors_with_the_error_array(sf, base_url, http, kind, code):
    inject(http, base_url, kind)
    with pytest.raises(SalesforceGeneralError) as caught:
        sf.Account.create({"Name": "Acme"})
    assert caught.value.status == int(kind) and caught.value.content[0]["errorCode"] == code


def test_dropped_connection_surfaces_as_a_connection_error(sf, base_url, http):
    inject(http, base_url, "drop")
    with pytest.raises(requests.ConnectionError):
        sf.query("SELECT Id FROM Account")
