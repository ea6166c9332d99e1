"""A voided invoice no longer leaves its PO stuck: voided in Xero (by sync) or in Stripe (by
webhook), the PO shows "Invoice Voided" in the hub and in Salesforce, and from there it is
re-invoiced under a new number in Stripe and Xero, or cancelled with a reason."""

from __future__ import annotations

from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from revhub.cli import main
from revhub.store import PurchaseOrder, PurchaseOrderApproval
from revhub.sync.jobs import plan, sync_all
from tests.integration.clients import salesforce_po, stripe_client
from tests.integration.purchase_orders import linked, xero_get
from tests.integration.writeback_hub import (
    drain_outbox,
    echoes_applied,
    invoices_of,
    start_hub,
    stripe_invoices_numbered,
    submit,
    xero_post,
)

pytestmark = pytest.mark.store


@pytest.fixture
def hub(db, vault, app, sandboxes):
    running, server = start_hub(db, vault, app, sandboxes)
    yield running
    server.stop()


@pytest.fixture
def revhub(database_url, tmp_path):
    env = {"REVHUB_DATABASE_URL": database_url, "REVHUB_HOME": str(tmp_path / "home")}
    return lambda *args: CliRunner().invoke(main, list(args), env=env)


def invoiced(db, vault, hub, number: str):
    """A PO approved, its invoice written to Stripe, Xero and Salesforce and echoed back."""
    po_id = submit(db, number)
    drain_outbox(db, vault)
    echoes_applied(hub, db, vault)
    drain_outbox(db, vault)
    [invoice] = invoices_of(db, po_id)
    return po_id, invoice


def write_back(db, vault, hub) -> None:
    """The workers' round after a change: outbox, Stripe's echoes, outbox again."""
    drain_outbox(db, vault)
    echoes_applied(hub, db, vault)
    drain_outbox(db, vault)


def void_in_xero(hub, xero_id: str) -> None:
    """https://developer.xero.com/documentation/api/accounting/invoices#post-invoices (Status VOIDED)"""
    xero_post(hub, f"Invoices/{xero_id}", {"Invoices": [{"InvoiceID": xero_id, "Status": "VOIDED"}]})


def po(db, po_id) -> PurchaseOrder:
    with db.session() as s:
        return s.get(PurchaseOrder, po_id)


def sf_status(db, hub, po_id) -> str:
    return salesforce_po(hub, linked(db, "purchase_order", po_id, "salesforce"))["Status__c"]


def test_an_invoice_voided_in_xero_moves_the_po_to_invoice_voided_in_the_hub_and_salesforce(db, vault, hub):
    po_id, invoice = invoiced(db, vault, hub, "4500080001")
    void_in_xero(hub, linked(db, "invoice", invoice.id, "xero"))

    results = sync_all(db, vault, plan(db, connection="xero"))
    assert all(r.status == "succeeded" for r in results), [(r.entity, r.note) for r in results]
    assert po(db, po_id).status == "invoice_voided"
    write_back(db, vault, hub)

    assert sf_status(db, hub, po_id) == "Invoice Voided"
    assert stripe_client(hub).v1.invoices.retrieve(linked(db, "invoice", invoice.id, "stripe")).status == "void"


def test_an_invoice_voided_in_stripe_arrives_by_webhook_and_moves_the_po_to_invoice_voided(db, vault, hub):
    po_id, invoice = invoiced(db, vault, hub, "4500080002")
    stripe_client(hub).v1.invoices.void_invoice(linked(db, "invoice", invoice.id, "stripe"))

    echoes_applied(hub, db, vault)
    assert po(db, po_id).status == "invoice_voided"
    write_back(db, vault, hub)

    assert sf_status(db, hub, po_id) == "Invoice Voided"
    xero = xero_get(hub, f"Invoices/{linked(db, 'invoice', invoice.id, 'xero')}")["Invoices"][0]
    assert xero["Status"] == "VOIDED"


def test_a_po_whose_invoice_was_voided_is_re_invoiced_under_a_new_number_in_stripe_and_xero(
        db, vault, hub, revhub):
    po_id, voided = invoiced(db, vault, hub, "4500080003")
    stripe_client(hub).v1.invoices.void_invoice(linked(db, "invoice", voided.id, "stripe"))
    echoes_applied(hub, db, vault)
    write_back(db, vault, hub)

    result = revhub("po", "reinvoice", str(po(db, po_id).internal_number), "--actor", "cli:dana")
    assert result.exit_code == 0, result.output
    write_back(db, vault, hub)

    old, new = invoices_of(db, po_id)
    assert (old.id, old.status, new.status) == (voided.id, "void", "open")
    assert new.number == f"{voided.number}-2" and new.number in result.output
    [remote] = stripe_invoices_numbered(hub, new.number)
    assert (remote.status, remote.total, remote.currency) == ("open", 36075, "eur")
    assert [(f.name, f.value) for f in remote.custom_fields] == [("PO number", "4500080003")]
    assert [i.status for i in stripe_invoices_numbered(hub, voided.number)] == ["void"]
    xero = xero_get(hub, f"Invoices/{linked(db, 'invoice', new.id, 'xero')}")["Invoices"][0]
    assert (xero["InvoiceNumber"], xero["Reference"], xero["Status"]) == (new.number, "4500080003", "AUTHORISED")
    assert Decimal(str(xero["Total"])) == Decimal("360.75")
    assert po(db, po_id).status == "invoiced"
    sf = salesforce_po(hub, linked(db, "purchase_order", po_id, "salesforce"))
    assert (sf["Status__c"], sf["Invoice_Number__c"]) == ("Invoiced", new.number)


def test_a_po_whose_invoice_was_voided_is_cancelled_with_its_reason(db, vault, hub, revhub):
    po_id, invoice = invoiced(db, vault, hub, "4500080004")
    stripe_client(hub).v1.invoices.void_invoice(linked(db, "invoice", invoice.id, "stripe"))
    echoes_applied(hub, db, vault)

    result = revhub("po", "cancel", str(po(db, po_id).internal_number), "--reason", "customer withdrew the PO")
    assert result.exit_code == 0, result.output
    write_back(db, vault, hub)

    assert po(db, po_id).status == "cancelled"
    with db.session() as s:
        notes = s.scalars(select(PurchaseOrderApproval.note).where(
            PurchaseOrderApproval.purchase_order_id == po_id, PurchaseOrderApproval.decision == "cancelled")).all()
    assert notes == ["customer withdrew the PO"]
    assert sf_status(db, hub, po_id) == "Cancelled"
    assert len(invoices_of(db, po_id)) == 1  # nothing re-invoiced


@pytest.mark.parametrize("command", [("reinvoice",), ("cancel", "--reason", "changed our mind")])
def test_an_invoiced_po_can_be_neither_re_invoiced_nor_cancelled_until_its_invoice_is_voided(
        db, vault, hub, revhub, command):
    po_id, invoice = invoiced(db, vault, hub, "4500080005")
    number = po(db, po_id).internal_number

    result = revhub("po", command[0], str(number), *command[1:])

    assert result.exit_code == 2
    assert f"PO {number} cannot be" in result.output and "void it in Stripe or Xero first" in result.output
    assert po(db, po_id).status == "invoiced" and len(invoices_of(db, po_id)) == 1
