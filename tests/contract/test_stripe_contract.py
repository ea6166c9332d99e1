"""The Stripe calls revhub makes (revhub/connectors/stripe), through the real SDK, with the shapes
of their answers asserted: on the sandbox always, on a real test-mode account when
``REVHUB_CONTRACT_STRIPE_KEY`` is set. The two runs are the same tests, so a difference between
the sandbox and Stripe shows as a test that passes on one target and fails on the other.
"""

from __future__ import annotations

import time
import uuid
from decimal import Decimal

import pytest
import stripe

# Fields Stripe leaves out unless asked for with ``expand`` (https://docs.stripe.com/api/expanding_objects).
INCLUDABLE = {"customer": {"cash_balance", "invoice_credit_balance", "sources", "subscriptions", "tax", "tax_ids"},
              "invoice": {"confirmation_secret", "payments"}, "price": {"currency_options", "tiers"}}


def fields_missing(obj: stripe.StripeObject, cls: type, kind: str) -> set[str]:
    """Fields the SDK's resource class declares that the answer lacks (includables aside)."""
    declared = {k for k in cls.__annotations__ if k not in ("OBJECT_NAME", "deleted")}
    return declared - set(obj.to_dict()) - INCLUDABLE.get(kind, set())


def key() -> dict:
    """Request options with a fresh idempotency key, as revhub sends on every write."""
    return {"idempotency_key": f"contract-{uuid.uuid4()}"}


def customer_params(tag: str) -> dict:
    """What revhub's pusher sends for a customer (revhub/connectors/stripe/push.py)."""
    return {"name": f"Contract {tag}", "email": f"ap+{tag}@contract.example",
            "address": {"line1": "Keizersgracht 1", "city": "Amsterdam", "postal_code": "1015 CJ", "country": "NL"},
            "metadata": {"revhub_id": str(uuid.uuid4()), "tax_id": "NL123456789B01"}}


@pytest.fixture
def customer(stripe_target):
    created = stripe_target.client.v1.customers.create(params=customer_params(uuid.uuid4().hex[:8]), options=key())
    yield created
    try:
        stripe_target.client.v1.customers.delete(created.id)
    except stripe.StripeError:
        pass  # a customer with finalized invoices is kept by Stripe; nothing to undo then


def draft_invoice(target, customer, lines=True):
    """create → add_lines, as revhub writes a PO's invoice (send_invoice, PO number, due date ahead)."""
    client = target.client
    product = client.v1.products.create(params={"name": "Contract licence"}, options=key())
    invoice = client.v1.invoices.create(params={
        "customer": customer.id, "collection_method": "send_invoice", "auto_advance": False, "currency": "eur",
        "due_date": int(time.time()) + 30 * 86400, "custom_fields": [{"name": "PO number", "value": "PO-C-1"}],
        "metadata": {"revhub_id": str(uuid.uuid4()), "po_number": "PO-C-1"}}, options=key())
    if lines:
        invoice = client.v1.invoices.add_lines(invoice.id, params={"lines": [
            {"description": "Seats", "quantity": 3,
             "price_data": {"currency": "eur", "product": product.id, "unit_amount": 3333}},
            {"description": "Onboarding", "amount": 50000}]}, options=key())
    return invoice


def open_invoice(target, customer):
    invoice = draft_invoice(target, customer)
    return target.client.v1.invoices.finalize_invoice(invoice.id, params={"auto_advance": False}, options=key())


def test_customer_create_answers_a_complete_customer(stripe_target, customer):
    assert customer.id.startswith("cus_") and customer.object == "customer"
    assert (customer.address.country, customer.metadata["tax_id"]) == ("NL", "NL123456789B01")
    assert fields_missing(customer, stripe.Customer, "customer") == set()


def test_customer_update_changes_what_revhub_sends(stripe_target, customer):
    updated = stripe_target.client.v1.customers.update(customer.id, params={"name": "Contract renamed",
                                                                           "email": "billing@contract.example"},
                                                       options=key())
    assert (updated.id, updated.name, updated.email) == (customer.id, "Contract renamed", "billing@contract.example")


def test_a_customer_currency_is_refused_as_an_unknown_parameter(stripe_target):
    with pytest.raises(stripe.InvalidRequestError) as error:
        stripe_target.client.v1.customers.create(params={"name": "Contract", "currency": "eur"}, options=key())
    assert (error.value.http_status, error.value.code, error.value.param) == (400, "parameter_unknown", "currency")


def test_a_retried_write_with_the_same_idempotency_key_is_answered_once(stripe_target):
    options = key()
    params = customer_params("idem")
    first = stripe_target.client.v1.customers.create(params=params, options=options)
    again = stripe_target.client.v1.customers.create(params=params, options=options)
    assert first.id == again.id
    stripe_target.client.v1.customers.delete(first.id)


def test_an_invoice_keeps_quantity_unit_price_and_po_number(stripe_target, customer):
    invoice = draft_invoice(stripe_target, customer)
    assert (invoice.status, invoice.number, invoice.amount_due) == ("draft", None, 3 * 3333 + 50000)
    seats = invoice.lines.data[0]
    assert (seats.quantity, seats.amount, seats.pricing.unit_amount_decimal) == (3, 9999, Decimal("3333"))
    assert invoice.custom_fields[0].value == "PO-C-1"
    assert fields_missing(invoice, stripe.Invoice, "invoice") == set()
    assert fields_missing(seats, stripe.InvoiceLineItem, "line_item") == set()


