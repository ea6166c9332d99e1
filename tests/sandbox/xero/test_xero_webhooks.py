"""Webhooks: signature algorithm, intent to receive, event shapes, what never gets sent, retries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import date
from decimal import Decimal

import pytest
import requests
from flask import Flask, request
from xero_python.accounting import (
    Account,
    Contact,
    Contacts,
    Invoice,
    Invoices,
    Item,
    Items,
    Payment,
)

from revhub.sandbox.server import SandboxServer
from revhub.sandbox.xero import sign_payload
from tests.sandbox.xero.conftest import sales_invoice

WEBHOOK_KEY = "Zx9kq3Vd0pB+sandbox-webhook-key/abc=="


def verify(body: bytes, signature: str, key: str) -> bool:
    """Xero's documented check: base64(HMAC-SHA256(key, raw body)), constant-time compare."""
    expected = base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, signature)


class Receiver:
    """A webhook endpoint that answers as Xero requires: 200 signed, 401 otherwise."""

    def __init__(self, fail_first: int = 0) -> None:
        self.payloads: list[dict] = []
        self.fail_first = fail_first
        self.app = Flask("receiver")
        self.app.add_url_rule("/hooks/xero", view_func=self.receive, methods=["POST"])

    def receive(self):
        body = request.get_data()
        if not verify(body, request.headers.get("x-xero-signature", ""), WEBHOOK_KEY):
            return "", 401
        payload = json.loads(body)
        if payload["events"] and self.fail_first:
            self.fail_first -= 1
            return "", 500
        if payload["events"]:
            self.payloads.append(payload)
        return "", 200

    def events(self) -> list[dict]:
        return [e for p in self.payloads for e in p["events"]]


def wait_for(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.fixture
def receiver(server):
    hook = Receiver()
    with SandboxServer(hook.app) as running:
        answer = requests.post(
            server.url + "/__sandbox/webhooks",
            json={"url": running.url + "/hooks/xero", "key": WEBHOOK_KEY},
        )
        assert answer.json()["intent_to_receive"] == "OK"
        yield hook


def test_signature_verifies_with_the_documented_algorithm():
    body = b'{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"ABC"}'
    assert verify(body, sign_payload(body, WEBHOOK_KEY), WEBHOOK_KEY)


def test_signature_fails_when_one_byte_changes():
    body = b'{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"ABC"}'
    altered = body.replace(b"ABC", b"ABD")
    assert not verify(altered, sign_payload(body, WEBHOOK_KEY), WEBHOOK_KEY)


def test_intent_to_receive_fails_for_an_endpoint_that_accepts_anything(server):
    lax = Flask("lax")
    lax.add_url_rule("/h", view_func=lambda: ("", 200), methods=["POST"])
    with SandboxServer(lax) as running:
        outcome = requests.post(
            server.url + "/__sandbox/webhooks", json={"url": running.url + "/h", "key": WEBHOOK_KEY}
        ).json()
    assert outcome["intent_to_receive"] == "FAILED"
    assert outcome["responses"] == {"signed": 200, "badly_signed": 200}


def test_invoice_creation_is_delivered_as_a_thin_event(accounting, tenant, customer, receiver):
    [invoice] = accounting.create_invoices(
        tenant, Invoices(invoices=[sales_invoice(customer.contact_id)])
    ).invoices
    wait_for(lambda: any(e["eventCategory"] == "INVOICE" for e in receiver.events()))
    [event] = [e for e in receiver.events() if e["eventCategory"] == "INVOICE"]
    assert event["resourceId"] == invoice.invoice_id
    assert event["resourceUrl"].endswith(f"/api.xro/2.0/Invoices/{invoice.invoice_id}")
    assert (event["eventType"], event["tenantId"], event["tenantType"]) == (
        "CREATE",
        tenant,
        "ORGANISATION",
    )
    assert set(receiver.payloads[-1]) == {
        "events",
        "firstEventSequence",
        "lastEventSequence",
        "entropy",
    }


def test_contact_update_is_an_update_event(accounting, tenant, receiver):
    [contact] = accounting.create_contacts(
        tenant, Contacts(contacts=[Contact(name="Wonka Foods")])
    ).contacts
    accounting.update_contact(
        tenant, contact.contact_id, Contacts(contacts=[Contact(email_address="ap@wonka.example")])
    )
    wait_for(lambda: len(receiver.events()) >= 2)
    assert [(e["eventCategory"], e["eventType"]) for e in receiver.events()] == [
        ("CONTACT", "CREATE"),
        ("CONTACT", "UPDATE"),
    ]


def test_payments_and_items_send_no_events_of_their_own(accounting, tenant, customer, receiver):
    [invoice] = accounting.create_invoices(
        tenant, Invoices(invoices=[sales_invoice(customer.contact_id)])
    ).invoices
    accounting.create_items(tenant, Items(items=[Item(code="RH-API", name="API access tier")]))
    accounting.create_payment(
        tenant,
        Payment(
            invoice=Invoice(invoice_id=invoice.invoice_id),
            account=Account(code="091"),
            date=date(2024, 3, 9),
            amount=Decimal("5880.00"),
        ),
    )
    wait_for(lambda: len(receiver.events()) >= 2)
    time.sleep(0.2)  # give a wrongly sent PAYMENT/ITEM event the chance to arrive
    assert {e["eventCategory"] for e in receiver.events()} == {"INVOICE"}
    assert [e["eventType"] for e in receiver.events()] == ["CREATE", "UPDATE"]


def test_sequences_increase_across_payloads(accounting, tenant, receiver):
    for name in ("Stark Energy", "Tyrell Robotics"):
        accounting.create_contacts(tenant, Contacts(contacts=[Contact(name=name)]))
    wait_for(lambda: len(receiver.payloads) >= 2)
    first, second = receiver.payloads[:2]
    assert second["firstEventSequence"] == first["lastEventSequence"] + 1


def test_failed_delivery_is_retried(server, sandbox, accounting, tenant):
    hook = Receiver(fail_first=1)
    with SandboxServer(hook.app) as running:
        requests.post(
            server.url + "/__sandbox/webhooks",
            json={"url": running.url + "/hooks/xero", "key": WEBHOOK_KEY},
        )
        accounting.create_contacts(tenant, Contacts(contacts=[Contact(name="Cyberdyne Health")]))
        wait_for(lambda: sandbox.webhooks.status()["failures"] == 1)
        sandbox.clock.advance(10)
        wait_for(lambda: hook.events())
    assert [e["eventCategory"] for e in hook.events()] == ["CONTACT"]
