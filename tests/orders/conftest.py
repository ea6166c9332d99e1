"""The PO intake API with the three connections saved and one customer and product stored."""

import pytest

from revhub.connections import Vault, save_connection
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
