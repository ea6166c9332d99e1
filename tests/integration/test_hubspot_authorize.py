"""`revhub connections authorize hubspot` end to end against the HubSpot sandbox (a real `revhub`
process, its loopback redirect, the install URL followed as a browser would), `connections check`
on the OAuth connection, a rotated refresh token saved the moment it arrives, and the token
endpoint's refusals."""

from __future__ import annotations

import requests
from sqlalchemy import select

from revhub.connections import Vault, save_connection
from revhub.connectors.hubspot.oauth import SCOPES
from revhub.store import Connection
from revhub.sync.jobs import sync_one
from tests.test_cli_authorize import add, authorize_in_a_process, env, revhub, stored  # noqa: F401 - fixtures


def _oauth_app(running) -> dict:
    hs = running["hubspot"].sandbox
    return {"client_id": hs.client_id, "client_secret": hs.client_secret}


def test_authorize_stores_the_tokens_and_portal_and_check_finds_every_scope(
        sandboxes, db, config, env, revhub):  # noqa: F811
    running = sandboxes("hubspot", companies=2)
    portal = running["hubspot"]
    add(db, config, "crm", "hubspot", _oauth_app(running), {"base_url": portal.url, "app_url": portal.url})

    code, out, err = authorize_in_a_process(env, "hubspot", "crm", True)

    assert code == 0, out + err
    credentials, settings = stored(db, config, "crm")
    assert credentials["refresh_token"] == portal.sandbox.refresh_token
    assert credentials["access_token"] in portal.sandbox.issued and credentials["expires_at"] > 0
    assert set(credentials["scope"].split()) == set(SCOPES) and settings["portal_id"] == portal.sandbox.portal_id
    assert credentials["refresh_token"] not in out + err and credentials["access_token"] not in out + err
    ready = revhub("connections", "check", "crm")
    assert ready.exit_code == 0, ready.output
    assert "access token: valid (OAuth)" in ready.output and "scopes: all granted" in ready.output
    assert sync_one(db, Vault(config.encryption_key), "crm", "customer").counts.created == 2


def test_a_rotated_refresh_token_is_saved_the_moment_it_arrives(db, vault, sandboxes):
    running = sandboxes("hubspot", companies=1, options={"hubspot": {"rotate_refresh_tokens": True}})
    hs = running["hubspot"].sandbox
    first = hs.refresh_token
    with db.session(write=True) as s:
        save_connection(s, vault, name="hubspot", provider="hubspot", settings=running["hubspot"].settings,
                        credentials={**_oauth_app(running), "refresh_token": first})

    assert sync_one(db, vault, "hubspot", "customer").status == "succeeded"

    def saved() -> dict:
        with db.session() as s:
            return vault.open(s.scalar(select(Connection).where(Connection.name == "hubspot")).credentials)

    second = saved()["refresh_token"]
    assert second == hs.refresh_token != first
    refused = requests.post(f"{running['hubspot'].url}/oauth/v1/token", data={
        **_oauth_app(running), "grant_type": "refresh_token", "refresh_token": first})
    assert refused.status_code == 400 and refused.json()["status"] == "BAD_REFRESH_TOKEN"
    # The next run (a new connector, from the store) refreshes with the saved token.
    with db.session(write=True) as s:
        row = s.scalar(select(Connection).where(Connection.name == "hubspot"))
        row.credentials = vault.seal({**vault.open(row.credentials), "expires_at": 0})
    assert sync_one(db, vault, "hubspot", "customer").status == "succeeded"
    assert saved()["refresh_token"] == hs.refresh_token != second


def test_a_code_is_single_use_and_bound_to_its_redirect_uri(sandboxes):
    running = sandboxes("hubspot", companies=None)
    url = running["hubspot"].url
    app = _oauth_app(running)
    uri = "http://127.0.0.1:1/callback"

    def code_for(redirect_uri: str, scope: str = " ".join(SCOPES)) -> requests.Response:
        return requests.get(f"{url}/oauth/authorize", allow_redirects=False, params={
            "client_id": app["client_id"], "redirect_uri": redirect_uri, "scope": scope, "state": "s1"})

    def exchange(code: str, redirect_uri: str) -> requests.Response:
        return requests.post(f"{url}/oauth/v1/token", data={
            **app, "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri})

    def code_in(answer: requests.Response) -> str:
        assert answer.status_code == 302 and "state=s1" in answer.headers["Location"], answer.text
        return answer.headers["Location"].split("code=")[1].split("&")[0]

    assert exchange(code_in(code_for(uri)), "http://127.0.0.1:2/callback").json()["status"] == "BAD_REDIRECT_URI"
    code = code_in(code_for(uri))
    granted = exchange(code, uri)
    assert granted.status_code == 200 and set(granted.json()) >= {"access_token", "refresh_token", "expires_in"}
    assert granted.json()["expires_in"] == 1800
    assert exchange(code, uri).json()["status"] == "BAD_AUTH_CODE"  # one-time
    assert code_for(uri, "crm.objects.contacts.read automation").status_code == 400  # not the app's scopes
