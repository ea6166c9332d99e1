"""Timestamps Stripe takes only in the future are refused in the past, on the sandbox clock."""

import pytest
import stripe

FUTURE_ONLY = "Invalid timestamp: must be an integer Unix timestamp in the future."


@pytest.fixture
def customer(client):
    return client.v1.customers.create(params={"name": "Acme"})


def test_a_due_date_in_the_past_is_refused_on_create(sandbox, client, customer):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.invoices.create(params={"customer": customer.id, "collection_method": "send_invoice",
                                          "due_date": sandbox.now() - 3600})
    assert (error.value.param, error.value.user_message, error.value.http_status) == ("due_date", FUTURE_ONLY, 400)


def test_a_due_date_in_the_future_is_kept(sandbox, client, customer):
    due = sandbox.now() + 86400
    invoice = client.v1.invoices.create(params={"customer": customer.id, "collection_method": "send_invoice",
                                                "due_date": due})
    assert invoice.due_date == due


def test_the_sandbox_clock_decides_what_is_past(sandbox, client, customer):
    due = sandbox.now() + 86400
    sandbox.clock.advance(2 * 86400)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.invoices.create(params={"customer": customer.id, "collection_method": "send_invoice",
                                          "due_date": due})


def test_a_due_date_in_the_past_is_refused_on_update(sandbox, client, customer):
    invoice = client.v1.invoices.create(params={"customer": customer.id, "collection_method": "send_invoice",
                                                "days_until_due": 30})
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.invoices.update(invoice.id, params={"due_date": sandbox.now() - 1})
    assert error.value.user_message == FUTURE_ONLY
    later = sandbox.now() + 7 * 86400
    assert client.v1.invoices.update(invoice.id, params={"due_date": later}).due_date == later


def test_a_subscription_cancel_at_in_the_past_is_refused(sandbox, client, customer):
    product = client.v1.products.create(params={"name": "Seat"})
    price = client.v1.prices.create(params={"product": product.id, "currency": "eur", "unit_amount": 1000,
                                            "recurring": {"interval": "month"}})
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.subscriptions.create(params={"customer": customer.id, "items": [{"price": price.id}],
                                               "cancel_at": sandbox.now() - 60})
    assert (error.value.param, error.value.user_message) == ("cancel_at", FUTURE_ONLY)
