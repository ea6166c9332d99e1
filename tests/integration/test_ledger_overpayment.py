"""Money beyond the amount due (issue 10, defect 4): 1,200 paid on a 1,000 invoice is 1,000
allocated and 200 held in Xero as the customer's credit (an overpayment), and the console's
exception queue says so; money that pays no invoice is queued as unapplied cash (issue 10, 12)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import delete, select, update

from revhub.store import Customer, Invoice, Link, OutboxMessage, Payment, SyncException
from revhub.sync.jobs import plan, sync_all
from tests.integration.clients import drain, stripe_client
from tests.integration.purchase_orders import linked, submit_po, xero_get
from tests.signin import sign_in

pytestmark = pytest.mark.store




@pytest.fixture
def hub(db, vault, sandboxes):
    running = sandboxes("stripe", "xero", companies=3)
    sync_all(db, vault, plan(db))
    drain(db, vault)
    return running



def settle(db, vault, running) -> None:
    running.clock.advance(60)
    sync_all(db, vault, plan(db, connection="stripe"))
    drain(db, vault)


def invoiced(db, vault, number: str) -> Invoice:
    with db.session() as s:
        email = s.scalars(select(Customer.email).where(Customer.deleted_at.is_(None)).order_by(Customer.name)).first()
    po_id = submit_po(db, email, "EUR", 1, "1000.00", "1000.00", number=number, terms="NET30")
    drain(db, vault)
    with db.session() as s:
        return s.scalars(select(Invoice).where(Invoice.purchase_order_id == po_id)).one()


def pay_in_stripe(running, stripe_invoice_id: str, amount: int) -> str:
    client = stripe_client(running)
    invoice = client.v1.invoices.retrieve(stripe_invoice_id)
    intent = client.v1.payment_intents.create({"amount": amount, "currency": "eur", "customer": invoice.customer,
                                               "payment_method": "pm_card_visa", "confirm": True})
    client.v1.invoices.attach_payment(invoice.id, {"payment_intent": intent.id})
    return intent.id


def test_an_overpayment_is_the_amount_due_allocated_and_the_rest_a_xero_customer_credit(db, vault, hub):
    invoice = invoiced(db, vault, "4500066001")
    intent = pay_in_stripe(hub, linked(db, "invoice", invoice.id, "stripe"), 120000)
    settle(db, vault, hub)

    xero_invoice = xero_get(hub, f"Invoices/{linked(db, 'invoice', invoice.id, 'xero')}")["Invoices"][0]
    assert xero_invoice["Status"] == "PAID" and Decimal(str(xero_invoice["AmountPaid"])) == Decimal("1000.00")
    contact = xero_invoice["Contact"]["ContactID"]
    credits = [o for o in xero_get(hub, "Overpayments")["Overpayments"] if o["Contact"]["ContactID"] == contact]
    assert [(o["Type"], Decimal(str(o["Total"])), Decimal(str(o["RemainingCredit"]))) for o in credits] == \
        [("RECEIVE-OVERPAYMENT", Decimal("200.00"), Decimal("200.00"))]
    received = [t for t in xero_get(hub, "BankTransactions")["BankTransactions"]
                if t["Type"] == "RECEIVE-OVERPAYMENT" and intent in (t.get("Reference") or "")]
    assert len(received) == 1 and Decimal(str(received[0]["Total"])) == Decimal("200.00")


def test_an_overpayment_shows_in_the_console_exception_queue_with_what_was_allocated_and_held(
        db, vault, hub, app, config):
    invoice = invoiced(db, vault, "4500066002")
    pay_in_stripe(hub, linked(db, "invoice", invoice.id, "stripe"), 120000)
    settle(db, vault, hub)

    client = app.test_client()
    sign_in(client, db)
    page = client.get("/exceptions").get_data(as_text=True)
    assert "overpayment" in page
    assert "1000.00 EUR allocated, 200.00 EUR held as customer credit" in page


def test_money_captured_with_no_invoice_is_queued_as_unapplied_cash_not_left_waiting(db, vault, hub):
    client = stripe_client(hub)
    with db.session() as s:
        customer_id = s.scalars(select(Customer.id).order_by(Customer.name)).first()
    stripe_customer = linked(db, "customer", customer_id, "stripe")
    intent = client.v1.payment_intents.create({"amount": 4200, "currency": "eur", "customer": stripe_customer,
                                               "payment_method": "pm_card_visa", "confirm": True})
    settle(db, vault, hub)

    with db.session() as s:
        payment = s.scalars(select(Payment).where(Payment.reference == intent.id)).one()
        queued = s.scalars(select(SyncException).where(SyncException.kind == "unapplied_cash",
                                                       SyncException.status == "open")).all()
        waiting = s.scalars(select(OutboxMessage).where(OutboxMessage.record_id == payment.id,
                                                        OutboxMessage.status.in_(("pending", "failed")))).all()
    assert [(q.external_id, "42.00 EUR" in q.message) for q in queued] == [(str(payment.id), True)]
    assert waiting == []


def test_xeros_echo_of_an_overpaid_payment_leaves_the_canonical_payment_at_the_amount_received(db, vault, hub):
    invoice = invoiced(db, vault, "4500066003")
    intent = pay_in_stripe(hub, linked(db, "invoice", invoice.id, "stripe"), 120000)
    settle(db, vault, hub)
    hub.clock.advance(60)
    sync_all(db, vault, plan(db, connection="xero", entity="payment"))

    with db.session() as s:
        payment = s.scalars(select(Payment).where(Payment.reference == intent)).one()
    xero_payment = xero_get(hub, f"Payments/{linked(db, 'payment', payment.id, 'xero')}")["Payments"][0]
    assert Decimal(str(xero_payment["Amount"])) == Decimal("1000.00")
    assert (payment.amount_minor, payment.currency) == (120000, "EUR")


def test_a_payment_rewritten_after_the_store_forgot_it_is_not_booked_again_in_xero(db, vault, hub):
    invoice = invoiced(db, vault, "4500066004")
    pay_in_stripe(hub, linked(db, "invoice", invoice.id, "stripe"), 120000)
    settle(db, vault, hub)
    with db.session(write=True) as s:  # the hub loses what it wrote, and is told again
        s.execute(delete(Link).where(Link.entity == "payment", Link.system == "xero"))
        s.execute(update(OutboxMessage).where(OutboxMessage.entity == "payment").values(
            status="pending", idempotency_key=OutboxMessage.idempotency_key + ":again"))
    drain(db, vault)

    xero_invoice = xero_get(hub, f"Invoices/{linked(db, 'invoice', invoice.id, 'xero')}")["Invoices"][0]
    assert [Decimal(str(p["Amount"])) for p in xero_invoice["Payments"]] == [Decimal("1000.00")]
    contact = xero_invoice["Contact"]["ContactID"]
    found = [o for o in xero_get(hub, "Overpayments")["Overpayments"] if o["Contact"]["ContactID"] == contact]
    assert len(found) == 1
