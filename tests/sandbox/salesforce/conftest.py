"""Fixtures: a Salesforce sandbox served over TLS on a loopback port, and the real SDK
(simple-salesforce) pointed at it with a session that trusts the sandbox CA."""

from __future__ import annotations

import pytest
import requests
from simple_salesforce import Salesforce

from revhub.sandbox.salesforce import SalesforceSandbox
from revhub.sandbox.server import SandboxServer
from revhub.sandbox.tls import ensure_tls, server_ssl_context, trusting_session

API_VERSION = "66.0"


@pytest.fixture(scope="session")
def tls_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("sandbox-tls")
    ensure_tls(directory)
    return directory


@pytest.fixture(scope="session")
def ca_path(tls_dir) -> str:
    return ensure_tls(tls_dir)[0]


@pytest.fixture(scope="session")
def served(tls_dir):
    """One sandbox and server for the session; ``sandbox`` resets it before each test."""
    sandbox = SalesforceSandbox(seed=7, outbound_backoff=(1, 2, 4))
    server = SandboxServer(sandbox, ssl_context=server_ssl_context(tls_dir)).start()
    yield sandbox, server
    server.stop()
    sandbox.close()


@pytest.fixture
def sandbox(served) -> SalesforceSandbox:
    sandbox, _ = served
    sandbox.reset()
    return sandbox


@pytest.fixture
def base_url(served, sandbox) -> str:
    return served[1].url


@pytest.fixture
def http(ca_path) -> requests.Session:
    """A plain requests session that verifies the sandbox certificate against its CA."""
    return trusting_session(ca_path)


@pytest.fixture
def sf(base_url, sandbox, http) -> Salesforce:
    """simple-salesforce with the sandbox's pre-issued session id."""
    return Salesforce(instance_url=base_url, session_id=sandbox.sessions.static_token,
                      version=API_VERSION, session=http)


def account(**overrides) -> dict:
    """A realistic Account body."""
    body = {"Name": "Globex Analytics Ltd", "BillingStreet": "12 Market St",
            "BillingCity": "London", "BillingPostalCode": "EC1A 1BB", "BillingCountry": "GB",
            "Tax_Id__c": "GB123456789", "Billing_Email__c": "ap@globexanalytics.example",
            "CurrencyIsoCode": "GBP"}
    body.update(overrides)
    return body


@pytest.fixture
def connect(base_url, http):
    """Build a simple-salesforce client for this sandbox with any session id / version."""
    def build(session_id: str, version: str | None = API_VERSION) -> Salesforce:
        kwargs = {"version": version} if version else {}
        return Salesforce(instance_url=base_url, session_id=session_id, session=http, **kwargs)
    return build


@pytest.fixture
def account_body():
    return account
