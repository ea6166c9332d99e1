"""Stripe fees and payouts in the ledger (issue 10, defect 3): fees read from the balance
transactions in their own (settlement) currency, payouts with the fees they settled, and both
booked in Xero per the connection's fee treatment so the clearing account follows Stripe."""

from __future__ import annotations

import pytest
import stripe
from sqlalchemy import select

from revhub.store import Fee, Link, Payment, Payout
from revhub.sync.jobs import plan, sync_all

pytestmark = pytest.mark.store
DAY = 86400


def stripe_client(running) -> stripe.StripeClient:
    return stripe.StripeClient(running["stripe"].credentials["api_key"],
                               base_addresses={"api": running["stripe"].url}, max_network_retries=0)


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
