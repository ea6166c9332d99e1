"""The natural key of a refund: the processor's refund id, carried in Xero's credit note."""

from revhub.connectors.stripe.normalize import refund as stripe_refund
from revhub.connectors.xero.normalize import refund as xero_refund
from revhub.connectors.xero.normalize import refund_reference


def test_a_credit_note_reference_yields_the_stripe_refund_id_it_quotes():
    assert refund_reference("Refund re_3PqXyZ12ab of INV-1001 (requested_by_customer)") == "re_3PqXyZ12ab"


def test_a_credit_note_quoting_no_refund_id_has_no_reference():
    assert refund_reference("Goodwill credit for INV-1001") is None
    assert refund_reference(None) is None


def test_a_word_merely_starting_with_re_is_not_a_refund_id():
    assert refund_reference("Credit: pre_release discount") is None


def test_stripe_and_xero_give_the_same_refund_the_same_reference():
    stripe_side = stripe_refund({"id": "re_abc123", "amount": 500, "currency": "eur", "status": "succeeded",
                                 "created": 1_700_000_000, "charge": "ch_1"})
    xero_side = xero_refund({"Type": "ACCRECCREDIT", "Reference": "Refund re_abc123 of INV-1", "Total": 5,
                             "CurrencyCode": "EUR", "Status": "PAID", "Date": "/Date(1700000000000+0000)/"})
    assert stripe_side["reference"] == xero_side["reference"] == "re_abc123"
