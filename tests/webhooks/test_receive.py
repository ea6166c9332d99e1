"""Webhook endpoints: verified on raw bytes, stored once, acknowledged; bad input is refused."""

import json

import pytest
from sqlalchemy import func, select

from revhub.store import InboxEvent
from tests.webhooks.conftest import (
    OLD_STRIPE_SECRET,
    ORG_ID,
    SALESFORCE_URL,
    stripe_event,
    stripe_header,
    xero_header,
)

pytestmark = pytest.mark.store


def stored(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(InboxEvent))


def post_stripe(client, body: bytes, header: str | None = None, name: str = "stripe"):
    headers = {"Content-Type": "application/json"}
    if header is not False:
        headers["Stripe-Signature"] = header or stripe_header(body)
    return client.post(f"/webhooks/stripe/{name}", data=body, headers=headers)


def test_a_signed_stripe_event_is_stored_and_acknowledged(hooked, db):
    response = post_stripe(hooked.test_client(), stripe_event())
    assert response.status_code == 200 and response.json == {"received": True, "duplicate": False}
    with db.session() as s:
        event = s.scalars(select(InboxEvent)).one()
    assert (event.provider, event.event_id, event.event_type, event.status) == (
        "stripe", "evt_1QabcDEF", "customer.updated", "pending")
    assert event.body == stripe_event()


def test_a_duplicate_delivery_is_acknowledged_and_not_stored_twice(hooked, db):
    client = hooked.test_client()
    for _ in range(5):
        assert post_stripe(client, stripe_event()).status_code == 200
    assert stored(db) == 1


def test_an_event_arriving_after_the_database_dropped_the_connection_is_still_stored(hooked, db):
    store_db = hooked.extensions["revhub.db"]
    if store_db.dialect != "postgresql":
        pytest.skip("a server-side disconnect is a PostgreSQL matter")
    client = hooked.test_client()
    assert post_stripe(client, stripe_event()).status_code == 200  # a pooled connection now exists
    with store_db.inbox_engine.connect() as pooled:  # the inbox's own connection, and no other test's
        inbox_pid = pooled.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    with db.engine.connect() as conn:  # as a server restart would
        killed = conn.exec_driver_sql("SELECT pg_terminate_backend(%s)", (inbox_pid,)).scalar()
    assert killed
    second = stripe_event().replace(b"evt_1QabcDEF", b"evt_1QabcDEG")
    assert post_stripe(client, second).status_code == 200
    assert stored(db) == 2


def test_an_event_signed_with_the_previous_secret_passes_during_rotation(hooked, db):
    body = stripe_event()
    assert post_stripe(hooked.test_client(), body, stripe_header(body, OLD_STRIPE_SECRET)).status_code == 200


def test_a_body_altered_by_one_byte_is_refused(hooked, db):
    body = stripe_event()
    header = stripe_header(body)
    response = post_stripe(hooked.test_client(), body.replace(b"Acme", b"Acmf"), header)
    assert response.status_code == 401 and "Stripe-Signature" in response.json["error"]
    assert stored(db) == 0


def test_an_old_signature_is_refused(hooked, db):
    body = stripe_event()
    response = post_stripe(hooked.test_client(), body, stripe_header(body, at=1_600_000_000))
    assert response.status_code == 401


def test_a_missing_signature_is_refused(hooked, db):
    assert post_stripe(hooked.test_client(), stripe_event(), header=False).status_code == 401


def test_signed_garbage_is_a_400(hooked, db):
    body = b"{not json"
    response = post_stripe(hooked.test_client(), body)
    assert response.status_code == 400 and response.json["error"].startswith("body is not JSON")
    assert stored(db) == 0


def test_an_unknown_connection_is_a_404(hooked):
    response = post_stripe(hooked.test_client(), stripe_event(), name="nope")
    assert response.status_code == 404 and "nope" in response.json["error"]


