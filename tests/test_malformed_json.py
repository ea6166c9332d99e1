"""Malformed JSON bodies are refused with a 400 (413 when too large) and a JSON error, on the
PO API and on every signed webhook: never a 500, never anything stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from revhub.store import InboxEvent, PurchaseOrder
from tests.approvals.holders import bearer_of
from tests.orders.conftest import api  # noqa: F401 - the PO API fixture
from tests.orders.test_intake import po
from tests.webhooks.conftest import hooked, stripe_header, xero_header  # noqa: F401

pytestmark = pytest.mark.store

DEEP_ARRAY = b"[" * 50_000 + b"]" * 50_000
DEEP_OBJECT = b'{"a":' * 50_000 + b"1" + b"}" * 50_000


def _bearer(config) -> dict:
    return {"Authorization": f"Bearer {config.api_token}"}


def _json_error(response, status: int) -> None:
    assert response.status_code == status, (response.status_code, response.data[:300])
    assert response.is_json and isinstance(response.json.get("error"), str), response.data[:300]


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT], ids=["array", "object"])
def test_json_nested_50000_deep_is_a_400_on_the_po_api(api, app, config, db, body):  # noqa: F811
    response = app.test_client().post("/api/purchase-orders", data=body, content_type="application/json",
                                      headers=_bearer(config))
    _json_error(response, 400)
    assert "deep" in response.json["error"]


@pytest.mark.parametrize("body", [DEEP_ARRAY, b'{"id": "evt_1", "type": "x", "data": ' + DEEP_OBJECT + b"}"],
                         ids=["array", "inside-an-event"])
def test_a_correctly_signed_stripe_event_nested_50000_deep_is_a_400(hooked, db, body):  # noqa: F811
    response = hooked.test_client().post("/webhooks/stripe/stripe", data=body,
                                         headers={"Stripe-Signature": stripe_header(body)})
    _json_error(response, 400)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(InboxEvent)) == 0


def test_a_correctly_signed_xero_payload_nested_50000_deep_is_a_400(hooked):  # noqa: F811
    body = b'{"events": ' + DEEP_ARRAY + b"}"
    response = hooked.test_client().post("/webhooks/xero/xero", data=body,
                                         headers={"x-xero-signature": xero_header(body)})
    _json_error(response, 400)


@pytest.mark.parametrize("body", [[], ["approver"], "dana", 3, None], ids=["list", "list2", "string", "number",
                                                                              "null"])
def test_approve_with_a_body_that_is_not_an_object_is_a_400(api, db, body):  # noqa: F811
    created = api("post", "/api/purchase-orders", po()).json
    response = api("post", f"/api/purchase-orders/{created['id']}/approve", body)
    _json_error(response, 400)
    with db.session() as s:
        assert s.get(PurchaseOrder, __import__("uuid").UUID(created["id"])).status == created["status"]


@pytest.mark.parametrize("path", ["/api/purchase-orders", "/api/purchase-orders/{id}/approve"])
@pytest.mark.parametrize("body, content_type", [
    (b'{"approver": "dana\xff"}', "application/json"),        # invalid UTF-8
    (b'{"approver": "\\ud800"}', "application/json"),         # a lone surrogate: not text
    (b'{"approver": NaN}', "application/json"),               # not JSON
    (b'{"approver": "dana"', "application/json"),             # truncated
    (b'{"approver": "dana"}', "text/plain"),                  # wrong content type
    (b'{"approver": "dana"}', "application/x-www-form-urlencoded"),
    (b"", "application/json"),                                # empty
], ids=["utf8", "surrogate", "nan", "truncated", "text-plain", "form", "empty"])
def test_every_malformed_body_on_the_po_api_is_a_400_with_a_json_error(api, app, config, path, body,  # noqa: F811
                                                                      content_type):
    po_id = api("post", "/api/purchase-orders", po()).json["id"] if "{id}" in path else None
    response = app.test_client().post(path.format(id=po_id), data=body, content_type=content_type,
                                      headers=_bearer(config))
    _json_error(response, 400)


def test_a_body_over_the_limit_is_a_413_with_a_json_error(api, app, config):  # noqa: F811
    body = b'{"approver": "' + b"x" * (config.webhook_max_body_bytes + 10) + b'"}'
    response = app.test_client().post("/api/purchase-orders", data=body, content_type="application/json",
                                      headers=_bearer(config))
    _json_error(response, 413)


def test_a_signed_stripe_event_with_invalid_utf8_is_a_400(hooked):  # noqa: F811
    body = b'{"id": "evt_1\xff", "type": "customer.updated"}'
    response = hooked.test_client().post("/webhooks/stripe/stripe", data=body,
                                         headers={"Stripe-Signature": stripe_header(body)})
    _json_error(response, 400)


def test_a_json_charset_parameter_is_still_json(api, app, config, db):  # noqa: F811
    created = api("post", "/api/purchase-orders", po()).json
    response = app.test_client().post(f"/api/purchase-orders/{created['id']}/approve",
                                      data=b'{"note": "checked"}', content_type="application/json; charset=utf-8",
                                      headers=bearer_of(db, "erin"))
    assert response.status_code == 200, response.json
    assert response.json["status"] != created["status"]
