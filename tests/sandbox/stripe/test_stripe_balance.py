"""Balance transactions in the settlement currency, the balance, and daily automatic payouts."""

import pytest

DAY = 86400


def pay(client, amount, currency):
    intent = client.v1.payment_intents.create(params={"amount": amount, "currency": currency,
                                                      "payment_method": "pm_card_visa", "confirm": True})
    return client.v1.charges.retrieve(intent.latest_charge, params={"expand": ["balance_transaction"]})


def test_a_charge_in_the_settlement_currency_has_its_fee_and_net_there(client):
    txn = pay(client, 10000, "eur").balance_transaction
    assert (txn.currency, txn.amount, txn.fee, txn.net, txn.exchange_rate) == ("eur", 10000, 175, 9825, None)
    assert (txn.type, txn.reporting_category, txn.status) == ("charge", "charge", "pending")
    assert [(d.type, d.amount, d.currency) for d in txn.fee_details] == [("stripe_fee", 175, "eur")]


def test_a_charge_in_another_currency_is_converted_with_its_exchange_rate(client):
    charge = pay(client, 10000, "usd")
    txn = charge.balance_transaction
    assert (txn.currency, txn.exchange_rate, txn.amount) == ("eur", 0.92, 9200)
    # 1.5 % + 2 % conversion on the settled amount, plus €0.25.
    assert (txn.fee, txn.net) == (347, 8853)


def test_a_charge_in_a_currency_the_account_settles_in_is_not_converted(sandbox_settling_usd):
    client = sandbox_settling_usd
    txn = pay(client, 10000, "usd").balance_transaction
    assert (txn.currency, txn.amount, txn.exchange_rate) == ("usd", 10000, None)


def test_a_refund_has_its_own_negative_balance_transaction(client):
    charge = pay(client, 10000, "usd")
    refund = client.v1.refunds.create(params={"charge": charge.id, "amount": 5000,
                                              "expand": ["balance_transaction"]})
    txn = refund.balance_transaction
    assert (txn.type, txn.amount, txn.fee, txn.net, txn.currency, txn.source) == (
        "refund", -4600, 0, -4600, "eur", refund.id)


def test_balance_transactions_filter_by_type_and_source(client):
    charge = pay(client, 10000, "eur")
    client.v1.refunds.create(params={"charge": charge.id, "amount": 1000})
    assert [t.type for t in client.v1.balance_transactions.list(params={"type": "refund"}).data] == ["refund"]
    by_source = client.v1.balance_transactions.list(params={"source": charge.id}).data
    assert [t.id for t in by_source] == [charge.balance_transaction.id]


def test_funds_are_pending_then_available_on_the_sandbox_clock(sandbox, client):
    pay(client, 10000, "eur")
    before = client.v1.balance.retrieve()
    assert [(b.currency, b.amount) for b in before.pending] == [("eur", 9825)]
    sandbox.clock.advance(3 * DAY)
    after = client.v1.balance.retrieve()
    assert [(b.currency, b.amount) for b in after.pending] == [("eur", 0)]


def test_a_daily_payout_pays_out_the_available_balance_and_reconciles(sandbox, client):
    first, second = pay(client, 10000, "eur"), pay(client, 20000, "usd")
    sandbox.clock.advance(4 * DAY)
    payouts = client.v1.payouts.list().data
    assert len(payouts) == 1
    payout = payouts[0]
    settled = first.balance_transaction.net + second.balance_transaction.net
    assert (payout.amount, payout.currency, payout.automatic, payout.status) == (settled, "eur", True, "paid")
    reconciled = client.v1.balance_transactions.list(params={"payout": payout.id}).data
    assert {t.source for t in reconciled} == {first.id, second.id, payout.id}
    assert sum(t.net for t in reconciled) == 0
    assert [b.amount for b in client.v1.balance.retrieve().available] == [0]


def test_a_payout_paid_event_is_emitted(sandbox, client):
    pay(client, 10000, "eur")
    sandbox.clock.advance(5 * DAY)
    client.v1.payouts.list()
    events = client.v1.events.list(params={"type": "payout.*"}).data
    assert [e.type for e in events] == ["payout.paid", "payout.created"]
    assert events[0].data.object.status == "paid"


@pytest.fixture
def sandbox_settling_usd():
    import stripe

    from revhub.sandbox.server import SandboxServer
    from revhub.sandbox.stripe import StripeSandbox

    sb = StripeSandbox(settlement_currencies=("eur", "usd"))
    with SandboxServer(sb) as server:
        yield stripe.StripeClient(sb.api_key, base_addresses={"api": server.url}, max_network_retries=0)
    sb.close()


def test_a_huf_payout_is_a_whole_number_of_forints_and_the_rest_stays_available():
    import stripe

    from revhub.sandbox.server import SandboxServer
    from revhub.sandbox.stripe import StripeSandbox

    sb = StripeSandbox(settlement_currencies=("eur", "huf"))
    with SandboxServer(sb) as server:
        client = stripe.StripeClient(sb.api_key, base_addresses={"api": server.url}, max_network_retries=0)
        net = pay(client, 1_000_050, "huf").balance_transaction.net
        sb.clock.advance(4 * DAY)
        payout = client.v1.payouts.list().data[0]
        assert payout.amount == net - net % 100 and payout.amount % 100 == 0
        available = {b.currency: b.amount for b in client.v1.balance.retrieve().available}
        assert available["huf"] == net % 100
    sb.close()


def test_a_payouts_transactions_page_with_cursors_as_a_filter_over_every_transaction_would(sandbox, client):
    for day in range(3):  # three payouts, with other payouts' transactions between theirs
        for amount, currency in ((10000, "eur"), (2500, "usd"), (7000, "eur")):
            pay(client, amount + day, currency)
        sandbox.clock.advance(3 * DAY)
    everything = sandbox.store["balance_transaction"]
    for payout in client.v1.payouts.list().data:
        query = {"payout": payout.id}
        wanted = [t["id"] for t in everything.page({"limit": 100}, "/v1/balance_transactions",
                                                   lambda t, p=payout.id: t["_payout"] == p)["data"]]
        paged, after = [], None
        while True:  # two at a time, forwards
            page = client.v1.balance_transactions.list(params={**query, "limit": 2,
                                                               **({"starting_after": after} if after else {})})
            paged += [t.id for t in page.data]
            if not page.has_more:
                break
            after = page.data[-1].id
        backwards = client.v1.balance_transactions.list(params={**query, "ending_before": wanted[-1], "limit": 2})
        assert len(wanted) >= 3 and paged == wanted
        assert [t.id for t in backwards.data] == wanted[-3:-1]
