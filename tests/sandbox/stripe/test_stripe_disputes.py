"""Disputes as Stripe runs them: funds and fee withdrawn at opening, evidence staged and
submitted once, accepted (lost) or decided won with the funds and fee reinstated; the events
and balance transactions of each step, read through stripe-python."""

import pytest
import requests
import stripe

DAY = 86400


def pay(client, amount=10000, currency="eur", method="pm_card_visa"):
    intent = client.v1.payment_intents.create(params={"amount": amount, "currency": currency,
                                                      "payment_method": method, "confirm": True})
    return client.v1.charges.retrieve(intent.latest_charge)


def open_dispute(sandbox, charge_id, **body):
    answer = requests.post(f"{sandbox.url}/__sandbox/disputes", json={"charge": charge_id, **body}, timeout=5)
    assert answer.status_code == 200, answer.text
    return answer.json()


def decide(sandbox, dispute_id, outcome, after_seconds=0):
    return requests.post(f"{sandbox.url}/__sandbox/disputes/{dispute_id}/decide",
                         json={"outcome": outcome, "after_seconds": after_seconds}, timeout=5)


def event_types(client):
    return [e.type for e in reversed(client.v1.events.list(params={"limit": 100, "type": "charge.dispute.*"}).data)]


def test_the_disputing_test_card_opens_a_fraud_dispute_with_funds_and_fee_withdrawn(client):
    charge = pay(client, method="pm_card_createDispute")
    disputes = client.v1.disputes.list(params={"charge": charge.id}).data
    assert len(disputes) == 1
    dispute = client.v1.disputes.retrieve(disputes[0].id)
    assert (dispute.object, dispute.amount, dispute.currency, dispute.reason, dispute.status) == (
        "dispute", 10000, "eur", "fraudulent", "needs_response")
    assert dispute.charge == charge.id and dispute.payment_intent == charge.payment_intent
    assert dispute.is_charge_refundable is False and dispute.livemode is False
    assert dispute.evidence_details.due_by > dispute.created and dispute.evidence_details.submission_count == 0
    assert dispute.payment_method_details.card.case_type == "chargeback"
    [txn] = dispute.balance_transactions
    assert (txn.type, txn.reporting_category, txn.amount, txn.fee, txn.net, txn.currency, txn.source) == (
        "adjustment", "dispute", -10000, 2000, -12000, "eur", dispute.id)
    assert [(d.type, d.amount, d.currency) for d in txn.fee_details] == [("stripe_fee", 2000, "eur")]
    assert client.v1.charges.retrieve(charge.id).disputed is True
    assert event_types(client) == ["charge.dispute.created", "charge.dispute.funds_withdrawn"]
    # Every declared field of stripe-python's Dispute is sent.
    declared = {k for k in stripe.Dispute.__annotations__ if k != "OBJECT_NAME"}
    assert declared <= set(dispute.to_dict())


def test_a_usd_charge_is_withdrawn_and_charged_its_fee_in_the_settlement_currency(client):
    charge = pay(client, 10000, "usd", method="pm_card_createDispute")
    dispute = client.v1.disputes.list(params={"payment_intent": charge.payment_intent}).data[0]
    txn = dispute.balance_transactions[0]
    assert (dispute.amount, dispute.currency) == (10000, "usd")
    assert (txn.currency, txn.amount, txn.fee, txn.net) == ("eur", -9200, 2000, -11200)


def test_winning_evidence_wins_and_reinstates_funds_and_fee(client):
    charge = pay(client, method="pm_card_createDispute")
    dispute = client.v1.disputes.list(params={"charge": charge.id}).data[0]
    won = client.v1.disputes.update(dispute.id, params={"evidence": {"uncategorized_text": "winning_evidence",
                                                                     "customer_name": "Acme"}})
    assert won.status == "won" and won.evidence.customer_name == "Acme"
    assert won.evidence_details.submission_count == 1 and won.evidence_details.submission_method == "manual"
    back = won.balance_transactions[1]
    assert (back.type, back.reporting_category, back.amount, back.fee, back.net) == (
        "adjustment", "dispute_reversal", 10000, -2000, 12000)
    assert event_types(client) == ["charge.dispute.created", "charge.dispute.funds_withdrawn",
                                   "charge.dispute.updated", "charge.dispute.closed",
                                   "charge.dispute.funds_reinstated"]
    closed = client.v1.events.list(params={"type": "charge.dispute.closed"}).data[0]
    assert closed.data.previous_attributes["status"] == "under_review"


