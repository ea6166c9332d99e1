"""`revhub connections authorize` end to end against the Xero and Salesforce sandboxes (a real
`revhub` process, its loopback redirect, the sandbox's consent redirect followed as a browser
would), and `revhub connections check` naming what is missing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import select

from revhub.cli import main
from revhub.connections import Vault, save_connection
from revhub.oauth_authorize import AuthorizeError, endpoints, listen, pkce_pair, run_flow
from revhub.store import Connection
from tests.integration.conftest import sandboxes, vault  # noqa: F401 - fixtures

pytestmark = pytest.mark.store
REVHUB = str(Path(sys.executable).parent / "revhub")


@pytest.fixture
def env(config, database_url):
    return {**{k: v for k, v in os.environ.items() if not k.startswith("REVHUB_")},
            "REVHUB_HOME": str(config.home), "REVHUB_DATABASE_URL": database_url,
            "REVHUB_ENCRYPTION_KEY": config.encryption_key}


@pytest.fixture
def revhub(env):
    return lambda *args: CliRunner().invoke(main, list(args), env=env)


def add(db, config, name, provider, credentials, settings):
    with db.session(write=True) as s:
        save_connection(s, Vault(config.encryption_key), name=name, provider=provider, credentials=credentials,
                        settings=settings)


def stored(db, config, name):
    with db.session() as s:
        row = s.scalar(select(Connection).where(Connection.name == name))
        return Vault(config.encryption_key).open(row.credentials), row.settings


def authorize_in_a_process(env, provider, name, verify, *extra):
    """Run `revhub connections authorize`, follow the sign-in address it prints as a browser
    would (the sandbox consents and redirects to the process's loopback), and wait for it."""
    proc = subprocess.Popen([REVHUB, "connections", "authorize", provider, name, "--port", "0", "--no-browser",
                             "--timeout", "60", *extra], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        for line in proc.stderr:
            if line.startswith("http"):
                landed = requests.get(line.strip(), timeout=30, verify=verify)
                assert landed.status_code == 200 and "authorised" in landed.text
                break
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    return proc.returncode, out, err


def test_xero_authorize_stores_the_refresh_token_and_tenant_and_check_names_what_is_missing(
        sandboxes, db, config, env, revhub):  # noqa: F811
    running = sandboxes("xero", companies=1)
    xero = running["xero"]
    add(db, config, "books", "xero", {"client_id": xero.credentials["client_id"],
                                      "client_secret": xero.credentials["client_secret"]},
        {"login_url": xero.url, "identity_url": xero.url, "api_url": xero.url})
    code, out, err = authorize_in_a_process(env, "xero", "books", True)
    assert code == 0, out + err
    credentials, settings = stored(db, config, "books")
    assert credentials["refresh_token"].startswith("xsbx_rt_") and "accounting.settings.read" in credentials["scope"]
    assert settings["tenant_id"] == xero.sandbox.default_tenant_id
    assert credentials["refresh_token"] not in out + err and credentials["access_token"] not in out + err
    ready = revhub("connections", "check", "books")
    assert ready.exit_code == 0, ready.output
    assert "scope accounting.transactions: granted" in ready.output and "account 090" in ready.output
    with db.session(write=True) as s:
        row = s.scalar(select(Connection).where(Connection.name == "books"))
        row.settings = {**row.settings, "sales_account_code": "999", "tax_types": {"NL_VAT_9": "TAX099"}}
    missing = revhub("connections", "check", "books")
    assert missing.exit_code == 1
    assert "MISSING account 999 (sales_account_code): missing from the chart of accounts" in missing.output
    assert "MISSING tax type TAX099 (NL_VAT_9)" in missing.output


def test_salesforce_authorize_runs_pkce_and_stores_the_instance(sandboxes, db, config, env, revhub):  # noqa: F811
    running = sandboxes("salesforce", companies=1)
    sf = running["salesforce"]
    ca = sf.settings["ca_bundle"]
    add(db, config, "crm", "salesforce", {"client_id": sf.credentials["client_id"],
                                          "client_secret": sf.credentials["client_secret"],
                                          "outbound_secret": "s" * 32},
        {"login_url": sf.url, "ca_bundle": ca})
    code, out, err = authorize_in_a_process(env, "salesforce", "crm", ca)
    assert code == 0, out + err
    credentials, settings = stored(db, config, "crm")
    assert credentials["refresh_token"] == sf.sandbox.creds.refresh_token
    assert settings["instance_url"] == sf.url and settings["organization_id"] == sf.sandbox.org_id
    assert "EUR" in settings["currencies"]
    ready = revhub("connections", "check", "crm")
    assert ready.exit_code == 0, ready.output
    assert "fields of Purchase_Order_Line__c: all present" in ready.output


def test_a_code_needs_its_pkce_verifier_and_its_redirect_uri(sandboxes):  # noqa: F811
    sf = sandboxes("salesforce", companies=None)["salesforce"]
    ca = sf.settings["ca_bundle"]
    verifier, challenge = pkce_pair()

    def code_for(redirect_uri: str) -> str:
        answer = requests.get(f"{sf.url}/services/oauth2/authorize", verify=ca, allow_redirects=False, params={
            "response_type": "code", "client_id": sf.credentials["client_id"], "redirect_uri": redirect_uri,
            "scope": "api refresh_token", "state": "s1", "code_challenge": challenge,
            "code_challenge_method": "S256"})
        assert answer.status_code == 302 and "state=s1" in answer.headers["Location"]
        return answer.headers["Location"].split("code=")[1].split("&")[0]

    def exchange(code: str, redirect_uri: str, code_verifier: str):
        return requests.post(f"{sf.url}/services/oauth2/token", verify=ca, data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "client_id": sf.credentials["client_id"], "client_secret": sf.credentials["client_secret"],
            "code_verifier": code_verifier})

    uri = "http://127.0.0.1:1/callback"
    assert exchange(code_for(uri), uri, "wrong-verifier").json()["error"] == "invalid_grant"
    assert exchange(code_for(uri), "http://127.0.0.1:2/callback", verifier).json()["error"] == "invalid_grant"
    code = code_for(uri)
    granted = exchange(code, uri, verifier)
    assert granted.status_code == 200 and granted.json()["refresh_token"]
    assert exchange(code, uri, verifier).json()["error"] == "invalid_grant"  # one-time


def test_an_answer_with_another_state_is_refused_and_nothing_is_exchanged(sandboxes):  # noqa: F811
    xero = sandboxes("xero", companies=None)["xero"]
    settings = {"login_url": xero.url, "identity_url": xero.url}
    server = listen(port=0)
    port = server.server_address[1]

    def forged_browser(url: str) -> None:
        threading.Thread(target=requests.get, args=(f"http://127.0.0.1:{port}/callback?code=stolen&state=other",),
                         kwargs={"timeout": 10}, daemon=True).start()

    with pytest.raises(AuthorizeError, match="state"):
        run_flow("xero", dict(xero.credentials), settings, server=server, open_browser=forged_browser, timeout=20)
    assert endpoints("xero", settings).authorize_url == f"{xero.url}/identity/connect/authorize"


def test_stripe_check_names_the_missing_webhook_endpoint_and_secret(sandboxes, db, config, revhub):  # noqa: F811
    stripe_sandbox = sandboxes("stripe", companies=None)["stripe"]
    first = revhub("connections", "check", "stripe")
    assert first.exit_code == 1
    assert "ok      auth: the API key works" in first.output and "permission Events: read: granted" in first.output
    assert "MISSING webhook endpoint: none posts to …/webhooks/stripe/stripe" in first.output
    assert "MISSING credential webhook_secrets" in first.output
    created = requests.post(f"{stripe_sandbox.url}/v1/webhook_endpoints", auth=(stripe_sandbox.credentials["api_key"],
                                                                                ""),
                            data={"url": "https://hub.example/webhooks/stripe/stripe", "enabled_events[]": "*"})
    assert created.status_code == 200, created.text
    with db.session(write=True) as s:
        row = s.scalar(select(Connection).where(Connection.name == "stripe"))
        vault_ = Vault(config.encryption_key)
        row.credentials = vault_.seal({**vault_.open(row.credentials), "webhook_secrets": [created.json()["secret"]]})
    ready = revhub("connections", "check", "stripe")
    assert ready.exit_code == 0, ready.output
    assert created.json()["secret"] not in ready.output and json.dumps(created.json()["secret"]) not in ready.output
