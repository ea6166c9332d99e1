"""What the hub puts on the wire is what the real APIs accept, and what each system then holds
is what the PO said: no currency on a Stripe customer, no due date in the past, quantity and
unit price kept on every line. Hub + sandboxes, real SDKs, read back from each system."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from revhub.connectors.base import Change
from revhub.orders import service
from revhub.store import Customer, Invoice, PurchaseOrder
from revhub.sync.apply import apply_changes
from revhub.sync.jobs import plan, sync_all
from tests.integration.clients import stripe_client
from tests.integration.purchase_orders import linked, xero_get
from tests.integration.test_writeback_stripe import drain, invoice_of

pytestmark = pytest.mark.store



def first_customer_email(db) -> str:
    with db.session() as s:
        return s.scalars(select(Customer.email).where(Customer.deleted_at.is_(None)).order_by(Customer.name)).first()


def po_body(email: str, lines: list[dict], total: str, **extra) -> dict:
    body = {"customer": {"email": email}, "po_number": extra.pop("po_number", "4500077001"),
            "issue_date": "2026-11-20", "currency": extra.pop("currency", "EUR"), "lines": lines, "total": total,
            "subscription_start": "2026-12-01", "subscription_end": "2027-11-30",
            "payment_terms": extra.pop("payment_terms", "NET30")}
    body.update(extra)
    return body


def submit(db, body: dict, threshold_minor: int = 10**12):
    from revhub.orders.validation import validate

    draft = validate(body)
    assert not isinstance(draft, list), draft
    with db.session(write=True) as s:
        return service.submit(s, draft, actor="test", threshold_minor=threshold_minor).id


def invoice_late(db, po_id, issued: date) -> None:
    """Approve and invoice ``po_id`` as if on ``issued`` (the push happens today)."""
    with db.session(write=True) as s:
        po = s.get(PurchaseOrder, po_id)
        service.transition(s, po, "approved", actor="test")
        service.invoice_for(s, po, actor="test", today=issued)
        service.transition(s, po, "invoiced", actor="test")


def test_a_customer_revhub_creates_in_stripe_has_no_currency_until_it_is_invoiced(db, vault, hub):
    with db.session(write=True) as s:
        apply_changes(s, service.context(s, "test"), [Change(
            "customer", "test/new-customer", "00000000000000000001",
            {"name": "Van Dijk Logistiek B.V.", "email": "ap@vandijk.example", "default_currency": "EUR",
             "tax_id": "NL123456789B01", "billing_country": "NL"})])
        customer_id = s.scalar(select(Customer.id).where(Customer.email == "ap@vandijk.example"))
    drain(db, vault)
    remote = stripe_client(hub).v1.customers.retrieve(linked(db, "customer", customer_id, "stripe"))
    # Stripe's customer create has no currency parameter: the first invoice sets it.
    assert remote.email == "ap@vandijk.example" and remote.currency is None


def test_a_due_on_receipt_invoice_is_due_when_stripe_finalizes_it_never_before(db, vault, hub):
    po_id = submit(db, po_body(first_customer_email(db), [{"product": "RH-PLAT", "description": "Platform licence",
                                                            "quantity": 2, "unit_price": "100.00"}],
                               "200.00", payment_terms="DUE_ON_RECEIPT"))
    drain(db, vault)
    invoice = invoice_of(db, po_id)
    remote = stripe_client(hub).v1.invoices.retrieve(linked(db, "invoice", invoice.id, "stripe"))
    assert remote.status == "open"
    assert remote.due_date >= remote.status_transitions.finalized_at
    assert remote.due_date - remote.status_transitions.finalized_at < 86400
    assert invoice.due_date == invoice.issue_date


def test_an_invoice_pushed_after_its_terms_ran_out_keeps_the_terms_due_date_in_xero_and_is_due_now_in_stripe(
        db, vault, hub):
    po_id = submit(db, po_body(first_customer_email(db), [{"product": "RH-PLAT", "description": "Platform licence",
                                                            "quantity": 1, "unit_price": "400.00"}],
                               "400.00", payment_terms="NET15", po_number="4500077002"), threshold_minor=0)
    issued = datetime.now(UTC).date() - timedelta(days=40)
    invoice_late(db, po_id, issued)
    drain(db, vault)
    invoice = invoice_of(db, po_id)
    assert invoice.due_date == issued + timedelta(days=15)

    remote = stripe_client(hub).v1.invoices.retrieve(linked(db, "invoice", invoice.id, "stripe"))
    assert remote.due_date >= remote.status_transitions.finalized_at  # Stripe refuses a past due date
    assert remote.metadata["terms_due_date"] == invoice.due_date.isoformat()
    xero = xero_get(hub, f"Invoices/{linked(db, 'invoice', invoice.id, 'xero')}")["Invoices"][0]
    assert ms_date(xero["DueDate"]) == invoice.due_date

    hub.clock.advance(60)
    results = sync_all(db, vault, plan(db, connection="stripe"))
    assert all(r.status == "succeeded" for r in results)
    with db.session() as s:
        assert s.get(Invoice, invoice.id).due_date == issued + timedelta(days=15)


def decimal_of(value) -> Decimal:
    return Decimal(str(value))


def ms_date(value: str) -> date:
    """Xero's ``/Date(ms+0000)/`` as a date."""
    millis = int(re.fullmatch(r"/Date\((-?\d+)([+-]\d{4})?\)/", value).group(1))
    return datetime.fromtimestamp(millis / 1000, UTC).date()


