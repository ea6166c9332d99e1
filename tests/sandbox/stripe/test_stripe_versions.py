"""Stripe-Version honoured: the pinned SDK's shapes, 2024-06-20 and 2022-11-15, unknown ones refused."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import stripe


def client_at(sandbox, version):
    return stripe.StripeClient(sandbox.api_key, base_addresses={"api": sandbox.url}, stripe_version=version,
                               max_network_retries=0)


def paid_invoice(client):
    vat = client.v1.tax_rates.create(params={"display_name": "BTW", "percentage": 21, "inclusive": False})
    customer = client.v1.customers.create(params={"name": "Acme BV"})
    product = client.v1.products.create(params={"name": "Licence"})
    invoice = client.v1.invoices.create(params={"customer": customer.id, "currency": "eur"})
    client.v1.invoices.add_lines(invoice.id, params={"lines": [{
        "quantity": 2, "tax_rates": [vat.id],
        "price_data": {"currency": "eur", "product": product.id, "unit_amount": 5000}}]})
    client.v1.invoices.finalize_invoice(invoice.id)
    return client.v1.invoices.pay(invoice.id, params={"payment_method": "pm_card_visa"})


def test_an_unknown_version_is_refused_with_stripes_message(sandbox):
    answer = requests.get(f"{sandbox.url}/v1/customers", headers={
        "Authorization": f"Bearer {sandbox.api_key}", "Stripe-Version": "2020-13-45"})
    assert answer.status_code == 400
    assert answer.json()["error"] == {**answer.json()["error"], "type": "invalid_request_error",
                                      "message": "Invalid Stripe API version: 2020-13-45"}


def test_the_pinned_sdk_version_gets_the_newest_shapes(sandbox, client):
    invoice = paid_invoice(client)
    raw = invoice.last_response
    assert raw.headers["Stripe-Version"] == stripe.api_version
    assert "paid" not in invoice and "charge" not in invoice and "total_tax_amounts" not in invoice
    assert invoice.total_taxes[0].amount == 2100
    line = invoice.lines.data[0]
    assert "type" not in line and "price" not in line and line.pricing.type == "price_details"


@pytest.mark.parametrize("version", ["2024-06-20", "2022-11-15"])
def test_an_older_version_gets_the_invoice_shape_of_its_day(sandbox, version):
    old = client_at(sandbox, version)
    invoice = paid_invoice(old)
    assert invoice.last_response.headers["Stripe-Version"] == version
    assert invoice.paid is True and invoice.charge.startswith("ch_") and invoice.payment_intent.startswith("pi_")
    assert (invoice.tax, invoice.subscription) == (2100, None)
    assert [(t.amount, t.inclusive) for t in invoice.total_tax_amounts] == [(2100, False)]
    assert "total_taxes" not in invoice and "parent" not in invoice
    line = invoice.lines.data[0]
    assert (line.type, line.proration, line.price.unit_amount) == ("invoiceitem", False, 5000)
    assert "pricing" not in line and "parent" not in line and "taxes" not in line
    assert old.v1.charges.retrieve(invoice.charge).invoice == invoice.id
    assert old.v1.payment_intents.retrieve(invoice.payment_intent).invoice == invoice.id


class _Receiver(BaseHTTPRequestHandler):
    bodies: list = []

    def do_POST(self):
        _Receiver.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_webhook_is_rendered_in_its_endpoints_version(client):
    _Receiver.bodies = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client.v1.webhook_endpoints.create(params={"url": f"http://127.0.0.1:{server.server_port}/hook",
                                                   "enabled_events": ["invoice.paid"], "api_version": "2024-06-20"})
        invoice = paid_invoice(client)
        deadline = time.time() + 10
        while not _Receiver.bodies and time.time() < deadline:
            time.sleep(0.05)
        event = _Receiver.bodies[0]
        assert event["api_version"] == "2024-06-20" and event["data"]["object"]["paid"] is True
        assert event["data"]["object"]["id"] == invoice.id
        assert event["data"]["object"]["charge"].startswith("ch_") and "total_taxes" not in event["data"]["object"]
    finally:
        server.shutdown()


def test_an_unknown_webhook_endpoint_version_is_refused(client):
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1:1/hook", "enabled_events": ["*"],
                                                   "api_version": "1999-01-01"})


def test_listed_events_keep_the_version_they_were_created_in(sandbox, client):
    paid_invoice(client)
    old = client_at(sandbox, "2024-06-20")
    event = old.v1.events.list(params={"type": "invoice.paid"}).data[0]
    assert event.api_version == stripe.api_version and "total_taxes" in event.data.object