def test_an_oversized_body_is_a_413(hooked, db):
    hooked.config["MAX_CONTENT_LENGTH"] = 1000
    body = stripe_event(description="x" * 2000)
    response = post_stripe(hooked.test_client(), body)
    assert response.status_code == 413 and response.json["error"] == "Request Entity Too Large"
    assert stored(db) == 0


def xero_payload(events) -> bytes:
    return json.dumps({"events": events, "firstEventSequence": 1, "lastEventSequence": len(events),
                       "entropy": "S0MEENTROPY"}).encode()


def test_xero_intent_to_receive_answers_200_for_a_good_signature_and_401_for_a_bad_one(hooked, db):
    client = hooked.test_client()
    body = xero_payload([])
    good = client.post("/webhooks/xero/xero", data=body, headers={"x-xero-signature": xero_header(body)})
    bad = client.post("/webhooks/xero/xero", data=body, headers={"x-xero-signature": xero_header(b"other")})
    assert (good.status_code, good.data) == (200, b"")
    assert (bad.status_code, bad.data) == (401, b"")
    assert stored(db) == 0


def test_xero_events_are_stored_one_row_each_and_redeliveries_absorbed(hooked, db):
    event = {"resourceUrl": "https://api.xero.com/api.xro/2.0/Invoices/inv-1", "resourceId": "inv-1",
             "eventDateUtc": "2026-11-24T06:00:00.123", "eventType": "UPDATE", "eventCategory": "INVOICE",
             "tenantId": "t-1", "tenantType": "ORGANISATION"}
    body = xero_payload([event, {**event, "resourceId": "inv-2"}])
    client = hooked.test_client()
    for _ in range(2):
        assert client.post("/webhooks/xero/xero", data=body,
                           headers={"x-xero-signature": xero_header(body)}).status_code == 200
    assert stored(db) == 2


def outbound(org: str = ORG_ID, notification: str = "04lxx0000000001AAA") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>
 <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
  <OrganizationId>{org}</OrganizationId><ActionId>04kxx0000000001AAA</ActionId>
  <SessionId xsi:nil="true"/>
  <EnterpriseUrl>https://x.my.salesforce.com/services/Soap/c/62.0/00Dxx0000000001</EnterpriseUrl>
  <PartnerUrl>https://x.my.salesforce.com/services/Soap/u/62.0/00Dxx0000000001</PartnerUrl>
  <Notification><Id>{notification}</Id>
   <sObject xsi:type="sf:Purchase_Order__c" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
    <sf:Id>a01xx0000000001AAA</sf:Id><sf:PO_Number__c>PO-123</sf:PO_Number__c></sObject>
  </Notification></notifications></soapenv:Body></soapenv:Envelope>""".encode()


def test_a_salesforce_outbound_message_is_stored_and_acked(hooked, db):
    response = hooked.test_client().post(SALESFORCE_URL, data=outbound(),
                                         content_type="text/xml; charset=utf-8")
    assert response.status_code == 200 and b"<Ack>true</Ack>" in response.data
    with db.session() as s:
        event = s.scalars(select(InboxEvent)).one()
    assert (event.event_id, event.event_type) == ("04lxx0000000001AAA", "Purchase_Order__c")


def test_a_salesforce_message_from_another_org_is_refused_with_a_soap_fault(hooked, db):
    response = hooked.test_client().post(SALESFORCE_URL, data=outbound("00Dxx0000000009ZZZ"),
                                         content_type="text/xml")
    assert response.status_code == 401 and b"soapenv:Fault" in response.data
    assert stored(db) == 0


def test_malformed_xml_is_a_400_soap_fault(hooked, db):
    response = hooked.test_client().post(SALESFORCE_URL, data=b"<soapenv:Envelope",
                                         content_type="text/xml")
    assert response.status_code == 400 and b"faultstring" in response.data


def test_entity_expansion_is_refused(hooked, db):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
            b"<soapenv:Envelope>&lol2;</soapenv:Envelope>")
    response = hooked.test_client().post(SALESFORCE_URL, data=bomb, content_type="text/xml")
    assert response.status_code == 400