def test_a_line_without_a_product_keeps_quantity_and_unit_price_in_stripe_xero_and_after_the_echo(db, vault, hub):
    po_id = submit(db, po_body(first_customer_email(db), [{"description": "Onboarding workshop (day)",
                                                            "quantity": 3, "unit_price": "33.33"}],
                               "99.99", po_number="4500077003"))
    drain(db, vault)
    invoice = invoice_of(db, po_id)
    remote = stripe_client(hub).v1.invoices.retrieve(linked(db, "invoice", invoice.id, "stripe"))
    [line] = remote.lines.data
    assert (line.quantity, Decimal(line.pricing.unit_amount_decimal), line.amount) == (3, Decimal(3333), 9999)
    assert line.description == "Onboarding workshop (day)" and remote.total == 9999
    xero = xero_get(hub, f"Invoices/{linked(db, 'invoice', invoice.id, 'xero')}")["Invoices"][0]
    [xero_line] = xero["LineItems"]
    assert (decimal_of(xero_line["Quantity"]), decimal_of(xero_line["UnitAmount"])) == (3, Decimal("33.33"))
    assert decimal_of(xero["Total"]) == Decimal("99.99")

    hub.clock.advance(60)
    results = sync_all(db, vault, plan(db, connection="stripe"))
    assert all(r.status == "succeeded" for r in results)
    with db.session() as s:
        [canonical] = s.get(Invoice, invoice.id).lines
        assert (canonical.quantity, canonical.unit_amount_minor, canonical.amount_minor) == (3, 3333, 9999)
        assert canonical.product_id is None


def test_a_catalogue_line_keeps_quantity_and_unit_price_in_stripe(db, vault, hub):
    po_id = submit(db, po_body(first_customer_email(db), [{"product": "RH-PLAT", "description": "Platform licence",
                                                            "quantity": 7, "unit_price": "12.34"}],
                               "86.38", po_number="4500077004"))
    drain(db, vault)
    remote = stripe_client(hub).v1.invoices.retrieve(linked(db, "invoice", invoice_of(db, po_id).id, "stripe"))
    [line] = remote.lines.data
    assert (line.quantity, Decimal(line.pricing.unit_amount_decimal), line.amount) == (7, Decimal(1234), 8638)
