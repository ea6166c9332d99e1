"""Identity: token refresh through the SDK's own mechanism, rotation, expiry, tenants."""

from __future__ import annotations

import time

import pytest
import requests
from xero_python.exceptions import HTTPStatusException

from revhub.sandbox.xero import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

ALLOWED_TOKEN_KEYS = {
    "access_token",
    "scope",
    "expires_in",
    "token_type",
    "expires_at",
    "refresh_token",
    "id_token",
}


def refresh(server, refresh_token, secret=DEFAULT_CLIENT_SECRET):
    return requests.post(
        server.url + "/connect/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": secret,
        },
    )


def test_connections_list_the_default_organisation(identity, tenant):
    connections = identity.get_connections()
    assert [(c.tenant_id, c.tenant_type) for c in connections] == [(tenant, "ORGANISATION")]
    assert connections[0].tenant_name == "Revhub Demo Company (NL)"


def test_added_tenant_appears_in_connections(identity, sandbox):
    new_id = sandbox.add_tenant("Second Org Ltd")
    assert new_id in {c.tenant_id for c in identity.get_connections()}


def test_sdk_refreshes_an_expired_token_through_the_token_endpoint(accounting, tenant, token_store):
    old_refresh = token_store["token"]["refresh_token"]
    token_store["token"]["expires_at"] = time.time() - 1
    accounting.get_accounts(tenant)
    new = token_store["token"]
    assert new["refresh_token"] != old_refresh
    assert set(new) <= ALLOWED_TOKEN_KEYS


def test_token_response_has_only_keys_the_sdk_accepts(server, token_store):
    answer = refresh(server, token_store["token"]["refresh_token"])
    assert answer.status_code == 200
    assert set(answer.json()) <= ALLOWED_TOKEN_KEYS
    assert answer.json()["expires_in"] == 1800


def test_client_credentials_may_come_in_a_basic_header(server, token_store):
    answer = requests.post(
        server.url + "/connect/token",
        auth=(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET),
        data={
            "grant_type": "refresh_token",
            "refresh_token": token_store["token"]["refresh_token"],
        },
    )
    assert answer.status_code == 200


def test_reusing_a_rotated_refresh_token_within_grace_returns_the_same_successor(
    server, token_store
):
    first = refresh(server, token_store["token"]["refresh_token"]).json()
    again = refresh(server, token_store["token"]["refresh_token"]).json()
    assert again["refresh_token"] == first["refresh_token"]


def test_rotated_refresh_token_is_dead_after_the_grace_period(server, sandbox, token_store):
    refresh(server, token_store["token"]["refresh_token"])
    sandbox.clock.advance(31 * 60)
    answer = refresh(server, token_store["token"]["refresh_token"])
    assert (answer.status_code, answer.json()) == (400, {"error": "invalid_grant"})


def test_unknown_refresh_token_is_invalid_grant(server):
    answer = refresh(server, "not-a-token")
    assert (answer.status_code, answer.json()) == (400, {"error": "invalid_grant"})


def test_wrong_client_secret_is_refused(server, token_store):
    answer = refresh(server, token_store["token"]["refresh_token"], secret="wrong")
    assert answer.json() == {"error": "invalid_client"}


def test_authorization_code_is_exchanged_once(server):
    consent = requests.get(
        server.url + "/identity/connect/authorize",
        allow_redirects=False,
        params={
            "response_type": "code",
            "client_id": DEFAULT_CLIENT_ID,
            "redirect_uri": "http://localhost/cb",
            "scope": "openid offline_access accounting.transactions",
            "state": "xyz",
        },
    )
    code = consent.headers["Location"].split("code=")[1].split("&")[0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": "http://localhost/cb"}
    auth = (DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
    assert requests.post(server.url + "/connect/token", data=form, auth=auth).status_code == 200
    assert requests.post(server.url + "/connect/token", data=form, auth=auth).json() == {
        "error": "invalid_grant"
    }


def test_access_token_expires_after_30_minutes_of_sandbox_clock(accounting, sandbox, tenant):
    sandbox.clock.advance(30 * 60 + 1)
    with pytest.raises(HTTPStatusException) as caught:
        accounting.get_accounts(tenant)
    assert caught.value.status == 401
    assert b"TokenExpired" in caught.value.body


def test_unknown_access_token_is_unauthorized(server, tenant):
    answer = requests.get(
        server.url + "/api.xro/2.0/Invoices",
        headers={"Authorization": "Bearer nope", "xero-tenant-id": tenant},
    )
    assert answer.status_code == 401
    assert answer.json()["Title"] == "Unauthorized"


def test_missing_tenant_header_is_forbidden(server, token_store):
    answer = requests.get(
        server.url + "/api.xro/2.0/Invoices",
        headers={"Authorization": "Bearer " + token_store["token"]["access_token"]},
    )
    assert (answer.status_code, answer.json()["Detail"]) == (403, "AuthenticationUnsuccessful")


def test_unknown_tenant_is_forbidden_through_the_sdk(accounting):
    with pytest.raises(HTTPStatusException) as caught:
        accounting.get_invoices("00000000-0000-0000-0000-000000000000")
    assert caught.value.status == 403
