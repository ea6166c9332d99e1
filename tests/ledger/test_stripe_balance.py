"""Stripe balance transactions and payouts as canonical fees and payouts (pure normalizers)."""

from revhub.connectors.base import Ref
from revhub.connectors.stripe.balance import fee, has_fee, payout, settled_in_own_currency

USD_CHARGE_ON_EUR_ACCOUNT = {"id": "txn_1", "object": "balance_transaction", "type": "charge", "amount": 9200,
                             "currency": "eur", "exchange_rate": 0.92, "fee": 347, "net": 8853,
                             "source": "ch_1", "created": 1_795_000_000}


def test_a_fee_is_in_the_balance_transactions_currency_not_the_charges():
    assert fee(USD_CHARGE_ON_EUR_ACCOUNT) == {"reference": "txn_1", "payment_id": Ref("payment", "ch_1"),
                                              "amount_minor": 347, "currency": "EUR",
                                              "incurred_at": "2026-11-18T11:06:40+00:00"}


def test_only_charges_with_a_fee_are_fees():
    assert has_fee(USD_CHARGE_ON_EUR_ACCOUNT)
    assert not has_fee({**USD_CHARGE_ON_EUR_ACCOUNT, "type": "refund", "fee": 0})
    assert not has_fee({**USD_CHARGE_ON_EUR_ACCOUNT, "type": "payout", "fee": 0})
    assert not has_fee({**USD_CHARGE_ON_EUR_ACCOUNT, "fee": 0})


def test_a_payout_sums_the_fees_of_what_it_settled_but_not_its_own_transaction():
    settled = [USD_CHARGE_ON_EUR_ACCOUNT, {"type": "charge", "fee": 175}, {"type": "refund", "fee": 0},
               {"type": "payout", "fee": 999}]
    record = payout({"id": "po_1", "amount": 18_000, "currency": "eur", "status": "paid",
                     "created": 1_795_000_000, "arrival_date": 1_795_086_400}, settled)
    assert (record["reference"], record["amount_minor"], record["fee_minor"], record["currency"],
            record["status"], record["arrival_date"]) == ("po_1", 18_000, 522, "EUR", "paid", "2026-11-19")


def test_a_charge_keeps_fee_and_net_on_the_payment_only_when_settled_in_its_own_currency():
    assert not settled_in_own_currency({"currency": "usd", "balance_transaction": USD_CHARGE_ON_EUR_ACCOUNT})
    assert settled_in_own_currency({"currency": "eur", "balance_transaction": USD_CHARGE_ON_EUR_ACCOUNT})
    assert not settled_in_own_currency({"currency": "eur", "balance_transaction": "txn_1"})  # not expanded
