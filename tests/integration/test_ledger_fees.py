"""Stripe fees and payouts in the ledger (issue 10, defect 3): fees read from the balance
transactions in their own (settlement) currency, payouts with the fees they settled, and both
booked in Xero per the connection's fee treatment so the clearing account follows Stripe."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import delete, select, update

from revhub.money import to_decimal
from revhub.store import Connection, Fee, Invoice, Link, OutboxMessage, Payment, Payout
from revhub.sync.jobs import plan, sync_all
from tests.integration.clients import drain, stripe_client
from tests.integration.purchase_orders import linked, submit_po, xero_get

pytestmark = pytest.mark.store
DAY = 86400



def charge(client, amount: int, currency: str):
    intent = client.v1.payment_intents.create({"amount": amount, "currency": currency,
                                               "payment_method": "pm_card_visa", "confirm": True})
    return client.v1.charges.retrieve(intent.latest_charge, {"expand": ["balance_transaction"]})


def synced(db, vault, running) -> None:
    running.clock.advance(60)
    results = sync_all(db, vault, plan(db, connection="stripe"))
    assert all(r.status == "succeeded" for r in results), [(r.entity, r.note) for r in results]


def fee_of(db, charge_id: str) -> Fee:
    with db.session() as s:
        payment_id = s.scalar(select(Link.canonical_id).where(Link.entity == "payment", Link.system == "stripe",
                                                              Link.external_id == charge_id))
        return s.scalars(select(Fee).where(Fee.payment_id == payment_id)).one()


@pytest.fixture
def account(db, vault, sandboxes):
    return sandboxes("stripe", companies=None)


def test_a_charge_fee_is_read_in_the_balance_transactions_settlement_currency(db, vault, account):
    client = stripe_client(account)
    usd = charge(client, 10000, "usd")
    synced(db, vault, account)

    fee = fee_of(db, usd.id)
    txn = usd.balance_transaction
    assert txn.currency == "eur"  # a USD charge on a EUR account settles in EUR
    assert (fee.amount_minor, fee.currency, fee.reference) == (txn.fee, "EUR", txn.id)
    with db.session() as s:
        payment = s.scalars(select(Payment).where(Payment.reference == usd.payment_intent)).one()
    assert (payment.amount_minor, payment.currency, payment.fee_minor) == (10000, "USD", 0)


def test_a_charge_settled_in_its_own_currency_keeps_fee_and_net_on_the_payment_too(db, vault, account):
    client = stripe_client(account)
    eur = charge(client, 10000, "eur")
    synced(db, vault, account)

    txn = eur.balance_transaction
    assert (fee_of(db, eur.id).amount_minor, fee_of(db, eur.id).currency) == (txn.fee, "EUR")
    with db.session() as s:
        payment = s.scalars(select(Payment).where(Payment.reference == eur.payment_intent)).one()
    assert (payment.fee_minor, payment.net_minor) == (txn.fee, txn.net)


def test_a_payout_is_read_with_the_fees_of_the_transactions_it_settled(db, vault, account):
    client = stripe_client(account)
    charges = [charge(client, 10000, "eur"), charge(client, 5000, "usd")]
    synced(db, vault, account)
    account.clock.advance(4 * DAY)
    synced(db, vault, account)

    [remote] = client.v1.payouts.list().data
    settled = client.v1.balance_transactions.list({"payout": remote.id}).data
    with db.session() as s:
        [payout] = s.scalars(select(Payout)).all()
    assert (payout.reference, payout.amount_minor, payout.currency) == (remote.id, remote.amount, "EUR")
    assert payout.fee_minor == sum(t.fee for t in settled if t.type != "payout") == \
        sum(c.balance_transaction.fee for c in charges)
    assert payout.status == remote.status


def test_fees_are_listed_in_pages_never_fetched_one_charge_at_a_time(db, vault, account):
    client = stripe_client(account)
    charge(client, 1000, "eur")
    synced(db, vault, account)  # the first run lists; later runs walk events
    log = account["stripe"].sandbox.requests
    log.clear()
    for amount in (2000, 3000, 4000, 5000):
        charge(client, amount, "eur")
    synced(db, vault, account)

    one_by_one = [r.path for r in log.entries() if r.path.startswith("/v1/balance_transactions/")]
    assert one_by_one == []
    with db.session() as s:
        assert sorted(f.amount_minor for f in s.scalars(select(Fee))) == sorted(
            t.fee for t in client.v1.balance_transactions.list({"type": "charge"}).data)
        assert [p.fee_minor > 0 for p in s.scalars(select(Payment))] == [True] * 5


# -- booked in Xero ------------------------------------------------------------------------


def books(db, vault, sandboxes, treatment: str):
    """A EUR company invoiced from a PO, on a Xero connection booking fees ``treatment``."""
    running = sandboxes("stripe", "xero", companies=None)
    with db.session(write=True) as s:
        xero = s.scalars(select(Connection).where(Connection.name == "xero")).one()
        xero.settings = {**xero.settings, "fee_treatment": treatment, "clearing_account_code": "091",
                         "bank_account_code": "090", "fee_account_code": "404"}
    client = stripe_client(running)
    client.v1.customers.create({"name": "Fjord Analytics", "email": "ap@fjord.example"})
    client.v1.products.create({"name": "Platform licence", "metadata": {"sku": "RH-PLAT"}})
    synced(db, vault, running)
    return running


def pay_po(db, vault, running, number: str, unit: str) -> None:
    po_id = submit_po(db, "ap@fjord.example", "EUR", 1, unit, unit, number=number, terms="NET30")
    drain(db, vault)
    with db.session() as s:
        invoice = s.scalars(select(Invoice).where(Invoice.purchase_order_id == po_id)).one()
    stripe_client(running).v1.invoices.pay(linked(db, "invoice", invoice.id, "stripe"),
                                           {"payment_method": "pm_card_visa"})


def bank_transactions(running, kind: str) -> list[dict]:
    return [t for t in xero_get(running, "BankTransactions")["BankTransactions"]
            if t["Type"] == kind and t.get("Status") != "DELETED"]


def clearing_movement(running) -> Decimal:
    """What the hub moved through the Xero clearing account 091: receipts less fees and transfers."""
    received = sum(Decimal(str(p["Amount"])) for p in xero_get(running, "Payments")["Payments"]
                   if p["Account"].get("Code") == "091" and p.get("Status") != "DELETED")
    spent = sum(Decimal(str(t["Total"])) for t in bank_transactions(running, "SPEND")
                if t["BankAccount"].get("Code") == "091")
    moved = sum(Decimal(str(t["Amount"])) for t in xero_get(running, "BankTransfers")["BankTransfers"]
                if t["FromBankAccount"].get("Code") == "091")
    return received - spent - moved


def stripe_balance(running, currency: str) -> Decimal:
    balance = stripe_client(running).v1.balance.retrieve()
    minor = sum(b.amount for b in [*balance.available, *balance.pending] if b.currency == currency.lower())
    return to_decimal(minor, currency)


def test_per_payout_fees_and_the_payout_transfer_leave_the_clearing_account_equal_to_stripes_balance(
        db, vault, sandboxes):
    running = books(db, vault, sandboxes, "per_payout")
    pay_po(db, vault, running, "4500055001", "1000.00")
    pay_po(db, vault, running, "4500055002", "250.00")
    synced(db, vault, running)
    drain(db, vault)
    running.clock.advance(4 * DAY)
    synced(db, vault, running)
    drain(db, vault)

    [payout] = stripe_client(running).v1.payouts.list().data
    settled = stripe_client(running).v1.balance_transactions.list({"payout": payout.id}).data
    fees = [t for t in bank_transactions(running, "SPEND") if payout.id in (t.get("Reference") or "")]
    assert [(Decimal(str(t["Total"])), t["LineItems"][0]["AccountCode"]) for t in fees] == \
        [(to_decimal(sum(t.fee for t in settled if t.type != "payout"), "EUR"), "404")]
    [transfer] = [t for t in xero_get(running, "BankTransfers")["BankTransfers"]
                  if payout.id in (t.get("Reference") or "")]
    assert (transfer["FromBankAccount"]["Code"], transfer["ToBankAccount"]["Code"]) == ("091", "090")
    assert Decimal(str(transfer["Amount"])) == to_decimal(payout.amount, "EUR")
    assert clearing_movement(running) == stripe_balance(running, "EUR")


def test_per_charge_fees_are_one_spend_each_in_the_settlement_currency(db, vault, sandboxes):
    running = books(db, vault, sandboxes, "per_charge")
    pay_po(db, vault, running, "4500055003", "1000.00")
    pay_po(db, vault, running, "4500055004", "250.00")
    synced(db, vault, running)
    drain(db, vault)

    charges = stripe_client(running).v1.balance_transactions.list({"type": "charge"}).data
    spent = {t["Reference"]: Decimal(str(t["Total"])) for t in bank_transactions(running, "SPEND")}
    assert spent == {f"Stripe fee {t.id}": to_decimal(t.fee, t.currency.upper()) for t in charges}
    assert clearing_movement(running) == stripe_balance(running, "EUR")


def test_a_resync_from_an_empty_store_books_no_fee_or_payout_twice(db, vault, sandboxes):
    running = books(db, vault, sandboxes, "per_payout")
    pay_po(db, vault, running, "4500055005", "1000.00")
    running.clock.advance(4 * DAY)
    synced(db, vault, running)
    drain(db, vault)
    with db.session(write=True) as s:  # the hub forgets what it booked, and is told again
        s.execute(delete(Link).where(Link.entity.in_(("payout", "fee")), Link.system == "xero"))
        s.execute(update(OutboxMessage).where(OutboxMessage.entity.in_(("payout", "fee"))).values(
            status="pending", idempotency_key=OutboxMessage.idempotency_key + ":again"))
    drain(db, vault)

    [payout] = stripe_client(running).v1.payouts.list().data
    assert len([t for t in bank_transactions(running, "SPEND") if payout.id in (t.get("Reference") or "")]) == 1
    assert len([t for t in xero_get(running, "BankTransfers")["BankTransfers"]
                if payout.id in (t.get("Reference") or "")]) == 1
