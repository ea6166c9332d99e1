"""A Stripe dispute as Stripe sends it, and the canonical dispute it becomes (pure)."""

from revhub.connectors.base import Ref
from revhub.connectors.stripe.disputes import dispute

WON_USD = {
    "id": "du_1", "object": "dispute", "amount": 10000, "currency": "usd", "charge": "ch_1",
    "payment_intent": "pi_1", "reason": "product_not_received", "status": "won", "created": 1764072000,
    "evidence_details": {"due_by": 1764719999, "has_evidence": True, "submission_count": 1},
    "balance_transactions": [
        {"id": "txn_1", "amount": -9200, "fee": 2000, "net": -11200, "currency": "eur", "type": "adjustment",
         "reporting_category": "dispute"},
        {"id": "txn_2", "amount": 9200, "fee": -2000, "net": 11200, "currency": "eur", "type": "adjustment",
         "reporting_category": "dispute_reversal"}],
}


def test_a_won_dispute_keeps_its_movements_in_the_settlement_currency():
    record = dispute(WON_USD, {"id": "ch_1", "customer": "cus_1"}, "in_1", closed_at=1764500000)
    assert record == {
        "reference": "du_1", "payment_id": Ref("payment", "ch_1"), "customer_id": Ref("customer", "cus_1"),
        "invoice_id": Ref("invoice", "in_1"), "amount_minor": 10000, "currency": "USD",
        "reason": "product_not_received", "status": "won", "evidence_due_by": "2025-12-02T23:59:59+00:00",
        "opened_at": "2025-11-25T12:00:00+00:00", "closed_at": "2025-11-30T10:53:20+00:00",
        "settled_currency": "EUR", "withdrawn_minor": 9200, "reinstated_minor": 9200, "fee_minor": 2000,
        "fee_returned_minor": 2000}


def test_stripes_statuses_read_as_the_neutral_ones_and_unknowns_are_left_out():
    for stripe_status, ours in (("warning_needs_response", "open"), ("needs_response", "open"),
                                ("under_review", "under_review"), ("lost", "lost"), ("warning_closed", "closed"),
                                ("prevented", "closed")):
        record = dispute({**WON_USD, "status": stripe_status, "balance_transactions": []})
        assert record["status"] == ours
        # Without the charge or its invoice at hand, the record does not claim there is none.
        assert "customer_id" not in record and "invoice_id" not in record and "withdrawn_minor" not in record
    assert "closed_at" not in dispute({**WON_USD, "status": "needs_response"}, closed_at=1764500000)
