"""Write-back through Stripe: a PO becomes a Stripe invoice that Stripe emails and collects;
a payment taken in Stripe shows in Xero against the Xero invoice and on the Salesforce PO."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from revhub.mappings.outbox import OutboxWorker
from revhub.store import Customer, Invoice, OutboxMessage, Payment, PaymentAllocation, PurchaseOrder, Refund
from revhub.sync.jobs import plan, sync_all
from tests.integration.clients import drain, salesforce_po, stripe_client
from tests.integration.purchase_orders import linked, submit_po, xero_get

pytestmark = pytest.mark.store



def submit(db, currency: str, quantity: int, unit: str, total: str, terms: str = "NET30",
           number: str = "4500098765"):
    with db.session() as s:
        email = s.scalars(select(Customer.email).where(Customer.deleted_at.is_(None))
                          .order_by(Customer.name)).first()
    return submit_po(db, email, currency, quantity, unit, total, number=number, terms=terms)




def invoice_of(db, po_id) -> Invoice:
    with db.session() as s:
        return s.scalars(select(Invoice).where(Invoice.purchase_order_id == po_id)).one()


def payments_of(session, invoice_id) -> list[Payment]:
    return session.scalars(select(Payment).join(PaymentAllocation).where(PaymentAllocation.invoice_id == invoice_id)
                           .where(Payment.deleted_at.is_(None))).all()




def settle(db, vault, running) -> None:
    """What the clock does after a payment: pull Stripe's events, then write back."""
    running.clock.advance(60)
    results = sync_all(db, vault, plan(db, connection="stripe"))
    assert all(r.status == "succeeded" for r in results), [(r.entity, r.note) for r in results]
    drain(db, vault)


@pytest.mark.parametrize("currency, unit, total, minor", [("EUR", "120.25", "360.75", 36075),
                                                           ("JPY", "15000", "45000", 45000)])
def test_a_po_becomes_a_stripe_invoice_that_stripe_emails_with_the_po_number_due_date_and_total(
        db, vault, hub, currency, unit, total, minor):
    po_id = submit(db, currency, 3, unit, total)
    drain(db, vault)
    invoice = invoice_of(db, po_id)
    remote = stripe_client(hub).v1.invoices.retrieve(linked(db, "invoice", invoice.id, "stripe"))
    assert remote.status == "open" and remote.collection_method == "send_invoice"
    assert [(f.name, f.value) for f in remote.custom_fields] == [("PO number", "4500098765")]
    assert (remote.currency, remote.total, remote.amount_due) == (currency.lower(), minor, minor)
    assert datetime.fromtimestamp(remote.due_date, UTC).date() == invoice.due_date
    assert (invoice.due_date - invoice.issue_date).days == 30
    assert remote.number == invoice.number and remote.metadata["revhub_id"] == str(invoice.id)
    assert remote.status_transitions.finalized_at is not None  # sent: Stripe emails it and collects


def test_paying_the_stripe_invoice_books_the_payment_in_xero_and_marks_the_salesforce_po_paid(db, vault, hub):
    po_id = submit(db, "EUR", 2, "250.00", "500.00")
    drain(db, vault)
    invoice = invoice_of(db, po_id)
    stripe_id = linked(db, "invoice", invoice.id, "stripe")
    stripe_client(hub).v1.invoices.pay(stripe_id, {"payment_method": "pm_card_visa"})
    settle(db, vault, hub)

    with db.session() as s:
        [payment] = payments_of(s, invoice.id)
        po = s.get(PurchaseOrder, po_id)
    assert (payment.amount_minor, payment.currency) == (50000, "EUR") and payment.fee_minor > 0
    assert po.status == "paid"
    xero_invoice = xero_get(hub, f"Invoices/{linked(db, 'invoice', invoice.id, 'xero')}")["Invoices"][0]
    assert xero_invoice["Status"] == "PAID" and Decimal(str(xero_invoice["AmountPaid"])) == Decimal("500.00")
    xero_payment = xero_get(hub, f"Payments/{linked(db, 'payment', payment.id, 'xero')}")["Payments"][0]
    assert Decimal(str(xero_payment["Amount"])) == Decimal("500.00")
    assert xero_payment["Invoice"]["InvoiceID"] == xero_invoice["InvoiceID"]
    assert salesforce_po(hub, linked(db, "purchase_order", po_id, "salesforce"))["Status__c"] == "Paid"


