"""Fixtures: a fresh Xero sandbox on a loopback port and the real xero-python SDK pointed at it.

The SDK's token URLs are class attributes (PROVIDERS.md 2.10); they are patched per test
and restored afterwards. urllib3's default retry would sleep ``Retry-After`` seconds on a 429
GET; the client here keeps connection retries but does not wait out rate limits, as the hub's
own client does.
"""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
import urllib3
from xero_python.accounting import AccountingApi
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
from xero_python.identity import IdentityApi

from revhub.sandbox.server import SandboxServer
from revhub.sandbox.xero import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, XeroSandbox
from tests.sandbox.xero.xero_models import assert_exchanges_fit_models


@pytest.fixture(scope="module")
def _running():
    """One sandbox and server per test module (stopping a server takes half a second)."""
    sandbox = XeroSandbox(seed=7)
    with SandboxServer(sandbox) as server:
        yield sandbox, server


@pytest.fixture
def sandbox(_running) -> XeroSandbox:
    """The module's sandbox, emptied; after the test, every call it answered is held to
    xero-python's models (request bodies and JSON answers alike)."""
    running = _running[0]
    running.reset()
    yield running
    assert_exchanges_fit_models(running)


@pytest.fixture
def server(_running, sandbox) -> SandboxServer:
    return _running[1]


@pytest.fixture
def token_store(sandbox) -> dict:
    """What an app would persist: the token the consent flow returned, plus ``expires_at``."""
    token = sandbox.issue_token()
    token["scope"] = token["scope"].split()
    token["expires_at"] = time.time() + token["expires_in"]
    return {"token": token}


def make_client(url: str, store: dict) -> ApiClient:
    config = Configuration(
        oauth2_token=OAuth2Token(client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET)
    )
    client = ApiClient(config, pool_threads=1)
    client.oauth2_token_getter(lambda: store["token"])
    client.oauth2_token_saver(lambda token: store.update(token=token))
    client.rest_client.pool_manager.connection_pool_kw["retries"] = urllib3.Retry(
        total=3, respect_retry_after_header=False
    )
    return client


@pytest.fixture
def api_client(server, token_store, monkeypatch) -> ApiClient:
    monkeypatch.setattr(TokenApi, "refresh_token_url", server.url + "/connect/token")
    monkeypatch.setattr(TokenApi, "client_credentials_token_url", server.url + "/connect/token")
    monkeypatch.setattr(TokenApi, "revoke_token_url", server.url + "/connect/revocation")
    return make_client(server.url, token_store)


@pytest.fixture
def accounting(api_client, server) -> AccountingApi:
    return AccountingApi(api_client, base_url=server.url + "/api.xro/2.0")


@pytest.fixture
def identity(api_client, server) -> IdentityApi:
    return IdentityApi(api_client, base_url=server.url)


@pytest.fixture
def tenant(sandbox) -> str:
    return sandbox.default_tenant_id


@pytest.fixture
def customer(accounting, tenant):
    """A customer contact as the hub creates it from a Salesforce account."""
    from xero_python.accounting import Contact, Contacts, CurrencyCode

    created = accounting.create_contacts(
        tenant,
        Contacts(
            contacts=[
                Contact(
                    name="Globex Analytics",
                    email_address="ap@globexanalytics.example",
                    contact_number="001Dn00000Globex",
                    default_currency=CurrencyCode.USD,
                )
            ]
        ),
    )
    return created.contacts[0]


def sales_invoice(
    contact_id,
    status="AUTHORISED",
    reference="PO-0042-2024-1170",
    quantity=10,
    unit=Decimal("588.00"),
    number=None,
):
    """A realistic annual-licence sales invoice carrying the customer's PO number."""
    from datetime import date

    from xero_python.accounting import Contact, CurrencyCode, Invoice, LineAmountTypes, LineItem

    return Invoice(
        type="ACCREC",
        contact=Contact(contact_id=contact_id),
        reference=reference,
        invoice_number=number,
        date=date(2024, 3, 1),
        due_date=date(2024, 3, 31),
        status=status,
        currency_code=CurrencyCode.USD,
        line_amount_types=LineAmountTypes.NOTAX,
        line_items=[
            LineItem(
                description="Platform licence, 12 months",
                quantity=quantity,
                unit_amount=unit,
                account_code="200",
            )
        ],
    )
