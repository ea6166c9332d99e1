"""The Stripe sandbox through stripe-python 16: objects, lists, errors, idempotency."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import stripe


def test_customers_are_created_read_updated_and_deleted(client):
    customer = client.v1.customers.create(params={"name": "Acme Labs", "email": "ap@acmelabs.example",
                                                  "metadata": {"tax_id": "US123"}})
    assert customer.id.startswith("cus_") and customer.metadata["tax_id"] == "US123"
    updated = client.v1.customers.update(customer.id, params={"name": "Acme Labs Inc."})
    assert client.v1.customers.retrieve(customer.id).name == updated.name == "Acme Labs Inc."
    gone = client.v1.customers.delete(customer.id)
    assert gone.deleted is True
    assert client.v1.customers.retrieve(customer.id).deleted is True


def test_lists_page_newest_first_with_starting_after_and_ending_before(client):
    ids = [client.v1.customers.create(params={"name": f"c{i}"}).id for i in range(25)]
    first = client.v1.customers.list(params={"limit": 10})
    assert first.object == "list" and first.url == "/v1/customers" and first.has_more
    assert [c.id for c in first.data] == ids[::-1][:10]
    walked = [c.id for c in client.v1.customers.list(params={"limit": 7}).auto_paging_iter()]
    assert walked == ids[::-1]
    newer = client.v1.customers.list(params={"limit": 3, "ending_before": ids[10]})
    assert [c.id for c in newer.data] == [ids[13], ids[12], ids[11]]


def test_limit_over_100_is_refused(client):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.customers.list(params={"limit": 101})
    assert error.value.param == "limit" and error.value.http_status == 400


def test_an_unknown_id_is_resource_missing(client):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.invoices.retrieve("in_doesnotexist")
    assert (error.value.code, error.value.http_status) == ("resource_missing", 404)
    assert error.value.request_id.startswith("req_")


def test_a_bad_key_is_an_authentication_error(sandbox):
    bad = stripe.StripeClient("sk_test_nope", base_addresses={"api": sandbox.url})
    with pytest.raises(stripe.AuthenticationError):
        bad.v1.customers.list()


def test_an_unknown_parameter_is_refused(client):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.customers.create(params={"nmae": "typo"})
    assert (error.value.code, error.value.param) == ("parameter_unknown", "nmae")


def test_an_injected_429_is_a_rate_limit_error(sandbox, client):
    requests.post(f"{sandbox.url}/__sandbox/faults", json={"kind": "429", "count": 1})
    with pytest.raises(stripe.RateLimitError):
        client.v1.customers.list()
    assert client.v1.customers.list().object == "list"


def invoice_for(client, currency="usd", amount=120000, quantity=1):
    customer = client.v1.customers.create(params={"name": "Acme", "email": "ap@acme.example"})
    product = client.v1.products.create(params={"name": "Platform licence"})
    invoice = client.v1.invoices.create(params={
        "customer": customer.id, "collection_method": "send_invoice", "days_until_due": 30, "currency": currency,
        "custom_fields": [{"name": "PO number", "value": "PO-7781"}], "metadata": {"po_number": "PO-7781"}})
    client.v1.invoices.add_lines(invoice.id, params={"lines": [{
        "description": "Seats", "quantity": quantity,
        "price_data": {"currency": currency, "product": product.id, "unit_amount": amount}}]})
    return client.v1.invoices.finalize_invoice(invoice.id)


def test_an_invoice_carries_its_po_number_and_moves_through_its_states(client):
    invoice = invoice_for(client, "jpy", 88200, 25)
    assert invoice.status == "open" and invoice.number and invoice.amount_due == 2205000
    assert invoice.custom_fields[0].value == "PO-7781" and invoice.due_date > invoice.created
    assert not hasattr(invoice, "paid") and not hasattr(invoice, "charge") and invoice.parent is None
    paid = client.v1.invoices.pay(invoice.id, params={"paid_out_of_band": True})
    assert (paid.status, paid.amount_paid, paid.amount_remaining) == ("paid", 2205000, 0)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.invoices.void_invoice(invoice.id)


def test_a_partial_payment_leaves_the_invoice_open_with_the_rest_due(client):
    invoice = invoice_for(client)
    intent = client.v1.payment_intents.create(params={"amount": 50000, "currency": "usd",
                                                      "customer": invoice.customer, "payment_method": "pm_card_visa",
                                                      "confirm": True})
    invoice = client.v1.invoices.attach_payment(invoice.id, params={"payment_intent": intent.id})
    assert (invoice.status, invoice.amount_paid, invoice.amount_remaining) == ("open", 50000, 70000)
    payments = client.v1.invoice_payments.list(params={"invoice": invoice.id})
    assert [p.payment.payment_intent for p in payments.data] == [intent.id]


def test_a_charge_has_its_fee_in_the_balance_transaction_and_refunds_reverse_it(client):
    invoice = invoice_for(client, "eur")
    client.v1.invoices.pay(invoice.id, params={"payment_method": "pm_card_visa"})
    charge = client.v1.charges.list(params={"expand": ["data.balance_transaction"]}).data[0]
    txn = charge.balance_transaction
    assert (txn.amount, txn.fee, txn.net) == (120000, 1825, 118175)  # 1.5 % + €0.25
    refund = client.v1.refunds.create(params={"charge": charge.id, "amount": 20000})
    assert refund.status == "succeeded" and client.v1.charges.retrieve(charge.id).amount_refunded == 20000
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.refunds.create(params={"charge": charge.id, "amount": 200000})
    assert error.value.code == "amount_too_large"


def test_a_declined_card_is_a_card_error(client):
    with pytest.raises(stripe.CardError) as error:
        client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd",
                                                 "payment_method": "pm_card_chargeDeclined", "confirm": True})
    assert error.value.code == "card_declined"


def test_an_idempotency_key_replays_the_first_answer(sandbox):
    headers = {"Authorization": f"Bearer {sandbox.api_key}", "Idempotency-Key": "order-42"}
    first = requests.post(f"{sandbox.url}/v1/customers", data={"name": "Acme"}, headers=headers)
    again = requests.post(f"{sandbox.url}/v1/customers", data={"name": "Acme"}, headers=headers)
    assert first.json()["id"] == again.json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    other = requests.post(f"{sandbox.url}/v1/customers", data={"name": "Globex"}, headers=headers)
    assert other.status_code == 400 and other.json()["error"]["type"] == "idempotency_error"


def test_events_filter_by_created_and_type_and_expire_after_30_days(sandbox, client):
    client.v1.customers.create(params={"name": "Old"})
    sandbox.clock.advance(31 * 86400)
    recent = client.v1.customers.create(params={"name": "New"})
    events = client.v1.events.list(params={"type": "customer.created"})
    assert [e.data.object.id for e in events.data] == [recent.id]
    since = client.v1.events.list(params={"created": {"gte": recent.created}, "types": ["customer.created"]})
    assert len(since.data) == 1


class _Receiver(BaseHTTPRequestHandler):
    received: list = []
    fail_first = 0

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Receiver.received.append((body, self.headers["Stripe-Signature"]))
        status = 500 if _Receiver.fail_first > 0 else 200
        _Receiver.fail_first -= 1
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_webhook_deliveries_are_signed_verifiable_and_retried(client):
    _Receiver.received, _Receiver.fail_first = [], 1
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        endpoint = client.v1.webhook_endpoints.create(params={
            "url": f"http://127.0.0.1:{server.server_port}/hook", "enabled_events": ["customer.created"]})
        assert endpoint.secret.startswith("whsec_")
        client.v1.customers.create(params={"name": "Hooked"})
        deadline = time.time() + 10
        while len(_Receiver.received) < 2 and time.time() < deadline:
            time.sleep(0.05)
        assert len(_Receiver.received) == 2  # the first attempt failed and was retried
        body, header = _Receiver.received[-1]
        event = stripe.Webhook.construct_event(body, header, endpoint.secret)
        assert event.type == "customer.created" and event.data.object.name == "Hooked"
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(body.replace(b"Hooked", b"Hookee"), header, endpoint.secret)
    finally:
        server.shutdown()


def test_a_seeded_data_set_has_every_kind_of_payment(sandbox):
    from revhub.sandbox.dataset import generate

    sandbox.load_dataset(generate(80, seed=1))
    invoices = sandbox.store.all("invoice")
    statuses = {i["status"] for i in invoices}
    assert statuses >= {"open", "paid", "void"}
    assert any(i["amount_overpaid"] for i in invoices)
    assert any(0 < i["amount_paid"] < i["amount_due"] for i in invoices)
    assert any(i["currency"] == "jpy" for i in invoices) and sandbox.store.all("refund")
