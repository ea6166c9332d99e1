"""A running QuickBooks sandbox and a python-quickbooks client authorised through intuit-oauth."""

from __future__ import annotations

import pytest
from quickbooks import QuickBooks

from revhub.connectors.quickbooks.sdk import build_client
from revhub.sandbox import dataset
from revhub.sandbox.quickbooks import QuickBooksSandbox
from revhub.sandbox.server import SandboxServer


@pytest.fixture
def qbo():
    sandbox = QuickBooksSandbox()
    sandbox.load_dataset(dataset.generate(4, seed=3))
    with SandboxServer(sandbox) as server:
        sandbox.url = server.url
        yield sandbox


def client_for(sandbox: QuickBooksSandbox, refresh_token: str | None = None) -> QuickBooks:
    return build_client({"client_id": sandbox.authority.client_id, "client_secret": sandbox.authority.client_secret,
                         "refresh_token": refresh_token or sandbox.issue_token()["refresh_token"]},
                        sandbox_settings(sandbox), timeout=10)


def sandbox_settings(sandbox: QuickBooksSandbox) -> dict:
    return {"discovery_url": f"{sandbox.url}/.well-known/openid_configuration/", "api_url": f"{sandbox.url}/v3",
            "realm_id": sandbox.realm_id}


@pytest.fixture
def qb(qbo) -> QuickBooks:
    return client_for(qbo)
