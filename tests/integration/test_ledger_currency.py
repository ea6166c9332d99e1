"""Currencies beyond two decimals, and currencies a system does not have: each system holds the
amount the PO states exactly, or intake refuses it naming the field and the system. Hub +
sandboxes, real SDKs, read back from each system."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from revhub.orders import service
from revhub.orders.validation import validate
from revhub.store import Connection, Invoice
from revhub.sync.jobs import plan, sync_all
from tests.integration.clients import stripe_client
from tests.integration.purchase_orders import linked, xero_get
from tests.integration.test_ledger_wire import first_customer_email, po_body, submit
from tests.integration.test_writeback_stripe import drain, invoice_of

pytestmark = pytest.mark.store


@pytest.fixture
def hub(db, vault, sandboxes):
    # Salesforce is left out: its org has USD, EUR, GBP and JPY only (see the last test).
    running = sandboxes("stripe", "xero", companies=3)
    results = sync_all(db, vault, plan(db))
    assert all(r.status == "succeeded" for r in results), [(r.connection, r.entity, r.note) for r in results]
    return running


def refused(db, body: dict) -> dict[str, str]:
    """The intake errors of ``body`` by field, joined (it must be refused)."""
    draft = validate(body)
    assert not isinstance(draft, list), draft
    with db.session(write=True) as s, pytest.raises(service.IntakeError) as caught:
        service.submit(s, draft, actor="test", threshold_minor=10**12)
    errors: dict[str, str] = {}
    for e in caught.value.errors:
        errors[e.field] = f"{errors[e.field]}; {e.message}" if e.field in errors else e.message
    return errors


def one_line(email: str, currency: str, quantity: int, unit: str, total: str, number: str) -> dict:
    return po_body(email, [{"description": "Platform licence", "quantity": quantity, "unit_price": unit}], total,
                   currency=currency, po_number=number)


def echo(db, vault, hub) -> None:
    hub.clock.advance(60)
    results = sync_all(db, vault, plan(db))
    assert all(r.status == "succeeded" for r in results), [(r.connection, r.entity, r.note) for r in results]


@pytest.mark.parametrize("currency, unit, total, stripe_total, minor", [
    ("MGA", "1500.00", "4500.00", 4500, (450000, 150000)),  # two decimals in ISO, zero-decimal in Stripe
    ("ISK", "5", "15", 1500, (15, 5)),                      # zero-decimal, sent to Stripe as two decimals of 00
    ("KWD", "1.230", "3.690", 3690, (3690, 1230)),          # three decimals, the last one 0
])
def test_an_amount_every_system_can_hold_is_the_same_amount_in_stripe_xero_and_the_hub(
        db, vault, hub, currency, unit, total, stripe_total, minor):
    po_id = submit(db, one_line(first_customer_email(db), currency, 3, unit, total, f"45000990{len(currency)}"))
    drain(db, vault)
    invoice = invoice_of(db, po_id)
    remote = stripe_client(hub).v1.invoices.retrieve(linked(db, "invoice", invoice.id, "stripe"))
    assert (remote.currency, remote.total) == (currency.lower(), stripe_total)
    xero = xero_get(hub, f"Invoices/{linked(db, 'invoice', invoice.id, 'xero')}?unitdp=4")["Invoices"][0]
    assert Decimal(str(xero["Total"])) == Decimal(total)
    assert Decimal(str(xero["LineItems"][0]["UnitAmount"])) == Decimal(unit)
    echo(db, vault, hub)
    with db.session() as s:
        after = s.get(Invoice, invoice.id)
        assert (after.total_minor, after.lines[0].unit_amount_minor) == minor


def test_a_three_decimal_amount_stripe_and_xero_cannot_hold_is_refused_naming_the_field_and_the_systems(db, hub):
    errors = refused(db, one_line(first_customer_email(db), "KWD", 3, "1.235", "3.705", "4500099101"))
    assert "Stripe holds KWD unit prices only in multiples of 0.010" in errors["lines[0].unit_price"]
    assert "Stripe holds KWD amounts only in multiples of 0.010" in errors["total"]
    assert "Xero holds KWD amounts only in multiples of 0.010" in errors["total"]
    with db.session() as s:
        assert s.scalars(select(Invoice).where(Invoice.currency == "KWD")).first() is None


def test_a_fraction_of_an_ariary_is_refused_because_stripe_holds_mga_in_whole_units(db, hub):
    errors = refused(db, one_line(first_customer_email(db), "MGA", 1, "1500.50", "1500.50", "4500099102"))
    assert "Stripe holds MGA unit prices only in multiples of 1.00" in errors["lines[0].unit_price"]
    assert set(errors) == {"lines[0].unit_price", "total"}  # Xero holds 1500.50 MGA


def test_a_po_in_a_currency_the_salesforce_org_does_not_have_is_refused_at_intake(db, vault, sandboxes):
    sandboxes("salesforce", companies=3)
    assert all(r.status == "succeeded" for r in sync_all(db, vault, plan(db)))
    with db.session(write=True) as s:
        connection = s.scalars(select(Connection).where(Connection.provider == "salesforce")).one()
        connection.settings = {**(connection.settings or {}), "currencies": ["EUR", "USD", "GBP", "JPY"]}
    # the org's active currencies (USD, EUR, GBP, JPY), as 'revhub connections add' reads them
    errors = refused(db, one_line(first_customer_email(db), "KWD", 3, "1.230", "3.690", "4500099103"))
    assert errors == {"currency": "KWD is not a currency of Salesforce (connection 'salesforce' has "
                                  "EUR, USD, GBP, JPY)"}
