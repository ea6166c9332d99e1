"""VAT end to end: a PO's tax codes become tax on each invoice line, computed per line and
rounded as Xero rounds, and the hub, Xero and Stripe agree to the cent. Hub + sandboxes, real
SDKs, every amount read back from each system."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from revhub.store import Customer, Invoice
from revhub.sync.jobs import plan, sync_all
from tests.integration.clients import stripe_client
from tests.integration.purchase_orders import linked, xero_get
from tests.integration.test_ledger_wire import po_body, submit
from tests.integration.test_writeback_stripe import drain, invoice_of

pytestmark = pytest.mark.store


EVERY_RATE = [
    {"description": "Platform licence", "quantity": 3, "unit_price": "33.33", "tax_code": "NL_VAT_21"},
    {"description": "Training book", "quantity": 2, "unit_price": "10.05", "tax_code": "NL_VAT_9"},
    {"description": "Intra-community transport", "quantity": 1, "unit_price": "50.00", "tax_code": "NL_VAT_0"},
    {"description": "Medical consult", "quantity": 1, "unit_price": "5.55", "tax_code": "EXEMPT"},
]


def customer_email(db, *, vat: bool = True) -> str:
    with db.session() as s:
        query = select(Customer.email).where(Customer.deleted_at.is_(None)).order_by(Customer.name)
        return s.scalars(query.where(Customer.tax_id.is_not(None)) if vat else query).first()


def dec(value) -> Decimal:
    return Decimal(str(value))


def test_a_po_at_every_vat_rate_has_the_same_subtotal_tax_and_total_in_the_hub_xero_and_stripe(db, vault, hub):
    # 99.99 × 21 % = 20.9979 → 21.00; 20.10 × 9 % = 1.809 → 1.81 (per line, half up)
    po_id = submit(db, po_body(customer_email(db), EVERY_RATE, "198.45", tax="22.81", po_number="4500088001"))
    drain(db, vault)
    invoice = invoice_of(db, po_id)
    assert (invoice.subtotal_minor, invoice.tax_minor, invoice.total_minor) == (17564, 2281, 19845)
    with db.session() as s:
        assert [(ln.tax_code, ln.tax_minor) for ln in s.get(Invoice, invoice.id).lines] == [
            ("NL_VAT_21", 2100), ("NL_VAT_9", 181), ("NL_VAT_0", 0), ("EXEMPT", 0)]

    xero = xero_get(hub, f"Invoices/{linked(db, 'invoice', invoice.id, 'xero')}")["Invoices"][0]
    assert xero["LineAmountTypes"] == "Exclusive"
    assert (dec(xero["SubTotal"]), dec(xero["TotalTax"]), dec(xero["Total"])) == (
        Decimal("175.64"), Decimal("22.81"), Decimal("198.45"))
    assert [(ln["TaxType"], dec(ln["TaxAmount"])) for ln in xero["LineItems"]] == [
        ("OUTPUT", Decimal("21.00")), ("TAX001", Decimal("1.81")), ("TAX002", 0), ("NONE", 0)]

    stripe = stripe_client(hub).v1.invoices.retrieve(linked(db, "invoice", invoice.id, "stripe"))
    assert (stripe.subtotal_excluding_tax, stripe.total, stripe.amount_due) == (17564, 19845, 19845)
    assert sum(t.amount for t in stripe.total_taxes) == 2281
    assert [sum(t.amount for t in line.taxes) for line in stripe.lines.data] == [2100, 181, 0, 0]


def test_stripe_tax_rates_are_created_once_per_code_and_reused_by_the_next_invoice(db, vault, hub):
    lines = [{"description": "Platform licence", "quantity": 1, "unit_price": "100.00", "tax_code": "NL_VAT_21"}]
    first = submit(db, po_body(customer_email(db), lines, "121.00", po_number="4500088002"))
    drain(db, vault)
    second = submit(db, po_body(customer_email(db), lines, "121.00", po_number="4500088003"))
    drain(db, vault)
    client = stripe_client(hub)
    used = {line.taxes[0].tax_rate_details.tax_rate
            for po in (first, second)
            for line in client.v1.invoices.retrieve(linked(db, "invoice", invoice_of(db, po).id, "stripe")).lines.data}
    rates = [r for r in client.v1.tax_rates.list({"limit": 100}).data
             if r.metadata.to_dict().get("revhub_tax_code") == "NL_VAT_21"]
    assert len(used) == 1 and [r.id for r in rates] == list(used)
    assert (rates[0].percentage, rates[0].inclusive) == (21.0, False)


def test_a_po_with_vat_included_books_the_same_amounts_in_xero_and_stripe(db, vault, hub):
    # 121.00 including 21 %: tax 21.00, net 100.00; 10.00 incl. 9 %: tax 0.8257 → 0.83
    lines = [{"description": "Platform licence", "quantity": 1, "unit_price": "121.00", "tax_code": "NL_VAT_21"},
             {"description": "Training book", "quantity": 1, "unit_price": "10.00", "tax_code": "NL_VAT_9"}]
    po_id = submit(db, po_body(customer_email(db), lines, "131.00", amounts_include_tax=True, po_number="4500088004"))
    drain(db, vault)
    invoice = invoice_of(db, po_id)
    assert (invoice.subtotal_minor, invoice.tax_minor, invoice.total_minor) == (10917, 2183, 13100)
    xero = xero_get(hub, f"Invoices/{linked(db, 'invoice', invoice.id, 'xero')}")["Invoices"][0]
    assert xero["LineAmountTypes"] == "Inclusive"
    assert (dec(xero["SubTotal"]), dec(xero["TotalTax"]), dec(xero["Total"])) == (
        Decimal("109.17"), Decimal("21.83"), Decimal("131.00"))
    stripe = stripe_client(hub).v1.invoices.retrieve(linked(db, "invoice", invoice.id, "stripe"))
    assert (stripe.total, stripe.total_excluding_tax, sum(t.amount for t in stripe.total_taxes)) == (
        13100, 10917, 2183)


def test_reverse_charge_carries_the_buyers_vat_number_and_the_note_in_xero_and_stripe(db, vault, hub):
    email = customer_email(db)
    with db.session() as s:
        vat = s.scalar(select(Customer.tax_id).where(Customer.email == email))
    lines = [{"description": "Platform licence", "quantity": 2, "unit_price": "250.00",
              "tax_code": "EU_REVERSE_CHARGE"}]
    po_id = submit(db, po_body(email, lines, "500.00", po_number="4500088005"))
    drain(db, vault)
    invoice = invoice_of(db, po_id)
    xero = xero_get(hub, f"Invoices/{linked(db, 'invoice', invoice.id, 'xero')}")["Invoices"][0]
    [line] = xero["LineItems"]
    assert line["TaxType"] == "TAX003" and dec(xero["TotalTax"]) == 0
    assert "VAT reverse charged / BTW verlegd" in line["Description"] and vat in line["Description"]
    stripe = stripe_client(hub).v1.invoices.retrieve(linked(db, "invoice", invoice.id, "stripe"))
    assert "VAT reverse charged / BTW verlegd" in stripe.footer and vat in stripe.footer
    assert stripe.total == 50000


def test_the_stripe_echo_keeps_the_invoice_lines_tax_codes_and_amounts(db, vault, hub):
    po_id = submit(db, po_body(customer_email(db), EVERY_RATE, "198.45", po_number="4500088006"))
    drain(db, vault)
    invoice = invoice_of(db, po_id)
    hub.clock.advance(60)
    results = sync_all(db, vault, plan(db))
    assert all(r.status == "succeeded" for r in results), [(r.connection, r.entity, r.note) for r in results]
    with db.session() as s:
        after = s.get(Invoice, invoice.id)
        assert (after.subtotal_minor, after.tax_minor, after.total_minor) == (17564, 2281, 19845)
        assert [(ln.quantity, ln.unit_amount_minor, ln.tax_code, ln.tax_minor) for ln in after.lines] == [
            (3, 3333, "NL_VAT_21", 2100), (2, 1005, "NL_VAT_9", 181), (1, 5000, "NL_VAT_0", 0),
            (1, 555, "EXEMPT", 0)]


def test_vat_on_a_yen_invoice_is_whole_yen_in_the_hub_xero_and_stripe(db, vault, hub):
    # 1234 × 9 % = 111.06 yen: Xero alone would keep 111.06; revhub sends the whole-yen tax per line
    lines = [{"description": "Training book", "quantity": 1, "unit_price": "1234", "tax_code": "NL_VAT_9"},
             {"description": "Platform licence", "quantity": 3, "unit_price": "15005", "tax_code": "NL_VAT_21"}]
    po_id = submit(db, po_body(customer_email(db), lines, "55813", currency="JPY", po_number="4500088008"))
    drain(db, vault)
    invoice = invoice_of(db, po_id)
    assert (invoice.subtotal_minor, invoice.tax_minor, invoice.total_minor) == (46249, 9564, 55813)
    xero = xero_get(hub, f"Invoices/{linked(db, 'invoice', invoice.id, 'xero')}")["Invoices"][0]
    assert (dec(xero["TotalTax"]), dec(xero["Total"])) == (Decimal(9564), Decimal(55813))
    stripe = stripe_client(hub).v1.invoices.retrieve(linked(db, "invoice", invoice.id, "stripe"))
    assert (stripe.total, sum(t.amount for t in stripe.total_taxes)) == (55813, 9564)
