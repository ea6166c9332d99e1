"""The PO intake API with the three connections saved and one customer and product stored."""

import pytest

from revhub.connections import Vault, save_connection
from revhub.console import tokens, users
from revhub.store import Customer, Product


@pytest.fixture
def api(app, db, config):
    vault = Vault(config.encryption_key)
    with db.session(write=True) as s:
        for name in ("stripe", "xero", "salesforce"):
            save_connection(s, vault, name=name, provider=name, credentials={}, settings={})
        s.add(Customer(name="Nakatomi Systems K.K.", email="ap@nakatomi.example", default_currency="JPY"))
        s.add(Product(sku="RH-PLAT", name="Platform licence (per seat)"))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {config.api_token}"}
    return lambda method, path, body=None: getattr(client, method)(path, json=body, headers=headers)


@pytest.fixture
def decider(app, db, api):
    """Erin (approver role) through her own API token: the decider is the token's holder."""
    with db.session(write=True) as s:
        users.add(s, "erin", "approver", actor="test", source="test")
        _, secret = tokens.create(s, "erin-token", actor="test", source="test", user="erin")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    return lambda method, path, body=None: getattr(client, method)(path, json=body or {}, headers=headers)


def approval_threshold(db, currency: str, amount: str) -> None:
    """POs in ``currency`` at or under ``amount`` (major units) are approved by policy."""
    from revhub.orders import approvals

    with db.session(write=True) as s:
        approvals.set_threshold(s, currency, amount, None, actor="test")
