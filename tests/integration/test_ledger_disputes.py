"""Disputes end to end (issues 13 and 14): a chargeback on an invoice's Stripe payment is
pulled into the store linked to its payment, invoice and customer; the money Stripe withdrew
(and its fee) reaches Xero, so the clearing account still equals Stripe's balance; and the
books check balances with disputes present, or names a dispute Xero does not hold."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import delete, select

from revhub.ledger.sources import run_check
from revhub.money import to_decimal
from revhub.store import AuditEntry, Connection, Dispute, Invoice, OutboxMessage, Payment
from revhub.sync.jobs import plan, sync_all
from tests.integration.clients import drain, stripe_client
from tests.integration.purchase_orders import linked, submit_po, xero_get

pytestmark = pytest.mark.store


def synced(db, vault, running) -> None:
    running.clock.advance(60)
    results = sync_all(db, vault, plan(db, connection="stripe"))
    assert all(r.status == "succeeded" for r in results), [(r.entity, r.note) for r in results]


@pytest.fixture
def books(db, vault, sandboxes):
    """A EUR company on Stripe and Xero; Xero books each charge's fee (the demo's treatment)."""
    running = sandboxes("stripe", "xero", companies=None)
    with db.session(write=True) as s:
        xero = s.scalars(select(Connection).where(Connection.name == "xero")).one()
        xero.settings = {**xero.settings, "fee_treatment": "per_charge", "clearing_account_code": "091",
                         "bank_account_code": "090", "fee_account_code": "404"}
    client = stripe_client(running)
    client.v1.customers.create({"name": "Fjord Analytics", "email": "ap@fjord.example"})
    client.v1.products.create({"name": "Platform licence", "metadata": {"sku": "RH-PLAT"}})
    synced(db, vault, running)
    return running


def disputed_invoice(db, vault, running, number: str = "4500066001", unit: str = "1000.00"):
    """A PO invoiced in Stripe and paid with Stripe's disputing test card: (invoice id, dispute)."""
    po_id = submit_po(db, "ap@fjord.example", "EUR", 1, unit, unit, number=number, terms="NET30")
    drain(db, vault)
    with db.session() as s:
        invoice = s.scalars(select(Invoice).where(Invoice.purchase_order_id == po_id)).one()
    client = stripe_client(running)
    paid = client.v1.invoices.pay(linked(db, "invoice", invoice.id, "stripe"),
                                  {"payment_method": "pm_card_createDispute"})
    [dispute] = client.v1.disputes.list({"created": {"gte": paid.created}}).data
    return invoice.id, dispute


def stored_dispute(db, reference: str) -> Dispute:
    with db.session() as s:
        return s.scalars(select(Dispute).where(Dispute.reference == reference)).one()


def bank_transactions(running, kind: str) -> list[dict]:
    return [t for t in xero_get(running, "BankTransactions")["BankTransactions"]
            if t["Type"] == kind and t.get("Status") != "DELETED"]


def clearing_movement(running) -> Decimal:
    """What the hub moved through the Xero clearing account 091."""
    received = sum(Decimal(str(p["Amount"])) for p in xero_get(running, "Payments")["Payments"]
                   if p["Account"].get("Code") == "091" and p.get("Status") != "DELETED")
    spent = sum(Decimal(str(t["Total"])) for t in bank_transactions(running, "SPEND")
                if t["BankAccount"].get("Code") == "091")
    back = sum(Decimal(str(t["Total"])) for t in bank_transactions(running, "RECEIVE")
               if t["BankAccount"].get("Code") == "091")
    moved = sum(Decimal(str(t["Amount"])) for t in xero_get(running, "BankTransfers")["BankTransfers"]
                if t["FromBankAccount"].get("Code") == "091")
    return received - spent + back - moved


def stripe_balance(running, currency: str) -> Decimal:
    balance = stripe_client(running).v1.balance.retrieve()
    minor = sum(b.amount for b in [*balance.available, *balance.pending] if b.currency == currency.lower())
    return to_decimal(minor, currency)


def test_a_dispute_is_pulled_linked_to_its_payment_invoice_and_customer_and_follows_stripe(db, vault, books):
    invoice_id, remote = disputed_invoice(db, vault, books)
    synced(db, vault, books)

    ours = stored_dispute(db, remote.id)
    with db.session() as s:
        payment = s.scalars(select(Payment).where(Payment.reference == remote.payment_intent)).one()
        invoice = s.get(Invoice, invoice_id)
        audited = s.scalars(select(AuditEntry).where(AuditEntry.entity == "dispute",
                                                     AuditEntry.record_id == ours.id)).all()
    assert (ours.status, ours.amount_minor, ours.currency, ours.reason) == ("open", 100000, "EUR", "fraudulent")
    assert (ours.payment_id, ours.invoice_id, ours.customer_id) == (payment.id, invoice.id, invoice.customer_id)
    txn = remote.balance_transactions[0]
    assert (ours.settled_currency, ours.withdrawn_minor, ours.fee_minor) == ("EUR", -txn.amount, txn.fee)
    assert ours.evidence_due_by.timestamp() == remote.evidence_details.due_by
    assert audited, "every canonical change leaves an audit entry"

    stripe_client(books).v1.disputes.close(remote.id)
    synced(db, vault, books)
    lost = stored_dispute(db, remote.id)
    assert lost.status == "lost" and lost.closed_at is not None and lost.version > ours.version


