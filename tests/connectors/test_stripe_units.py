"""Stripe's units → ISO minor units on every amount read from Stripe (no network).

Stripe holds ISK and UGX as two decimals (ISO: none) and MGA as whole units (ISO: two);
https://docs.stripe.com/currencies#special-cases."""

from revhub.connectors.base import Ref
from revhub.connectors.stripe import balance
from revhub.connectors.stripe import normalize as st


def test_an_isk_charge_its_fee_net_and_allocation_are_read_in_iso_minor_units():
    charge = {"id": "ch_1", "object": "charge", "amount": 1000000, "amount_captured": 1000000, "currency": "isk",
              "status": "succeeded", "created": 1762000000, "payment_intent": "pi_1",
              "balance_transaction": {"id": "txn_1", "currency": "isk", "fee": 30000, "net": 970000}}
    record = st.payment(charge, [("in_1", 1000000)])
    assert (record["amount_minor"], record["fee_minor"], record["net_minor"]) == (10000, 300, 9700)
    assert record["allocations"] == [{"invoice_id": Ref("invoice", "in_1"), "amount_minor": 10000}]


def test_an_mga_refund_is_read_in_iso_minor_units():
    refund = {"id": "re_1", "object": "refund", "amount": 500, "currency": "mga", "charge": "ch_1",
              "status": "succeeded", "created": 1762000000}
    assert st.refund(refund)["amount_minor"] == 50000


def test_an_mga_fee_and_payout_are_read_in_iso_minor_units():
    txn = {"id": "txn_2", "type": "charge", "currency": "mga", "fee": 90, "source": "ch_1", "created": 1762000000}
    payout = {"id": "po_1", "amount": 2910, "currency": "mga", "status": "paid", "created": 1762000000,
              "arrival_date": 1762100000}
    assert balance.fee(txn)["amount_minor"] == 9000
    assert (balance.payout(payout, [txn])["amount_minor"], balance.payout(payout, [txn])["fee_minor"]) == \
        (291000, 9000)


def test_a_ugx_price_is_read_in_iso_minor_units():
    product = {"id": "prod_1", "name": "Licence", "active": True,
               "default_price": {"unit_amount": 5000000, "currency": "ugx"}}
    assert st.product(product)["unit_amount_minor"] == 50000


def test_a_eur_charge_keeps_its_cents():
    charge = {"id": "ch_2", "amount": 12345, "currency": "eur", "status": "succeeded", "created": 1762000000,
              "balance_transaction": {"id": "txn_3", "currency": "eur", "fee": 205, "net": 12140}}
    record = st.payment(charge)
    assert (record["amount_minor"], record["fee_minor"], record["net_minor"]) == (12345, 205, 12140)
