"""Salesforce outbound messages are taken on more than the (public) organisation id: a secret in
the URL, the session id and API URLs where asked for, an IP allow-list, a notification cap;
and acknowledged in Salesforce's own SOAP shape."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree
from sqlalchemy import func, select

from revhub.sandbox.salesforce import SalesforceSandbox
from revhub.sandbox.salesforce.outbound import Notification
from revhub.store import Connection, InboxEvent
from tests.webhooks.conftest import ORG_ID, SALESFORCE_URL

pytestmark = pytest.mark.store

SOAP = "{http://schemas.xmlsoap.org/soap/envelope/}"
OUTBOUND = "{http://soap.sforce.com/2005/09/outbound}"
SESSION = "00Dxx0000000001!AQ4AQFakeSessionForTests"


def message(*, notifications: int = 1, session: str | None = None, host: str = "127.0.0.1") -> bytes:
    session_xml = f"<SessionId>{session}</SessionId>" if session else '<SessionId xsi:nil="true"/>'
    items = "".join(
        f"""<Notification><Id>04lxx00000000{i:02d}AAA</Id>
   <sObject xsi:type="sf:Account" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
    <sf:Id>001xx00000000{i:02d}AAA</sf:Id><sf:Name>Acme {i}</sf:Name></sObject></Notification>"""
        for i in range(notifications))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>
 <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
  <OrganizationId>{ORG_ID}</OrganizationId><ActionId>04kxx0000000001AAA</ActionId>{session_xml}
  <EnterpriseUrl>https://{host}/services/Soap/c/67.0/00Dxx0000000001</EnterpriseUrl>
  <PartnerUrl>https://{host}/services/Soap/u/67.0/00Dxx0000000001</PartnerUrl>{items}
 </notifications></soapenv:Body></soapenv:Envelope>""".encode()


def stored(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(InboxEvent))


@pytest.fixture
def configure(hooked, db):
    """Add settings to the Salesforce connection (and forget the cached endpoint)."""
    def apply(**settings) -> None:
        with db.session(write=True) as s:
            row = s.scalar(select(Connection).where(Connection.name == "salesforce"))
            row.settings = {**row.settings, **settings}
        hooked.extensions["revhub.webhook_endpoints"].forget()
    return apply


def post(app, body: bytes, url: str = SALESFORCE_URL, remote: str = "127.0.0.1"):
    return app.test_client().post(url, data=body, content_type="text/xml; charset=utf-8",
                                  environ_base={"REMOTE_ADDR": remote})


def test_the_acknowledgement_is_salesforces_notifications_response_with_ack_true(hooked):
    response = post(hooked, message())
    assert (response.status_code, response.content_type) == (200, "text/xml; charset=utf-8")
    envelope = ElementTree.fromstring(response.data)
    [body] = list(envelope)
    [answer] = list(body)
    assert (envelope.tag, body.tag) == (f"{SOAP}Envelope", f"{SOAP}Body")
    assert answer.tag == f"{OUTBOUND}notificationsResponse"
    assert [(child.tag, child.text) for child in answer] == [(f"{OUTBOUND}Ack", "true")]


def test_a_wrong_secret_in_the_url_is_a_401_fault_and_nothing_is_stored(hooked, db):
    response = post(hooked, message(), url="/webhooks/salesforce/salesforce/not-the-secret")
    assert response.status_code == 401 and b"soapenv:Fault" in response.data
    assert stored(db) == 0


def test_the_organisation_id_alone_no_longer_opens_the_endpoint(hooked, db):
    response = post(hooked, message(), url="/webhooks/salesforce/salesforce")
    assert response.status_code == 401 and b"/webhooks/salesforce/&lt;name&gt;/&lt;secret&gt;" in response.data
    assert stored(db) == 0


def test_more_notifications_than_the_cap_are_refused(hooked, db, configure):
    configure(outbound_max_notifications=2)
    response = post(hooked, message(notifications=3))
    assert response.status_code == 400 and b"more than 2 notifications" in response.data
    assert stored(db) == 0


def test_a_sender_outside_the_allow_list_is_refused(hooked, db, configure):
    configure(outbound_allowed_ips="13.108.0.0/14, 2a01:111:f400::/48")
    assert post(hooked, message(), remote="203.0.113.9").status_code == 403
    assert stored(db) == 0


def test_a_sender_inside_the_allow_list_is_taken(hooked, db, configure):
    configure(outbound_allowed_ips=["13.108.0.0/14"])
    assert post(hooked, message(), remote="13.110.6.7").status_code == 200
    assert stored(db) == 1


def test_where_asked_for_a_message_without_a_session_id_is_refused(hooked, db, configure):
    configure(outbound_require_session=True)
    response = post(hooked, message())
    assert response.status_code == 401 and b"session id" in response.data
    assert stored(db) == 0


def test_where_asked_for_a_session_of_the_org_from_its_instance_is_taken(hooked, db, configure):
    configure(outbound_require_session=True)
    assert post(hooked, message(session=SESSION)).status_code == 200
    assert stored(db) == 1


def test_where_asked_for_api_urls_on_another_host_are_refused(hooked, db, configure):
    configure(outbound_require_session=True)
    assert post(hooked, message(session=SESSION, host="evil.example")).status_code == 401
    assert stored(db) == 0


def test_where_asked_for_a_session_of_another_org_is_refused(hooked, db, configure):
    configure(outbound_require_session=True)
    assert post(hooked, message(session="00Dxx0000000009!AQ4AQOther")).status_code == 401
    assert stored(db) == 0


def test_the_sandbox_orgs_own_message_with_its_session_is_taken_where_sessions_are_required(hooked, db, configure):
    sandbox = SalesforceSandbox(seed=5, instance_url="https://127.0.0.1:9")
    try:
        configure(outbound_require_session=True, organization_id=sandbox.org_id)
        definition = sandbox.add_outbound_message("Account", ["Name"], "https://127.0.0.1:9/unused",
                                                  include_session_id=True)
        account_id = sandbox.insert_records("Account", [{"Name": "Enveloped Ltd"}])[0]
        body = sandbox.outbound.envelope(definition, [Notification("04l000000000001AAA", definition.action_id,
                                                                   account_id, 0.0, 0.0)])
    finally:
        sandbox.close()
    assert post(hooked, body).status_code == 200
    assert stored(db) == 1
