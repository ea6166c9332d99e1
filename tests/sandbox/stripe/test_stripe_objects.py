"""Served objects carry every field stripe-python's resource classes declare."""

import pytest
import requests
import stripe

from revhub.sandbox.stripe.fields import CONNECT_ONLY, INCLUDABLE


def declared(cls) -> set[str]:
    return {name for name in cls.__annotations__ if name not in ("OBJECT_NAME", "deleted")}


def raw(sandbox, path, **params):
    answer = requests.get(f"{sandbox.url}{path}", params=params,
                          headers={"Authorization": f"Bearer {sandbox.api_key}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture
def activity(client):
    """A customer, product, price, an invoice paid by card, and a refund."""
    customer = client.v1.customers.create(params={"name": "Acme BV", "email": "ap@acme.example"})
    product = client.v1.products.create(params={"name": "Licence"})
    price = client.v1.prices.create(params={"product": product.id, "currency": "eur", "unit_amount": 5000})
    invoice = client.v1.invoices.create(params={"customer": customer.id, "currency": "eur"})
    client.v1.invoices.add_lines(invoice.id, params={"lines": [{"pricing": {"price": price.id}, "quantity": 3}]})
    client.v1.invoices.finalize_invoice(invoice.id)
    client.v1.invoices.pay(invoice.id, params={"payment_method": "pm_card_visa"})
    charge = client.v1.charges.list().data[0]
    refund = client.v1.refunds.create(params={"charge": charge.id, "amount": 1000})
    return {"customer": customer.id, "product": product.id, "price": price.id, "invoice": invoice.id,
            "charge": charge.id, "payment_intent": charge.payment_intent, "refund": refund.id}


@pytest.mark.parametrize("kind, cls, path", [
    ("customer", stripe.Customer, "/v1/customers/{}"), ("product", stripe.Product, "/v1/products/{}"),
    ("price", stripe.Price, "/v1/prices/{}"), ("invoice", stripe.Invoice, "/v1/invoices/{}"),
    ("charge", stripe.Charge, "/v1/charges/{}"), ("payment_intent", stripe.PaymentIntent, "/v1/payment_intents/{}"),
    ("refund", stripe.Refund, "/v1/refunds/{}")])
def test_a_served_object_has_exactly_the_fields_its_sdk_class_declares(sandbox, activity, kind, cls, path):
    body = raw(sandbox, path.format(activity[kind]))
    assert set(body) == declared(cls) - INCLUDABLE.get(kind, frozenset()) - CONNECT_ONLY.get(kind, frozenset())


def test_an_invoice_line_has_the_fields_of_invoice_line_item(sandbox, activity):
    line = raw(sandbox, f"/v1/invoices/{activity['invoice']}/lines")["data"][0]
    assert set(line) == declared(stripe.InvoiceLineItem)


def test_includable_fields_come_when_asked_with_expand(sandbox, activity):
    customer = raw(sandbox, f"/v1/customers/{activity['customer']}", **{"expand[]": ["tax_ids", "subscriptions"]})
    assert customer["tax_ids"]["object"] == "list" and customer["subscriptions"]["data"] == []
    invoice = raw(sandbox, f"/v1/invoices/{activity['invoice']}", **{"expand[]": ["payments"]})
    assert [p["payment"]["payment_intent"] for p in invoice["payments"]["data"]] == [activity["payment_intent"]]


def test_a_refund_names_where_the_money_went(client, activity):
    refund = client.v1.refunds.retrieve(activity["refund"])
    assert refund.destination_details.type == "card"
    assert refund.destination_details.card.reference_type == "acquirer_reference_number"
    assert refund.customer == activity["customer"] and refund.payment_method == "pm_card_visa"
