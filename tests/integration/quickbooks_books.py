"""A USD company whose books are in QuickBooks Online, paid through Stripe: the hub, the Stripe
sandbox (settling in USD, as a US account does) and the QuickBooks sandbox, with the moves the
ledger tests make and the read-backs they check. Used by tests/integration/test_quickbooks_ledger*.py."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import select

from revhub.money import to_decimal
from revhub.sandbox.quickbooks.seeding import BANK_ACCOUNT, CLEARING_ACCOUNT, FEE_ACCOUNT
from revhub.store import Connection, Invoice
from revhub.sync.jobs import plan, sync_all
from tests.integration.clients import drain, stripe_client
from tests.integration.purchase_orders import linked, submit_po
from tests.integration.test_quickbooks_sync import OtherApp

DAY = 86400
USD_STRIPE = {"stripe": {"default_currency": "usd", "settlement_currencies": ("usd",)}}


def books(db, vault, sandboxes, treatment: str):
    """Stripe and QuickBooks connected; QuickBooks books fees ``treatment``, refunds paid back
    out of the clearing account; one customer and one product, synced."""
    running = sandboxes("stripe", "quickbooks", companies=None, options=USD_STRIPE)
    with db.session(write=True) as s:
        qbo = s.scalars(select(Connection).where(Connection.name == "quickbooks")).one()
        qbo.settings = {**qbo.settings, "fee_treatment": treatment, "deposit_account_id": CLEARING_ACCOUNT,
                        "bank_account_id": BANK_ACCOUNT, "fee_account_id": FEE_ACCOUNT,
                        "refund_document": "RefundReceipt"}
    client = stripe_client(running)
    client.v1.customers.create({"name": "Harbor Freight Systems", "email": "ap@harbor.example"})
    client.v1.products.create({"name": "Platform licence", "metadata": {"sku": "RH-PLAT"}})
    synced(db, vault, running)
    drain(db, vault)
    return running


def synced(db, vault, running) -> None:
    running.clock.advance(60)
    results = sync_all(db, vault, plan(db, connection="stripe"))
    assert all(r.status == "succeeded" for r in results), [(r.entity, r.note) for r in results]


def settle(db, vault, running) -> None:
    synced(db, vault, running)
    drain(db, vault)


def invoice_po(db, vault, number: str, unit: str) -> uuid.UUID:
    """A one-licence USD PO through the intake; its invoice written to Stripe and QuickBooks."""
    po_id = submit_po(db, "ap@harbor.example", "USD", 1, unit, unit, number=number, terms="NET30")
    drain(db, vault)
    return po_id


def stripe_invoice_id(db, po_id: uuid.UUID) -> str:
    with db.session() as s:
        invoice = s.scalars(select(Invoice).where(Invoice.purchase_order_id == po_id)).one()
    return linked(db, "invoice", invoice.id, "stripe")


def pay(db, running, po_id: uuid.UUID, amount: int | None = None) -> str:
    """The invoice paid by card: in full, or ``amount`` cents (less or more than due); the intent id."""
    client = stripe_client(running)
    invoice = client.v1.invoices.retrieve(stripe_invoice_id(db, po_id))
    if amount is None:
        client.v1.invoices.pay(invoice.id, {"payment_method": "pm_card_visa"})
        [paid] = client.v1.invoice_payments.list({"invoice": invoice.id}).data
        return paid.payment.payment_intent
    intent = client.v1.payment_intents.create({"amount": amount, "currency": "usd", "customer": invoice.customer,
                                               "payment_method": "pm_card_visa", "confirm": True})
    client.v1.invoices.attach_payment(invoice.id, {"payment_intent": intent.id})
    return intent.id


def qbo(running) -> OtherApp:
    """Another app reading (and editing) the same QuickBooks company over the Accounting API."""
    return OtherApp(running["quickbooks"])


def clearing_movement(running) -> Decimal:
    """What moved through the QuickBooks clearing account: payments in, less refunds, fee
    purchases and transfers out."""
    app = qbo(running)
    paid = sum(Decimal(str(p["TotalAmt"])) for p in app.query("select * from Payment")
               if (p.get("DepositToAccountRef") or {}).get("value") == CLEARING_ACCOUNT)
    refunded = sum(Decimal(str(r["TotalAmt"])) for r in app.query("select * from RefundReceipt")
                   if r["DepositToAccountRef"]["value"] == CLEARING_ACCOUNT)
    spent = sum(Decimal(str(p["TotalAmt"])) for p in app.query("select * from Purchase")
                if p["AccountRef"]["value"] == CLEARING_ACCOUNT)
    moved = sum(Decimal(str(t["Amount"])) for t in app.query("select * from Transfer")
                if t["FromAccountRef"]["value"] == CLEARING_ACCOUNT)
    return paid - refunded - spent - moved


def stripe_balance(running) -> Decimal:
    balance = stripe_client(running).v1.balance.retrieve()
    return to_decimal(sum(b.amount for b in [*balance.available, *balance.pending] if b.currency == "usd"), "USD")
