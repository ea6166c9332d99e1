"""HubSpot webhooks v3 at the hub's door: signature over method, URI, body and timestamp, the
5-minute tolerance, one inbox row per event, redeliveries absorbed."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select

from revhub.connections import Vault, save_connection
from revhub.sandbox.hubspot import sign_v3
from revhub.store import InboxEvent
from revhub.webhooks.verify import hubspot_signature_valid

SECRET = "hubspot-app-client-secret-7c1f"
URL = "http://localhost/webhooks/hubspot/hubspot"


def _events(*ids: int, attempt: int = 0) -> bytes:
    return json.dumps([{"eventId": i, "subscriptionId": 7, "portalId": 40000003, "appId": 1234567,
                        "occurredAt": 1795800000000, "subscriptionType": "company.propertyChange",
                        "attemptNumber": attempt, "objectId": 1001, "propertyName": "name",
                        "propertyValue": "Acme", "changeSource": "CRM"} for i in ids]).encode()


def _headers(body: bytes, *, secret: str = SECRET, at_ms: int | None = None, uri: str = URL) -> dict[str, str]:
    timestamp = str(int(time.time() * 1000) if at_ms is None else at_ms)
    return {"X-HubSpot-Signature-v3": sign_v3(secret, "POST", uri, body, timestamp),
            "X-HubSpot-Request-Timestamp": timestamp, "Content-Type": "application/json"}


def test_the_signature_covers_method_uri_body_and_timestamp():
    body, now = _events(1), 1_795_800_000.0
    stamp = str(int(now * 1000))
    signature = sign_v3(SECRET, "POST", URL, body, stamp)
    assert hubspot_signature_valid("POST", URL, body, signature, stamp, SECRET, now=now)
    assert not hubspot_signature_valid("PUT", URL, body, signature, stamp, SECRET, now=now)
    assert not hubspot_signature_valid("POST", URL + "?x=1", body, signature, stamp, SECRET, now=now)
    assert not hubspot_signature_valid("POST", URL, body + b" ", signature, stamp, SECRET, now=now)
    assert not hubspot_signature_valid("POST", URL, body, signature, str(int(stamp) + 1), SECRET, now=now)
    assert not hubspot_signature_valid("POST", URL, body, signature, stamp, "another secret", now=now)
    assert not hubspot_signature_valid("POST", URL, body, None, stamp, SECRET, now=now)
    assert not hubspot_signature_valid("POST", URL, body, "ünïcode", stamp, SECRET, now=now)


def test_a_timestamp_older_than_five_minutes_or_as_far_ahead_is_refused():
    body, now = _events(1), 1_795_800_000.0
    for offset, valid in ((-299, True), (-301, False), (301, False), (0, True)):
        stamp = str(int((now + offset) * 1000))
        signature = sign_v3(SECRET, "POST", URL, body, stamp)
        assert hubspot_signature_valid("POST", URL, body, signature, stamp, SECRET, now=now) is valid, offset


@pytest.fixture
def hooked(app, db, config):
    with db.session(write=True) as s:
        save_connection(s, Vault(config.encryption_key), name="hubspot", provider="hubspot",
                        credentials={"access_token": "pat-na1-x", "client_secret": SECRET},
                        settings={"base_url": "http://127.0.0.1:9"})
    return app.test_client()


def _stored(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(InboxEvent).where(InboxEvent.provider == "hubspot"))


def test_good_signatures_are_stored_one_row_per_event_and_redeliveries_absorbed(hooked, db):
    body = _events(101, 102)
    assert hooked.post("/webhooks/hubspot/hubspot", data=body, headers=_headers(body)).status_code == 204
    again = _events(101, 102, attempt=1)
    assert hooked.post("/webhooks/hubspot/hubspot", data=again, headers=_headers(again)).status_code == 204
    assert _stored(db) == 2
    with db.session() as s:
        kinds = set(s.scalars(select(InboxEvent.event_type)))
    assert kinds == {"company.propertyChange"}


@pytest.mark.parametrize("headers", [
    lambda body: _headers(body, secret="not the app's secret"),
    lambda body: _headers(body, at_ms=int((time.time() - 600) * 1000)),
    lambda body: _headers(body, uri="http://localhost/webhooks/hubspot/other"),
    lambda body: {"Content-Type": "application/json"},
], ids=["bad-secret", "old-timestamp", "other-uri", "unsigned"])
def test_bad_old_or_missing_signatures_are_401_and_store_nothing(hooked, db, headers):
    body = _events(5)
    answer = hooked.post("/webhooks/hubspot/hubspot", data=body, headers=headers(body))
    assert answer.status_code == 401 and "X-HubSpot-Signature-v3" in answer.get_json()["error"]
    assert _stored(db) == 0


def test_a_signed_body_that_is_not_a_list_of_events_is_400(hooked, db):
    body = json.dumps({"objectId": 1}).encode()
    answer = hooked.post("/webhooks/hubspot/hubspot", data=body, headers=_headers(body))
    assert answer.status_code == 400 and _stored(db) == 0
    assert hooked.post("/webhooks/hubspot/nobody", data=body, headers=_headers(body)).status_code == 404