def test_a_past_due_date_is_refused(stripe_target, customer):
    with pytest.raises(stripe.InvalidRequestError) as error:
        stripe_target.client.v1.invoices.create(params={
            "customer": customer.id, "collection_method": "send_invoice", "due_date": int(time.time()) - 86400},
            options=key())
    assert error.value.param == "due_date"


def test_finalize_numbers_the_invoice_and_send_keeps_it_open(stripe_target, customer):
    invoice = open_invoice(stripe_target, customer)
    assert invoice.status == "open" and invoice.number and invoice.due_date > time.time()
    sent = stripe_target.client.v1.invoices.send_invoice(invoice.id, options=key())
    assert (sent.id, sent.status) == (invoice.id, "open")


def test_pay_out_of_band_marks_the_invoice_paid(stripe_target, customer):
    invoice = open_invoice(stripe_target, customer)
    paid = stripe_target.client.v1.invoices.pay(invoice.id, params={"paid_out_of_band": True}, options=key())
    assert (paid.status, paid.amount_paid, paid.amount_remaining) == ("paid", invoice.amount_due, 0)
    assert paid.status_transitions.paid_at is not None


def test_void_and_mark_uncollectible_close_an_open_invoice(stripe_target, customer):
    voided = stripe_target.client.v1.invoices.void_invoice(open_invoice(stripe_target, customer).id, options=key())
    assert voided.status == "void" and voided.status_transitions.voided_at is not None
    lost = stripe_target.client.v1.invoices.mark_uncollectible(open_invoice(stripe_target, customer).id,
                                                               options=key())
    assert lost.status == "uncollectible"


def test_a_paid_invoice_lists_its_payment_and_the_charge_its_fee(stripe_target, customer):
    client = stripe_target.client
    invoice = client.v1.invoices.pay(open_invoice(stripe_target, customer).id,
                                     params={"payment_method": "pm_card_visa"}, options=key())
    assert invoice.status == "paid"
    payments = client.v1.invoice_payments.list(params={"invoice": invoice.id})
    intent = payments.data[0].payment.payment_intent
    charges = client.v1.charges.list(params={"payment_intent": intent, "expand": ["data.balance_transaction"]})
    txn = charges.data[0].balance_transaction
    assert txn.object == "balance_transaction" and txn.net == txn.amount - txn.fee
    assert {d.currency for d in txn.fee_details} <= {txn.currency}
    assert fields_missing(charges.data[0], stripe.Charge, "charge") == set()


def test_a_refund_is_listed_by_its_charge(stripe_target):
    client = stripe_target.client
    intent = client.v1.payment_intents.create(params={"amount": 2000, "currency": "eur", "confirm": True,
                                                      "payment_method": "pm_card_visa",
                                                      "allowed_payment_method_types": ["card"]}, options=key())
    refund = client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 500}, options=key())
    listed = client.v1.refunds.list(params={"charge": intent.latest_charge})
    assert [r.id for r in listed.data] == [refund.id] and refund.status in ("succeeded", "pending")
    assert fields_missing(refund, stripe.Refund, "refund") == set()


def test_lists_page_newest_first_with_starting_after(stripe_target):
    client = stripe_target.client
    made = [client.v1.customers.create(params=customer_params(f"page{i}"), options=key()).id for i in range(3)]
    try:
        first = client.v1.customers.list(params={"limit": 2})
        assert (first.object, first.url, first.has_more) == ("list", "/v1/customers", True)
        assert [c.id for c in first.data] == made[::-1][:2]
        second = client.v1.customers.list(params={"limit": 2, "starting_after": first.data[-1].id})
        assert second.data[0].id == made[0]
    finally:
        for customer_id in made:
            client.v1.customers.delete(customer_id)


def test_the_lists_revhub_syncs_answer_lists(stripe_target):
    client = stripe_target.client
    for listed in (client.v1.invoices.list(params={"limit": 3}), client.v1.subscriptions.list(params={"limit": 3}),
                   client.v1.products.list(params={"limit": 3, "expand": ["data.default_price"]}),
                   client.v1.refunds.list(params={"limit": 3})):
        assert listed.object == "list" and isinstance(listed.has_more, bool) and listed.url.startswith("/v1/")


def test_events_are_walked_by_type_and_creation_time(stripe_target, customer):
    events = stripe_target.client.v1.events.list(params={
        "types": ["customer.created", "customer.updated"], "created": {"gte": customer.created - 5}, "limit": 100})
    assert events.object == "list"
    for event in events.data:
        assert event.id.startswith("evt_") and event.type in ("customer.created", "customer.updated")
        assert event.data.object.object == "customer" and event.api_version
    if stripe_target.sandbox is not None:  # Stripe itself may take a moment to list a new event
        assert customer.id in {e.data.object.id for e in events.data}


def test_an_unknown_object_is_resource_missing(stripe_target):
    with pytest.raises(stripe.InvalidRequestError) as error:
        stripe_target.client.v1.invoices.retrieve("in_contractdoesnotexist")
    assert (error.value.http_status, error.value.code) == (404, "resource_missing")
    assert error.value.request_id and error.value.request_id.startswith("req_")


def test_a_rate_limit_is_a_429_rate_limit_error(stripe_target):
    stripe_target.inject_fault("429")
    with pytest.raises(stripe.RateLimitError) as error:
        stripe_target.client.v1.customers.list(params={"limit": 1})
    assert error.value.http_status == 429
    assert stripe_target.client.v1.customers.list(params={"limit": 1}).object == "list"
