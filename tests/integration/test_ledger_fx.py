"""Foreign-currency money booked by the hub at the rate Stripe realised (issue 10, the books
balance): a USD or JPY charge on a Stripe account that settles in EUR is paid into the EUR
clearing account 091 in Xero with a ``CurrencyRate``, so Xero's ``BankAmount`` is exactly what
Stripe's balance moved, and so is a partial refund's, and the books check finds no difference."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import select
from xero_python.accounting import AccountingApi
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token

from revhub.ledger.sources import run_check
from revhub.money import to_decimal
from revhub.store import Invoice, Payment, Refund
from revhub.sync.jobs import plan, sync_all
from tests.integration.clients import drain, stripe_client
from tests.integration.purchase_orders import linked, submit_po

pytestmark = pytest.mark.store



def accounting(running) -> tuple[AccountingApi, str]:
    """xero-python against the Xero sandbox, with a token of its own, and the tenant id."""
    xero = running["xero"]
    token = xero.sandbox.issue_token()
    client = ApiClient(Configuration(oauth2_token=OAuth2Token()), pool_threads=1)
    client.oauth2_token_getter(lambda: token)
    client.oauth2_token_saver(lambda _: None)
    return AccountingApi(client, base_url=xero.url + "/api.xro/2.0"), xero.settings["tenant_id"]


def synced(db, vault, running) -> None:
    running.clock.advance(60)
    results = sync_all(db, vault, plan(db, connection="stripe"))
    assert all(r.status == "succeeded" for r in results), [(r.entity, r.note) for r in results]




@pytest.fixture
def books(db, vault, sandboxes):
    """Stripe (a EUR account) and Xero (EUR base, clearing 091), a customer and a product."""
    running = sandboxes("stripe", "xero", companies=None)
    client = stripe_client(running)
    client.v1.customers.create({"name": "Fjord Analytics", "email": "ap@fjord.example"})
    client.v1.products.create({"name": "Platform licence", "metadata": {"sku": "RH-PLAT"}})
    synced(db, vault, running)
    return running


def paid_in_stripe(db, vault, running, currency: str, unit: str, number: str) -> Payment:
    """A PO in ``currency`` invoiced to Stripe and Xero, paid by card in Stripe, synced and
    written back to Xero; the canonical payment."""
    po_id = submit_po(db, "ap@fjord.example", currency, 1, unit, unit, number=number, terms="NET30")
    drain(db, vault)
    with db.session() as s:
        invoice = s.scalars(select(Invoice).where(Invoice.purchase_order_id == po_id)).one()
    stripe_client(running).v1.invoices.pay(linked(db, "invoice", invoice.id, "stripe"),
                                           {"payment_method": "pm_card_visa"})
    synced(db, vault, running)
    drain(db, vault)
    with db.session() as s:
        return s.scalars(select(Payment).where(Payment.currency == currency)).one()


def charge_txn(running, payment: Payment):
    intent = stripe_client(running).v1.payment_intents.retrieve(
        payment.reference, {"expand": ["latest_charge.balance_transaction"]})
    return intent.latest_charge, intent.latest_charge.balance_transaction


def named(report, *ids: str) -> list[str]:
    """The differences that name any of ``ids``, as text."""
    return [f"{d.kind} {d.problem}: {d.message}" for d in report.differences
            if any(i in found for found in d.records.values() for i in ids)]


@pytest.mark.parametrize("currency, unit", [("USD", "1234.56"), ("JPY", "123457")])
def test_a_foreign_payment_moves_xeros_clearing_account_by_exactly_what_stripe_settled(
        db, vault, books, currency, unit):
    payment = paid_in_stripe(db, vault, books, currency, unit, f"45000{currency}01")
    charge, txn = charge_txn(books, payment)
    assert (txn.currency, charge.currency) == ("eur", currency.lower())  # Stripe converted it

    api, tenant = accounting(books)
    [booked] = api.get_payment(tenant, linked(db, "payment", payment.id, "xero")).payments
    assert booked.account.code == "091"
    assert Decimal(str(booked.amount)) == Decimal(unit)
    assert Decimal(str(booked.bank_amount)) == to_decimal(txn.amount, "EUR")
    assert named(run_check(db, vault), charge.id, booked.payment_id) == []


@pytest.mark.parametrize("currency, unit, refunded", [("USD", "1234.56", 23_457), ("JPY", "123457", 23_457)])
def test_a_partial_refund_of_a_foreign_payment_moves_the_clearing_account_by_what_stripe_refunded(
        db, vault, books, currency, unit, refunded):
    payment = paid_in_stripe(db, vault, books, currency, unit, f"45000{currency}02")
    charge, _ = charge_txn(books, payment)
    refund = stripe_client(books).v1.refunds.create({"charge": charge.id, "amount": refunded})
    synced(db, vault, books)
    drain(db, vault)
    txn = stripe_client(books).v1.refunds.retrieve(refund.id, {"expand": ["balance_transaction"]}).balance_transaction
    assert txn.currency == "eur"

    with db.session() as s:
        ours = s.scalars(select(Refund).where(Refund.reference == refund.id)).one()
    api, tenant = accounting(books)
    [note] = api.get_credit_note(tenant, linked(db, "refund", ours.id, "xero")).credit_notes
    [paid_out] = api.get_payment(tenant, note.payments[0].payment_id).payments
    assert paid_out.account.code == "091"
    assert Decimal(str(paid_out.amount)) == to_decimal(refunded, currency)
    assert Decimal(str(paid_out.bank_amount)) == to_decimal(abs(txn.amount), "EUR")
    assert named(run_check(db, vault), refund.id, paid_out.payment_id, note.credit_note_id) == []


def test_an_over_payments_parts_move_the_clearing_account_by_exactly_what_stripe_settled_in_all(db, vault, books):
    po_id = submit_po(db, "ap@fjord.example", "USD", 1, "1000.00", "1000.00", number="45000USD03", terms="NET30")
    drain(db, vault)
    with db.session() as s:
        invoice = s.scalars(select(Invoice).where(Invoice.purchase_order_id == po_id)).one()
    client = stripe_client(books)
    remote = client.v1.invoices.retrieve(linked(db, "invoice", invoice.id, "stripe"))
    intent = client.v1.payment_intents.create({"amount": 123_456, "currency": "usd", "customer": remote.customer,
                                               "payment_method": "pm_card_visa", "confirm": True})
    client.v1.invoices.attach_payment(remote.id, {"payment_intent": intent.id})
    synced(db, vault, books)
    drain(db, vault)
    txn = client.v1.payment_intents.retrieve(
        intent.id, {"expand": ["latest_charge.balance_transaction"]}).latest_charge.balance_transaction

    api, tenant = accounting(books)
    [paid] = [p for p in api.get_payments(tenant).payments if p.reference == intent.id]
    [credit] = [t for t in api.get_bank_transactions(tenant).bank_transactions
                if t.type == "RECEIVE-OVERPAYMENT" and intent.id in (t.reference or "")]
    assert (Decimal(str(paid.amount)), Decimal(str(credit.total))) == (Decimal("1000.00"), Decimal("234.56"))
    # A bank transaction moves its account by Total / CurrencyRate, at two decimals like every amount.
    rate = Decimal(str(credit.currency_rate))
    credit_moved = (Decimal(str(credit.total)) / rate).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert Decimal(str(paid.bank_amount)) + credit_moved == to_decimal(txn.amount, "EUR")
