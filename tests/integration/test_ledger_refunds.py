"""Refunds in the ledger: each Stripe refund is one credit note in Xero, paid out, whatever
was there first and whatever order the events arrive in (issue 10, defects 5 and 6)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import stripe
from sqlalchemy import select

from revhub.mappings.outbox import OutboxWorker
from revhub.money import to_decimal
from revhub.sandbox.dataset import generate
from revhub.store import Customer, Invoice, Link, OutboxMessage, Refund
from revhub.sync.jobs import plan, sync_all
from tests.integration.clients import drain, stripe_client
from tests.integration.purchase_orders import linked, submit_po, xero_get

pytestmark = pytest.mark.store
COMPANIES, SEED = 4, 7




def sales_credit_notes(running) -> list[dict]:
    notes = xero_get(running, "CreditNotes")["CreditNotes"]
    return [n for n in notes if n["Type"] == "ACCRECCREDIT" and n["Status"] != "DELETED"]


@pytest.mark.parametrize("providers, companies, seed", [(("stripe", "xero"), COMPANIES, SEED),
                                                        (("salesforce", "stripe", "xero"), 20, 1)],  # make demo's
                         ids=["small", "demo"])
def test_a_first_sync_links_each_seeded_stripe_refund_to_the_credit_note_xero_already_holds(
        db, vault, sandboxes, providers, companies, seed):
    running = sandboxes(*providers, companies=companies, seed=seed)
    seeded = generate(companies, seed=seed).refunds
    assert seeded, "the data set must hold a refund for this test to mean anything"
    before = sales_credit_notes(running)
    sync_all(db, vault, plan(db))
    drain(db, vault, target="xero")

    assert len(sales_credit_notes(running)) == len(before) == len(seeded)
    with db.session() as s:
        refunds = s.scalars(select(Refund).where(Refund.deleted_at.is_(None))).all()
        systems = {r.id: {link.system for link in s.scalars(select(Link).where(
            Link.entity == "refund", Link.canonical_id == r.id))} for r in refunds}
    assert sorted(r.reference for r in refunds) == sorted(r.processor_id for r in seeded)
    assert all(found == {"stripe", "xero"} for found in systems.values()), systems


def test_a_credit_note_written_by_the_hub_carries_the_stripe_refund_id_read_back_as_its_reference(
        db, vault, sandboxes):
    running = sandboxes("stripe", "xero", companies=COMPANIES, seed=SEED)
    sync_all(db, vault, plan(db))
    drain(db, vault)
    charge = next(c for c in running["stripe"].sandbox.store["charge"].objects.values()
                  if c["status"] == "succeeded" and not c["refunded"])
    client = stripe.StripeClient(running["stripe"].credentials["api_key"],
                                 base_addresses={"api": running["stripe"].url}, max_network_retries=0)
    refund = client.v1.refunds.create({"charge": charge["id"], "amount": 1000, "reason": "requested_by_customer"})
    running.clock.advance(60)
    sync_all(db, vault, plan(db))
    drain(db, vault)

    with db.session() as s:
        ours = s.scalars(select(Refund).where(Refund.reference == refund.id)).one()
        note_id = s.scalar(select(Link.external_id).where(Link.entity == "refund", Link.canonical_id == ours.id,
                                                          Link.system == "xero"))
    note = xero_get(running, f"CreditNotes/{note_id}")["CreditNotes"][0]
    assert refund.id in note["Reference"] and note["Status"] == "PAID"
    assert Decimal(str(note["Total"])) == to_decimal(1000, charge["currency"].upper())
    assert len([n for n in sales_credit_notes(running) if refund.id in (n.get("Reference") or "")]) == 1


@pytest.fixture
def hub(db, vault, sandboxes):
    running = sandboxes("stripe", "xero", companies=3, seed=SEED)
    sync_all(db, vault, plan(db))
    drain(db, vault)
    return running



def invoiced_po(db, vault, number: str) -> Invoice:
    with db.session() as s:
        email = s.scalars(select(Customer.email).where(Customer.deleted_at.is_(None)).order_by(Customer.name)).first()
    po_id = submit_po(db, email, "EUR", 2, "200.00", "400.00", number=number, terms="NET30")
    drain(db, vault)
    with db.session() as s:
        return s.scalars(select(Invoice).where(Invoice.purchase_order_id == po_id)).one()


def settle(db, vault, running, entities=None) -> None:
    running.clock.advance(60)
    for entity in entities or (None,):
        sync_all(db, vault, plan(db, connection="stripe", entity=entity))
    drain(db, vault)


def test_a_payment_refunded_before_it_reached_xero_is_booked_as_a_payment_then_a_paid_out_credit_note(
        db, vault, hub):
    invoice = invoiced_po(db, vault, "4500077001")
    client = stripe_client(hub)
    paid = client.v1.invoices.pay(linked(db, "invoice", invoice.id, "stripe"), {"payment_method": "pm_card_visa"})
    [payment] = client.v1.invoice_payments.list({"invoice": paid.id}).data
    refund = client.v1.refunds.create({"payment_intent": payment.payment.payment_intent,
                                       "reason": "requested_by_customer"})  # all of it, before any sync
    settle(db, vault, hub)

    xero_invoice = xero_get(hub, f"Invoices/{linked(db, 'invoice', invoice.id, 'xero')}")["Invoices"][0]
    assert xero_invoice["Status"] == "PAID" and Decimal(str(xero_invoice["AmountPaid"])) == Decimal("400.00")
    [note] = [n for n in sales_credit_notes(hub) if refund.id in (n.get("Reference") or "")]
    assert note["Status"] == "PAID" and Decimal(str(note["Total"])) == Decimal("400.00")
    assert [Decimal(str(p["Amount"])) for p in note["Payments"]] == [Decimal("400.00")]


def test_a_refund_applied_before_its_payment_still_books_the_payment_first_then_the_credit_note(db, vault, hub):
    invoice = invoiced_po(db, vault, "4500077002")
    client = stripe_client(hub)
    paid = client.v1.invoices.pay(linked(db, "invoice", invoice.id, "stripe"), {"payment_method": "pm_card_visa"})
    [payment] = client.v1.invoice_payments.list({"invoice": paid.id}).data
    refund = client.v1.refunds.create({"payment_intent": payment.payment.payment_intent, "amount": 5000})
    # The refund's events first: it waits for its payment, and the next refund run applies it.
    settle(db, vault, hub, entities=("refund", "payment", "refund"))

    xero_invoice = xero_get(hub, f"Invoices/{linked(db, 'invoice', invoice.id, 'xero')}")["Invoices"][0]
    assert xero_invoice["Status"] == "PAID"
    [note] = [n for n in sales_credit_notes(hub) if refund.id in (n.get("Reference") or "")]
    assert note["Status"] == "PAID" and Decimal(str(note["Total"])) == Decimal("50.00")


def test_a_refund_whose_payment_xero_answers_404_for_fails_alone_and_the_rest_of_its_batch_is_written(
        db, vault, hub):
    client = stripe_client(hub)
    refunds = []
    for number in ("4500077003", "4500077004"):
        invoice = invoiced_po(db, vault, number)
        paid = client.v1.invoices.pay(linked(db, "invoice", invoice.id, "stripe"), {"payment_method": "pm_card_visa"})
        [payment] = client.v1.invoice_payments.list({"invoice": paid.id}).data
        refunds.append(client.v1.refunds.create({"payment_intent": payment.payment.payment_intent, "amount": 1000}))
    hub.clock.advance(60)
    sync_all(db, vault, plan(db, connection="stripe", entity="payment"))
    OutboxWorker(db, vault, "w").drain(target="xero")
    with db.session(write=True) as s:  # Xero lost the first refunded payment: its id now answers 404
        gone = s.scalars(select(Refund).where(Refund.reference == refunds[0].id)).one_or_none()
        charge = client.v1.refunds.retrieve(refunds[0].id).charge
        link = s.scalars(select(Link).where(Link.entity == "payment", Link.system == "xero", Link.canonical_id.in_(
            select(Link.canonical_id).where(Link.system == "stripe", Link.external_id == charge)))).one()
        link.external_id = "00000000-0000-0000-0000-000000000404"
    assert gone is None
    sync_all(db, vault, plan(db, connection="stripe", entity="refund"))
    OutboxWorker(db, vault, "w").drain(target="xero")

    with db.session() as s:
        messages = {r.reference: s.scalars(select(OutboxMessage).where(OutboxMessage.entity == "refund",
                                                                       OutboxMessage.record_id == r.id)).one()
                    for r in s.scalars(select(Refund).where(Refund.reference.in_([r.id for r in refunds])))}
    assert (messages[refunds[0].id].status, "404" in (messages[refunds[0].id].last_error or "")) == ("dead", True)
    assert messages[refunds[1].id].status == "sent"
    assert [n for n in sales_credit_notes(hub) if refunds[1].id in (n.get("Reference") or "")]


def test_a_refund_pushed_before_xeros_credit_notes_were_synced_adopts_the_note_xero_holds(db, vault, sandboxes):
    running = sandboxes("stripe", "xero", companies=COMPANIES, seed=SEED)
    before = sales_credit_notes(running)
    # Everything but Xero's credit notes: the hub cannot have linked the seeded refund yet.
    sync_all(db, vault, [pair for pair in plan(db) if pair != ("xero", "refund")])
    drain(db, vault, target="xero")

    assert len(sales_credit_notes(running)) == len(before)
    [seeded] = generate(COMPANIES, seed=SEED).refunds
    with db.session() as s:
        ours = s.scalars(select(Refund).where(Refund.reference == seeded.processor_id)).one()
    note_id = linked(db, "refund", ours.id, "xero")
    assert seeded.processor_id in xero_get(running, f"CreditNotes/{note_id}")["CreditNotes"][0]["Reference"]