def test_accepting_a_dispute_loses_it_and_moves_no_more_money(client):
    charge = pay(client)
    dispute = client.v1.disputes.list(params={"charge": charge.id}).data
    assert dispute == []
    charge = pay(client, method="pm_card_createDispute")
    dispute = client.v1.disputes.list(params={"charge": charge.id}).data[0]
    lost = client.v1.disputes.close(dispute.id)
    assert lost.status == "lost" and len(lost.balance_transactions) == 1
    with pytest.raises(stripe.InvalidRequestError, match="already closed"):
        client.v1.disputes.close(dispute.id)
    with pytest.raises(stripe.InvalidRequestError, match="already closed") as refused:
        client.v1.disputes.update(dispute.id, params={"evidence": {"customer_name": "late"}})
    assert refused.value.param == "evidence"
    # Metadata may still change.
    assert client.v1.disputes.update(dispute.id, params={"metadata": {"case": "7"}}).metadata["case"] == "7"


def test_staged_evidence_is_not_submitted_and_submitted_evidence_is_locked(client):
    charge = pay(client, method="pm_card_createDispute")
    dispute = client.v1.disputes.list(params={"charge": charge.id}).data[0]
    staged = client.v1.disputes.update(dispute.id, params={"evidence": {"product_description": "licences"},
                                                           "submit": False})
    assert staged.status == "needs_response" and staged.evidence_details.has_evidence is True
    assert staged.evidence_details.submission_count == 0
    submitted = client.v1.disputes.update(dispute.id, params={"submit": True})
    assert submitted.status == "under_review"
    with pytest.raises(stripe.InvalidRequestError, match="under review"):
        client.v1.disputes.update(dispute.id, params={"evidence": {"customer_name": "again"}})
    with pytest.raises(stripe.InvalidRequestError, match="under review"):
        client.v1.disputes.close(dispute.id)


def test_a_file_field_names_a_file_upload_the_account_does_not_have(client):
    charge = pay(client, method="pm_card_createDispute")
    dispute = client.v1.disputes.list(params={"charge": charge.id}).data[0]
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.disputes.update(dispute.id, params={"evidence": {"receipt": "file_nope"}})
    assert refused.value.param == "evidence[receipt]"


def test_unknown_parameters_and_filters_are_refused_as_stripe_does(client):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.disputes.list(params={"status": "lost"})
    assert refused.value.code == "parameter_unknown"
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.disputes.retrieve("du_missing")
    assert refused.value.code == "resource_missing"


def test_a_disputed_charge_cannot_be_refunded(client):
    charge = pay(client, method="pm_card_createDispute")
    client.v1.disputes.list()  # the dispute opens on the next request
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.create(params={"charge": charge.id})
    assert refused.value.code == "charge_disputed"


def test_the_control_decides_on_the_sandbox_clock_and_lists_page_by_created(sandbox, client):
    first, second = pay(client), pay(client, 5000)
    one = open_dispute(sandbox, first.id, reason="product_not_received")
    two = open_dispute(sandbox, second.id, amount=2000)
    assert (one["reason"], one["network_reason_code"], two["amount"]) == ("product_not_received", "13.1", 2000)
    page = client.v1.disputes.list(params={"limit": 1})
    assert [d.id for d in page.data] == [two["id"]] and page.has_more
    rest = client.v1.disputes.list(params={"limit": 1, "starting_after": two["id"]})
    assert [d.id for d in rest.data] == [one["id"]]
    assert [d.id for d in client.v1.disputes.list(params={"created": {"gte": one["created"]}}).data] == [
        two["id"], one["id"]]
    assert decide(sandbox, one["id"], "won", after_seconds=3600).status_code == 200
    assert client.v1.disputes.retrieve(one["id"]).status == "needs_response"
    sandbox.clock.advance(3601)
    assert client.v1.disputes.retrieve(one["id"]).status == "won"
    assert decide(sandbox, one["id"], "lost").status_code == 400
    again = requests.post(f"{sandbox.url}/__sandbox/disputes", json={"charge": first.id}, timeout=5)
    assert again.status_code == 400 and "already has a dispute" in again.json()["error"]


def test_a_dispute_not_answered_by_its_due_date_is_lost(sandbox, client):
    charge = pay(client)
    dispute = open_dispute(sandbox, charge.id)
    sandbox.clock.advance(9 * DAY)
    assert client.v1.disputes.retrieve(dispute["id"]).status == "lost"
