"""The cheap acknowledgement path refuses what the full checks refused: the JSON walk skipped
only when the raw bytes rule out its faults, no console session or browser headers on
provider callbacks, and nothing stored for a refused body."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from revhub.store import InboxEvent
from revhub.web_json import MAX_DEPTH, BodyError, parse_json
from tests.webhooks.conftest import hooked, stripe_event, stripe_header  # noqa: F401

pytestmark = pytest.mark.store


def _nested(levels: int) -> bytes:
    return b'{"a":' * (levels - 1) + b"{}" + b"}" * (levels - 1)


def test_json_exactly_at_the_depth_limit_parses_and_one_level_deeper_is_refused():
    assert parse_json(_nested(MAX_DEPTH)) is not None
    with pytest.raises(BodyError, match="deep"):
        parse_json(_nested(MAX_DEPTH + 1))


@pytest.mark.parametrize("escape", [b"\\ud800", b"\\uDFFF", b"\\udbff"])
def test_a_lone_surrogate_escape_in_a_small_body_is_still_refused(escape):
    with pytest.raises(BodyError, match="surrogate"):
        parse_json(b'{"id": "evt_1", "name": "' + escape + b'"}')


def test_a_surrogate_pair_and_brackets_inside_strings_are_accepted():
    value = parse_json(b'{"name": "\\ud83d\\ude00", "note": "' + b"[{" * 100 + b'"}')
    assert value["name"] == "\U0001F600" and value["note"].startswith("[{")


def test_a_signed_stripe_event_with_a_lone_surrogate_is_a_400_and_stores_nothing(hooked, db):  # noqa: F811
    body = b'{"id": "evt_1", "type": "customer.updated", "data": {"name": "\\ud800"}}'
    response = hooked.test_client().post("/webhooks/stripe/stripe", data=body,
                                         headers={"Stripe-Signature": stripe_header(body)})
    assert response.status_code == 400 and "surrogate" in response.json["error"]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(InboxEvent)) == 0


def test_a_webhook_answer_sets_no_session_cookie_and_no_browser_headers(hooked):  # noqa: F811
    client = hooked.test_client()
    body = stripe_event("evt_ack_path")
    response = client.post("/webhooks/stripe/stripe", data=body, headers={"Stripe-Signature": stripe_header(body)})
    assert response.status_code == 200 and response.json == {"received": True, "duplicate": False}
    assert "Set-Cookie" not in response.headers
    assert "Content-Security-Policy" not in response.headers
    assert response.headers.get("X-Request-ID")  # the request log and its id still apply
    # The console keeps both.
    page = client.get("/login")
    assert "Content-Security-Policy" in page.headers
