"""The PO API with a named user token per person, so the decider is the token's holder."""

from __future__ import annotations

import pytest

from revhub.connections import Vault, save_connection
from revhub.console import tokens, users
from revhub.store import Customer, Product


@pytest.fixture
def seeded(db, config):
    vault = Vault(config.encryption_key)
    with db.session(write=True) as s:
        for name in ("stripe", "xero", "salesforce"):
            save_connection(s, vault, name=name, provider=name, credentials={}, settings={})
        s.add(Customer(name="Nakatomi Systems K.K.", email="ap@nakatomi.example", default_currency="JPY",
                       tax_id="NL123456789B01"))
        s.add(Product(sku="RH-PLAT", name="Platform licence (per seat)"))
    return db


@pytest.fixture
def as_user(app, seeded):
    """``as_user(name, role, finance_lead=False)`` → a caller ``(method, path, body)`` with that user's token."""
    client = app.test_client()

    def make(name: str, role: str = "approver", *, finance_lead: bool = False):
        with seeded.session(write=True) as s:
            user = users.find(s, name) or users.add(s, name, role, actor="test", source="test")
            user.role, user.finance_lead = role, finance_lead
            _, secret = tokens.create(s, f"{name}-token", actor="test", source="test", user=name)
        headers = {"Authorization": f"Bearer {secret}"}
        return lambda method, path, body=None: getattr(client, method)(path, json=body, headers=headers)
    return make


@pytest.fixture
def integration(app, seeded, config):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {config.api_token}"}
    return lambda method, path, body=None: getattr(client, method)(path, json=body, headers=headers)


def po_body(total: str, currency: str, *, number: str = "4500000001") -> dict:
    """A one-line PO of ``total`` in ``currency`` (no VAT)."""
    return {"customer": {"email": "ap@nakatomi.example"}, "vendor": "revhub Demo Ltd", "po_number": number,
            "issue_date": "2026-11-02", "currency": currency,
            "lines": [{"product": "RH-PLAT", "description": "Platform licence", "quantity": 1, "unit_price": total}],
            "total": total, "payment_terms": "NET30", "subscription_start": "2026-12-01",
            "subscription_end": "2027-11-30"}
