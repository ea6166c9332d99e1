"""QuickBooks webhooks end to end: the sandbox's signed notifications reach the hub over real
HTTP, are verified (intuit-signature), stored in the inbox, then fetched and applied."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
import requests
from sqlalchemy import select

from revhub.sandbox.server import SandboxServer
from revhub.store import Customer, InboxEvent, Invoice, Link, Payment
from revhub.sync.jobs import plan, sync_all
from revhub.webhooks.verify import intuit_signature_valid
from revhub.webhooks.worker import InboxWorker
from tests.integration.test_quickbooks_sync import OtherApp

pytestmark = pytest.mark.store


@pytest.fixture
def hub(app):
    server = SandboxServer(app).start()
    yield server.url
    server.stop()


def _inbox(db) -> list[InboxEvent]:
    with db.session() as s:
        return list(s.scalars(select(InboxEvent).where(InboxEvent.provider == "quickbooks").order_by(InboxEvent.id)))


def _canonical(db, entity: str, external_id: str):
    with db.session() as s:
        return s.scalar(select(Link.canonical_id).where(Link.system == "quickbooks", Link.entity == entity,
                                                       Link.external_id == external_id))


def test_intuit_signature_is_checked_on_the_raw_bytes():
    body = b'{"eventNotifications": []}'
    good = base64.b64encode(hmac.new(b"token", body, hashlib.sha256).digest()).decode()
    assert intuit_signature_valid(body, good, "token")
    assert not intuit_signature_valid(body + b" ", good, "token")
    assert not intuit_signature_valid(body, good, "other")
    assert not intuit_signature_valid(body, None, "token") and not intuit_signature_valid(body, "é", "token")


@pytest.mark.parametrize("legacy", [False, True], ids=["cloudevents", "legacy-envelope"])
def test_signed_notifications_are_stored_fetched_and_applied(db, vault, sandboxes, hub, legacy):
    running = sandboxes("quickbooks", companies=3)
    qbo = running["quickbooks"]
    results = sync_all(db, vault, plan(db, connection="quickbooks"))
    assert all(r.status == "succeeded" for r in results)
    qbo.sandbox.configure_webhooks(f"{hub}/webhooks/quickbooks/quickbooks", qbo.credentials["verifier_token"],
                                   legacy=legacy)
    other = OtherApp(qbo)
    customer = other.query("select * from Customer")[0]
    payment = other.query("select * from Payment")[0]
    other.post("Customer", {"Id": customer["Id"], "SyncToken": customer["SyncToken"], "sparse": True,
                            "PrimaryEmailAddr": {"Address": "ap@qbo-webhook.example"}})
    other.post("Payment", {"Id": payment["Id"], "SyncToken": payment["SyncToken"]}, operation="delete")

    [sent] = qbo.sandbox.webhooks.flush()

    assert sent["status"] == 200
    events = _inbox(db)
    assert sorted(e.event_type for e in events) == ["Customer.Update", "Invoice.Update", "Payment.Delete"]
    assert all(b"qbo-webhook" not in e.body for e in events)  # ids only: the hub fetches
    result = InboxWorker(db, vault, "e2e").drain()
    assert (result.processed, result.failed) == (3, 0)
    invoice_id = payment["Line"][0]["LinkedTxn"][0]["TxnId"]
    with db.session() as s:
        assert s.get(Customer, _canonical(db, "customer", customer["Id"])).email == "ap@qbo-webhook.example"
        assert s.get(Invoice, _canonical(db, "invoice", invoice_id)).amount_paid_minor == 0
        assert s.get(Payment, _canonical(db, "payment", payment["Id"])).deleted_at is not None


def test_bad_signatures_other_realms_and_bad_bodies_store_nothing(db, vault, sandboxes, hub):
    running = sandboxes("quickbooks", companies=1)
    token = running["quickbooks"].credentials["verifier_token"]
    url = f"{hub}/webhooks/quickbooks/quickbooks"

    def post(payload, key=token, raw=None):
        body = raw if raw is not None else json.dumps(payload).encode()
        signature = base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()
        return requests.post(url, data=body, headers={"intuit-signature": signature}, timeout=5)

    entity = {"name": "Customer", "id": "1", "operation": "Update", "lastUpdated": "2026-01-01T00:00:00.000Z"}
    ours = {"eventNotifications": [{"realmId": running["quickbooks"].sandbox.realm_id,
                                    "dataChangeEvent": {"entities": [entity]}}]}
    assert post(ours, key="forged").status_code == 401
    assert requests.post(url, json=ours, timeout=5).status_code == 401
    assert post({"eventNotifications": [{"realmId": "123", "dataChangeEvent": {"entities": [entity]}}]}
                ).status_code == 200
    assert post({"nothing": 1}).status_code == 400 and post(None, raw=b"{not json").status_code == 400
    assert requests.post(f"{hub}/webhooks/quickbooks/nope", data=b"{}", timeout=5).status_code == 404
    assert _inbox(db) == []
    assert post(ours).status_code == 200 and post(ours).status_code == 200  # a redelivery is stored once
    assert len(_inbox(db)) == 1
    cloud = [{"specversion": "1.0", "id": "ce-1", "source": "intuit.x", "type": "qbo.creditmemo.deleted.v1",
              "datacontenttype": "application/json", "time": "2026-11-01T10:00:00.123456789Z",
              "intuitentityid": "42", "intuitaccountid": running["quickbooks"].sandbox.realm_id, "data": {}},
             {**entity, "id": "ce-2", "intuitaccountid": "elsewhere"}]
    assert post(cloud, key="forged").status_code == 401
    assert post(cloud).status_code == 200 and post(cloud).status_code == 200
    assert [(e.event_id, e.event_type) for e in _inbox(db)][1:] == [("ce-1", "CreditMemo.Delete")]
    assert post([{"specversion": "1.0"}]).status_code == 400
