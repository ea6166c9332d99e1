"""Random bodies, headers and signatures at every endpoint: never a 500, never a stored event
without a valid signature."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from revhub.store import InboxEvent
from tests.webhooks.conftest import SALESFORCE_URL

pytestmark = pytest.mark.store

ENDPOINTS = ["/webhooks/stripe/stripe", "/webhooks/xero/xero", SALESFORCE_URL, "/webhooks/salesforce/salesforce",
             "/webhooks/stripe/unknown", "/webhooks/xero/stripe"]
# HTTP cannot carry CR or LF inside a header value.
header_text = st.text(alphabet=st.characters(blacklist_characters="\r\n"), max_size=200)
header_values = st.one_of(st.none(), header_text,
                          st.builds(lambda t, s: f"t={t},v1={s}", st.integers(), header_text))
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(path=st.sampled_from(ENDPOINTS), body=st.binary(max_size=2000), signature=header_values,
       xero_signature=header_values, content_type=st.sampled_from(["application/json", "text/xml", "text/plain"]))
def test_no_input_causes_a_500_or_an_unsigned_stored_event(hooked, db, path, body, signature, xero_signature,
                                                           content_type):
    headers = {"Content-Type": content_type}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    if xero_signature is not None:
        headers["x-xero-signature"] = xero_signature
    response = hooked.test_client().post(path, data=body, headers=headers)
    assert response.status_code < 500
    if "salesforce" not in path:
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(InboxEvent)) == 0


@FUZZ
@given(body=st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=30),
                         lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=10), c, max_size=4),
                         max_leaves=20).map(lambda v: __import__("json").dumps(v).encode()))
def test_validly_signed_but_odd_json_is_never_a_500(hooked, body):
    from tests.webhooks.conftest import stripe_header, xero_header

    client = hooked.test_client()
    assert client.post("/webhooks/stripe/stripe", data=body,
                       headers={"Stripe-Signature": stripe_header(body)}).status_code < 500
    assert client.post("/webhooks/xero/xero", data=body,
                       headers={"x-xero-signature": xero_header(body)}).status_code < 500
