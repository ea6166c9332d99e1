"""Outbound Messages: SOAP notifications to a listener, acknowledged or retried."""

from __future__ import annotations

import threading
import time
import xml.etree.ElementTree as ET

import pytest
from flask import Flask, request

from revhub.sandbox.server import SandboxServer

OUT = "{http://soap.sforce.com/2005/09/outbound}"
SF = "{urn:sobject.enterprise.soap.sforce.com}"
ACK = (b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
       b'<soapenv:Body><notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">'
       b'<Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>')


class Listener:
    """A listener endpoint that records each POST and answers per ``self.answer``."""

    def __init__(self) -> None:
        self.received: list[tuple[dict, bytes]] = []
        self.answer = (200, ACK)
        self.arrived = threading.Event()
        app = Flask("listener")

        @app.post("/outbound")
        def receive():
            self.received.append((dict(request.headers), request.get_data()))
            self.arrived.set()
            return self.answer[1], self.answer[0], {"Content-Type": "text/xml"}
        self.server = SandboxServer(app).start()
        self.url = self.server.url + "/outbound"

    def wait(self, count: int, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.received) >= count, f"got {len(self.received)} of {count} messages"


@pytest.fixture
def listener():
    found = Listener()
    yield found
    found.server.stop()


def notifications(body: bytes) -> list[ET.Element]:
    return ET.fromstring(body).findall(f".//{OUT}Notification")


def test_create_sends_a_soap_notification_with_current_values(sf, sandbox, listener):
    sandbox.add_outbound_message("Purchase_Order__c", ["PO_Number__c", "Status__c"], listener.url)
    record_id = sf.Purchase_Order__c.create({"Name": "PO-9", "PO_Number__c": "PO-9",
                                             "Status__c": "Issued"})["id"]
    listener.wait(1)
    headers, body = listener.received[0]
    assert headers["Content-Type"] == "text/xml; charset=utf-8" and headers["Soapaction"] == '""'
    root = ET.fromstring(body)
    assert root.find(f".//{OUT}OrganizationId").text == sandbox.org_id
    assert root.find(f".//{OUT}SessionId").get(
        "{http://www.w3.org/2001/XMLSchema-instance}nil") == "true"
    (note,) = notifications(body)
    assert note.find(f"{OUT}Id").text.startswith("04l")
    assert note.find(f".//{SF}Id").text == record_id
    assert note.find(f".//{SF}Status__c").text == "Issued"


def test_at_most_100_notifications_per_message(sandbox, listener):
    listener.answer = (500, b"busy")
    sandbox.add_outbound_message("Account", ["Name"], listener.url)
    sandbox.insert_records("Account", [{"Name": f"Customer {i}"} for i in range(150)])

    def delivered_ids() -> set[str]:
        return {n.find(f"{OUT}Id").text for _, body in list(listener.received) for n in notifications(body)}

    deadline = time.monotonic() + 5
    while len(delivered_ids()) < 150 and time.monotonic() < deadline:
        time.sleep(0.01)
    # How the 150 split depends on when the dispatcher wakes; no message ever holds more than 100.
    assert len(delivered_ids()) == 150
    assert max(len(notifications(body)) for _, body in list(listener.received)) <= 100
    assert len(listener.received) >= 2


def test_unacknowledged_delivery_is_retried_after_the_backoff(sf, sandbox, listener):
    listener.answer = (200, b"<Ack>false</Ack>")
    sandbox.add_outbound_message("Account", ["Name"], listener.url)
    sf.Account.create({"Name": "Hooli Media"})
    listener.wait(1)
    time.sleep(0.2)
    assert len(listener.received) == 1  # next attempt is 1 sandbox-second away
    listener.answer = (200, ACK)
    sandbox.clock.advance(1.5)
    listener.wait(2)
    first, second = (notifications(b)[0].find(f"{OUT}Id").text for _, b in listener.received[:2])
    assert first == second
    deadline = time.monotonic() + 2
    while sandbox.outbound.pending() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sandbox.outbound.pending() == 0


def test_outbound_message_can_be_defined_over_the_control_endpoint(base_url, http, listener):
    response = http.post(base_url + "/__sandbox/outbound",
                         json={"sobject": "Account", "fields": ["Name"], "url": listener.url})
    assert response.status_code == 201 and response.json()["action_id"].startswith("04k")


def test_the_packages_messages_send_a_session_id_of_the_org_and_its_instance_urls(sf, sandbox, listener, base_url):
    definitions = sandbox.add_package_outbound_messages(listener.url)
    assert sorted((d.sobject, tuple(d.fields)) for d in definitions) == [
        ("Account", ("Id", "Name")), ("Purchase_Order__c", ("Id", "PO_Number__c"))]
    sf.Account.create({"Name": "Session Ltd"})
    listener.wait(1)
    root = ET.fromstring(listener.received[0][1])
    session = root.find(f".//{OUT}SessionId").text
    assert session.split("!")[0] == sandbox.org_id[:15]
    assert sf.session_id == session  # a session the org accepts
    assert root.find(f".//{OUT}EnterpriseUrl").text.startswith("https://127.0.0.1")
