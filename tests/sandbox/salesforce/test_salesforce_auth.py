"""OAuth token endpoint, bearer sessions and API versions, through real HTTPS."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from simple_salesforce.exceptions import SalesforceExpiredSession, SalesforceResourceNotFound


def password_grant(http, base_url, sandbox, **overrides):
    form = {"grant_type": "password", "client_id": sandbox.creds.client_id,
            "client_secret": sandbox.creds.client_secret, "username": sandbox.creds.username,
            "password": sandbox.creds.password + sandbox.creds.security_token}
    form.update(overrides)
    return http.post(base_url + "/services/oauth2/token", data=form)


def test_password_grant_returns_a_session_the_sdk_can_use(http, base_url, sandbox, connect):
    token = password_grant(http, base_url, sandbox).json()
    assert set(token) == {"access_token", "instance_url", "id", "token_type", "issued_at", "signature"}
    assert token["instance_url"] == base_url and token["token_type"] == "Bearer"
    assert token["access_token"].startswith(sandbox.org_id[:15] + "!")
    sf = connect(token["access_token"])
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 0


def test_token_signature_is_hmac_of_id_and_issued_at(http, base_url, sandbox):
    token = password_grant(http, base_url, sandbox).json()
    digest = hmac.new(sandbox.creds.client_secret.encode(),
                      (token["id"] + token["issued_at"]).encode(), hashlib.sha256).digest()
    assert hmac.compare_digest(base64.b64decode(token["signature"]), digest)


def test_token_signature_fails_when_one_byte_of_the_id_changes(http, base_url, sandbox):
    token = password_grant(http, base_url, sandbox).json()
    altered = token["id"][:-1] + ("A" if token["id"][-1] != "A" else "B")
    digest = hmac.new(sandbox.creds.client_secret.encode(),
                      (altered + token["issued_at"]).encode(), hashlib.sha256).digest()
    assert not hmac.compare_digest(base64.b64decode(token["signature"]), digest)


@pytest.mark.parametrize("override, error", [
    ({"password": "wrong"}, "invalid_grant"),
    ({"client_id": "nope"}, "invalid_client_id"),
    ({"client_secret": "nope"}, "invalid_client"),
    # The web-server flow is served (routes_authorize): without a code issued by it, the grant is invalid.
    ({"grant_type": "authorization_code"}, "invalid_grant"),
    ({"grant_type": "urn:ietf:params:oauth:grant-type:device_code"}, "unsupported_grant_type"),
])
def test_bad_token_requests_answer_oauth_errors(http, base_url, sandbox, override, error):
    response = password_grant(http, base_url, sandbox, **override)
    assert response.status_code == 400
    assert response.json()["error"] == error and response.json()["error_description"]


def test_refresh_token_grant_issues_a_new_access_token(http, base_url, sandbox):
    response = http.post(base_url + "/services/oauth2/token", data={
        "grant_type": "refresh_token", "client_id": sandbox.creds.client_id,
        "client_secret": sandbox.creds.client_secret, "refresh_token": sandbox.creds.refresh_token})
    assert response.status_code == 200
    assert sandbox.sessions.check(response.json()["access_token"])


def test_unknown_bearer_token_raises_expired_session(connect):
    sf = connect("00Dbogus!token")
    with pytest.raises(SalesforceExpiredSession) as caught:
        sf.query("SELECT Id FROM Account")
    assert caught.value.content == [{"message": "Session expired or invalid",
                                     "errorCode": "INVALID_SESSION_ID"}]


def test_issued_session_expires_after_two_idle_hours(http, base_url, sandbox, connect):
    sf = connect(password_grant(http, base_url, sandbox).json()["access_token"])
    sandbox.clock.advance(7201)
    with pytest.raises(SalesforceExpiredSession):
        sf.query("SELECT Id FROM Account")


def test_versions_list_needs_no_session_and_names_releases(http, base_url):
    response = http.get(base_url + "/services/data/")
    versions = {v["version"]: v for v in response.json()}
    assert versions["59.0"]["label"] == "Winter '24"
    assert versions["66.0"]["url"] == "/services/data/v66.0"
    assert "Sforce-Limit-Info" not in response.headers


def test_unknown_api_version_is_not_found(sandbox, connect):
    sf = connect(sandbox.sessions.static_token, version="99.0")
    with pytest.raises(SalesforceResourceNotFound) as caught:
        sf.query("SELECT Id FROM Account")
    assert caught.value.content[0]["errorCode"] == "NOT_FOUND"


def test_sdk_default_version_is_served(sandbox, connect):
    sf = connect(sandbox.sessions.static_token, version=None)
    assert sf.sf_version == "59.0"
    assert sf.query("SELECT Id FROM Account")["done"] is True
