"""A customer with a product in the catalogue, the three connections saved, and an invitation link."""

from __future__ import annotations

import pytest

from revhub.connections import Vault, save_connection
from revhub.portal.invitations import invite
from revhub.portal.tokens import sign
from revhub.store import Customer, Product

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def portal_customer(db, config):
    vault = Vault(config.encryption_key)
    with db.session(write=True) as s:
        for name in ("stripe", "xero", "salesforce"):
            save_connection(s, vault, name=name, provider=name, credentials={}, settings={})
        customer = Customer(name="Brouwerij De Kroon B.V.", email="ap@dekroon.example", tax_id="NL123456789B01",
                            default_currency="EUR", billing_city="Utrecht", billing_country="NL")
        s.add(customer)
        s.add(Product(sku="RH-PLAT", name="Platform licence (per seat)"))
        s.flush()
        return customer.id


@pytest.fixture
def token(db, config, portal_customer):
    with db.session(write=True) as s:
        customer = s.get(Customer, portal_customer)
        invitation = invite(s, customer, email="ap@dekroon.example", actor="test:admin")
        return sign(config.secret_key, invitation.id)


def valid_form(**changes) -> dict:
    """A complete, valid submission of the portal form: 10 seats at 120.00 EUR, 21 % VAT on top."""
    form = {"po_number": "PO-2026-77", "issue_date": "2026-11-02", "currency": "EUR", "payment_terms": "NET45",
            "subscription_start": "2026-12-01", "subscription_end": "2027-11-30", "total": "1452.00",
            "lines[0].product": "RH-PLAT", "lines[0].description": "Seats", "lines[0].quantity": "10",
            "lines[0].unit_price": "120.00", "lines[0].tax_code": "NL_VAT_21", "action": "submit",
            "ap_email": "ap@dekroon.example", "billing_city": "Utrecht", "billing_country": "NL",
            "vat_number": "NL123456789B01"}
    form.update(changes)
    return form