def test_a_refund_in_stripe_is_a_credit_note_paid_out_in_xero(db, vault, hub):
    po_id = submit(db, "EUR", 1, "300.00", "300.00", number="4500098769")
    drain(db, vault)
    invoice = invoice_of(db, po_id)
    client = stripe_client(hub)
    paid = client.v1.invoices.pay(linked(db, "invoice", invoice.id, "stripe"), {"payment_method": "pm_card_visa"})
    settle(db, vault, hub)
    [payment] = client.v1.invoice_payments.list({"invoice": paid.id}).data
    client.v1.refunds.create({"payment_intent": payment.payment.payment_intent, "amount": 7550,
                              "reason": "requested_by_customer"})
    settle(db, vault, hub)

    with db.session() as s:
        [ours] = payments_of(s, invoice.id)
        refund = s.scalars(select(Refund).where(Refund.payment_id == ours.id)).one()
    assert (refund.amount_minor, refund.currency, refund.status) == (7550, "EUR", "succeeded")
    note = xero_get(hub, f"CreditNotes/{linked(db, 'refund', refund.id, 'xero')}")["CreditNotes"][0]
    xero_number = xero_get(hub, f"Invoices/{linked(db, 'invoice', invoice.id, 'xero')}")["Invoices"][0]["InvoiceNumber"]
    assert (note["Type"], note["Status"], note["CurrencyCode"]) == ("ACCRECCREDIT", "PAID", "EUR")
    assert Decimal(str(note["Total"])) == Decimal("75.50") and xero_number in note["Reference"]
    assert [Decimal(str(p["Amount"])) for p in note["Payments"]] == [Decimal("75.50")]


def test_a_partial_payment_leaves_the_po_partially_paid_and_the_xero_amount_due_right(db, vault, hub):
    po_id = submit(db, "JPY", 4, "25000", "100000", number="4500098766")
    drain(db, vault)
    invoice = invoice_of(db, po_id)
    client = stripe_client(hub)
    stripe_invoice = client.v1.invoices.retrieve(linked(db, "invoice", invoice.id, "stripe"))
    intent = client.v1.payment_intents.create({"amount": 40000, "currency": "jpy", "customer": stripe_invoice.customer,
                                            "payment_method": "pm_card_visa", "confirm": True})
    client.v1.invoices.attach_payment(stripe_invoice.id, {"payment_intent": intent.id})
    settle(db, vault, hub)

    with db.session() as s:
        po = s.get(PurchaseOrder, po_id)
        payments = payments_of(s, invoice.id)
    assert po.status == "partially_paid"
    assert [(p.amount_minor, p.currency) for p in payments] == [(40000, "JPY")]
    xero_invoice = xero_get(hub, f"Invoices/{linked(db, 'invoice', invoice.id, 'xero')}")["Invoices"][0]
    assert xero_invoice["Status"] == "AUTHORISED"
    assert (Decimal(str(xero_invoice["AmountPaid"])), Decimal(str(xero_invoice["AmountDue"]))) == \
        (Decimal("40000"), Decimal("60000"))
    assert salesforce_po(hub, linked(db, "purchase_order", po_id, "salesforce"))["Status__c"] == "Partially Paid"


def test_a_retried_stripe_push_after_a_crash_creates_no_second_invoice(db, vault, hub):
    po_id = submit(db, "EUR", 1, "99.00", "99.00", number="4500098767")
    worker = OutboxWorker(db, vault, "doomed")
    worker._record = lambda *args, **kwargs: (_ for _ in ()).throw(SystemExit("killed before commit"))
    with pytest.raises(SystemExit):
        worker.drain(target="stripe")
    with db.session(write=True) as s:  # the dead worker's claims lapse
        for message in s.scalars(select(OutboxMessage).where(OutboxMessage.status == "processing")):
            message.status, message.locked_until = "pending", None
    OutboxWorker(db, vault, "survivor").drain(target="stripe")
    invoice = invoice_of(db, po_id)
    listed = stripe_client(hub).v1.invoices.list({"limit": 100})
    numbers = [i.number for i in listed.auto_paging_iter()]
    assert numbers.count(invoice.number) == 1
    assert linked(db, "invoice", invoice.id, "stripe") is not None