def test_a_lost_dispute_reaches_xero_and_the_clearing_account_still_equals_stripes_balance(db, vault, books):
    _, remote = disputed_invoice(db, vault, books)
    synced(db, vault, books)
    drain(db, vault)
    stripe_client(books).v1.disputes.close(remote.id)
    synced(db, vault, books)
    drain(db, vault)

    txn = remote.balance_transactions[0]
    [withdrawal] = [t for t in bank_transactions(books, "SPEND") if remote.id in (t.get("Reference") or "")]
    lines = {(line["AccountCode"], Decimal(str(line["LineAmount"]))) for line in withdrawal["LineItems"]}
    assert lines == {("615", to_decimal(-txn.amount, "EUR")), ("404", to_decimal(txn.fee, "EUR"))}
    assert withdrawal["BankAccount"]["Code"] == "091"
    [journal] = [j for j in xero_get(books, "ManualJournals")["ManualJournals"]
                 if remote.id in (j.get("Narration") or "")]
    moved = {line["AccountCode"]: Decimal(str(line["LineAmount"])) for line in journal["JournalLines"]}
    assert moved == {"497": to_decimal(-txn.amount, "EUR"), "615": -to_decimal(-txn.amount, "EUR")}
    assert clearing_movement(books) == stripe_balance(books, "EUR")
    report = run_check(db, vault)
    assert report.balanced, [d.message for d in report.differences]

    # Booked once: a rerun of the same versions books nothing again.
    with db.session(write=True) as s:
        for message in s.scalars(select(OutboxMessage).where(OutboxMessage.entity == "dispute")):
            message.status = "pending"
    drain(db, vault)
    assert len([t for t in bank_transactions(books, "SPEND") if remote.id in (t.get("Reference") or "")]) == 1


def test_a_won_dispute_gives_back_the_money_and_the_fee_in_xero_too(db, vault, books):
    _, remote = disputed_invoice(db, vault, books, number="4500066002", unit="250.00")
    synced(db, vault, books)
    drain(db, vault)
    won = stripe_client(books).v1.disputes.update(remote.id, {"evidence": {"uncategorized_text": "winning_evidence"}})
    assert won.status == "won"
    synced(db, vault, books)
    drain(db, vault)

    assert stored_dispute(db, remote.id).status == "won"
    [back] = [t for t in bank_transactions(books, "RECEIVE") if remote.id in (t.get("Reference") or "")]
    assert Decimal(str(back["Total"])) == to_decimal(won.balance_transactions[1].net, "EUR")
    assert clearing_movement(books) == stripe_balance(books, "EUR")
    report = run_check(db, vault)
    assert report.balanced, [d.message for d in report.differences]


def test_the_books_check_names_a_dispute_xero_does_not_hold(db, vault, books):
    _, remote = disputed_invoice(db, vault, books, number="4500066003", unit="400.00")
    synced(db, vault, books)
    with db.session(write=True) as s:  # the booking is lost: Xero never hears of the dispute
        s.execute(delete(OutboxMessage).where(OutboxMessage.entity == "dispute"))
    drain(db, vault)

    report = run_check(db, vault)
    named = [d for d in report.differences if d.kind == "dispute"]
    assert not report.balanced and named, [d.message for d in report.differences]
    assert remote.id in named[0].message and named[0].sides == ["xero"]


def test_fees_booked_per_payout_take_the_dispute_fee_with_the_payout_and_the_books_balance(db, vault, books):
    with db.session(write=True) as s:
        xero = s.scalars(select(Connection).where(Connection.name == "xero")).one()
        xero.settings = {**xero.settings, "fee_treatment": "per_payout"}
    disputed_invoice(db, vault, books, number="4500066004", unit="1000.00")  # funds: 1,000 in, 1,000 + fee out
    po_id = submit_po(db, "ap@fjord.example", "EUR", 1, "3000.00", "3000.00", number="4500066005", terms="NET30")
    drain(db, vault)
    with db.session() as s:
        invoice = s.scalars(select(Invoice).where(Invoice.purchase_order_id == po_id)).one()
    stripe_client(books).v1.invoices.pay(linked(db, "invoice", invoice.id, "stripe"),
                                         {"payment_method": "pm_card_visa"})
    synced(db, vault, books)
    drain(db, vault)
    books.clock.advance(4 * 86400)  # available, paid out, landed
    synced(db, vault, books)
    drain(db, vault)

    [payout] = stripe_client(books).v1.payouts.list().data
    settled = stripe_client(books).v1.balance_transactions.list({"payout": payout.id}).data
    assert "adjustment" in {t.type for t in settled}
    [fees] = [t for t in bank_transactions(books, "SPEND") if payout.id in (t.get("Reference") or "")]
    assert Decimal(str(fees["Total"])) == to_decimal(sum(t.fee for t in settled if t.type != "payout"), "EUR")
    assert clearing_movement(books) == stripe_balance(books, "EUR")
    report = run_check(db, vault)
    assert report.balanced, [d.message for d in report.differences]
