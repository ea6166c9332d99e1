"""Money beyond the amount due (issue 10, defect 4): 1,200 paid on a 1,000 invoice is 1,000
allocated and 200 held in Xero as the customer's credit (an overpayment), and the console's
exception queue says so; money that pays no invoice is queued as unapplied cash (issue 10, 12)."""

from __future__ import annotations

import pytest
import stripe
from sqlalchemy import select

from revhub.mappings.outbox import OutboxWorker
from revhub.store import Customer, Invoice, OutboxMessage, Payment, SyncException
from revhub.sync.jobs import plan, sync_all
from tests.integration.purchase_orders import linked, submit_po

pytestmark = pytest.mark.store


def drain(db, vault) -> None:
    result = OutboxWorker(db, vault, "test-worker").drain()
    if result.dead:
        with db.session() as s:
            dead = s.scalars(select(OutboxMessage).where(OutboxMessage.status == "dead")).all()
            raise AssertionError([(m.target_system, m.entity, m.last_error) for m in dead])


@pytest.fixture
def hub(db, vault, sandboxes):
    running = sandboxes("stripe", "xero", companies=3)
    sync_all(db, vault, plan(db))
    drain(db, vault)
    return running


def stripe_client(running) -> stripe.StripeClient:
    return stripe.StripeClient(running["stripe"].credentials["api_key"],
                               base_addresses={"api": running["stripe"].url}, max_network_retries=0)


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
