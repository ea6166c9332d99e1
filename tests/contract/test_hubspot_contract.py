"""Contract tests: each call revhub makes to HubSpot through hubspot-api-client, and the shape
of the answers revhub relies on.

They run against the local HubSpot sandbox always, and against a real portal (a developer test
account set up as docs/setup/hubspot.md says) when ``REVHUB_CONTRACT_HUBSPOT_TOKEN`` is set;
there they create records named ``revhubcontract…`` and archive them afterwards. The same
assertions on both is how the sandbox is checked against HubSpot itself. As for Salesforce,
Stripe and Xero, they cover pull (search paging and its cap), incremental reads, deletes (the
recycling bin), webhooks, write-back (upsert, update, refusals) and the rate limits.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from revhub.connectors.errors import FatalError, RetriableError
from revhub.connectors.hubspot.client import HubSpotAPI
from revhub.connectors.hubspot.connector import HubSpotConnector
from revhub.connectors.hubspot.push import HubSpotPusher
from revhub.connectors.resilience import RetryPolicy
from revhub.mappings.writes import WriteItem
from revhub.sandbox.hubspot import HubSpotSandbox
from revhub.sandbox.hubspot.ratelimit import BurstWindow
from revhub.sandbox.server import SandboxServer
from revhub.webhooks.verify import hubspot_signature_valid
from tests.contract.conftest import credential_or_skip

TOKEN_VARIABLE = "REVHUB_CONTRACT_HUBSPOT_TOKEN"


class Portal:
    """One HubSpot to check, and the records the tests made there (archived at the end)."""

    def __init__(self, api: HubSpotAPI, sandbox: HubSpotSandbox | None = None) -> None:
        self.api, self.sandbox, self.made = api, sandbox, []
        self.tag = f"revhubcontract{uuid.uuid4().hex[:8]}"  # one token, however HubSpot splits words

    def create(self, object_type: str, properties: dict[str, str]) -> str:
        made = self.api.request(lambda c: c.crm.objects.basic_api.create(object_type, {"properties": properties}))
        self.made.append((object_type, made.id))
        return made.id

    def settle(self) -> None:
        """HubSpot's search index trails its writes by seconds; the sandbox's does not."""
        if self.sandbox is None:
            time.sleep(8)


@pytest.fixture(params=["sandbox", "hubspot-portal"])
def portal(request) -> Iterator[Portal]:
    if request.param == "hubspot-portal":
        token = credential_or_skip(TOKEN_VARIABLE, "a real HubSpot portal (a developer test account's app token)")
        target = Portal(HubSpotAPI({"access_token": token}, retry=RetryPolicy(attempts=4, max_backoff_seconds=2)))
        yield target
    else:
        sandbox = HubSpotSandbox(seed=5)
        with SandboxServer(sandbox) as server:
            api = HubSpotAPI({"access_token": sandbox.access_token}, server.url, retry=RetryPolicy(attempts=4))
            target = Portal(api, sandbox)
            yield target
        sandbox.close()
        return
    for object_type, record_id in reversed(target.made):
        target.api.request(lambda c, t=object_type, i=record_id: c.crm.objects.basic_api.archive(t, i))


def test_search_on_hs_lastmodifieddate_answers_in_order_with_total_and_paging(portal):
    since = int(time.time() * 1000) - 1000
    ids = [portal.create("companies", {"name": f"{portal.tag} {n}"}) for n in range(3)]
    portal.settle()
    body = {"filterGroups": [{"filters": [
                {"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": str(since)},
                {"propertyName": "name", "operator": "CONTAINS_TOKEN", "value": portal.tag}]}],
            "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
            "properties": ["name"], "limit": 2}
    first = portal.api.search("companies", body, "customer")
    assert first["total"] == 3 and len(first["results"]) == 2 and first["paging"]["next"]["after"]
    rest = portal.api.search("companies", {**body, "after": first["paging"]["next"]["after"]}, "customer")
    found = [r["id"] for r in first["results"] + rest["results"]]
    assert sorted(found, key=int) == sorted(ids, key=int)
    stamps = [r["properties"]["hs_lastmodifieddate"] for r in first["results"] + rest["results"]]
    assert stamps == sorted(stamps)


def test_a_page_past_the_result_cap_is_refused_as_a_fatal_validation_error(portal):
    with pytest.raises(FatalError) as refused:
        portal.api.search("companies", {"limit": 200, "after": "9900"}, "customer")
    assert refused.value.status == 400


def test_archived_records_are_listed_only_with_archived_true_and_fetched_as_deletes(portal):
    record_id = portal.create("companies", {"name": f"{portal.tag} gone"})
    portal.api.request(lambda c: c.crm.objects.basic_api.archive("companies", record_id))
    portal.made.remove(("companies", record_id))
    connector = HubSpotConnector(portal.api)
    change = connector.fetch("customer", record_id)
    assert change is not None and change.deleted and change.external_id == record_id
    listed, after = [], None
    while True:
        page = portal.api.list_archived("companies", ["hs_object_id"], "customer", after)
        listed += [r["id"] for r in page["results"]]
        after = ((page.get("paging") or {}).get("next") or {}).get("after")
        if not after:
            break
    assert record_id in listed


def test_associations_batch_read_and_the_upsert_revhub_writes_deals_with(portal):
    company = portal.create("companies", {"name": f"{portal.tag} buyer"})
    key = f"{portal.tag}-po"
    deal = portal.api.upsert("deals", "revhub_id", key, {"dealname": f"{portal.tag} deal", "po_status": "invoiced"},
                             "purchase_order")
    portal.made.append(("deals", deal["id"]))
    again = portal.api.upsert("deals", "revhub_id", key, {"amount_paid": "12.50"}, "purchase_order")
    assert again["id"] == deal["id"]
    portal.api.associate("deals", deal["id"], "companies", company, "purchase_order")
    assert portal.api.associations("deals", "companies", [deal["id"]], "purchase_order") == {deal["id"]: [company]}
    read = portal.api.batch_read("deals", [deal["id"]], ["po_status", "amount_paid", "revhub_id"], "purchase_order")
    assert read[0]["properties"]["po_status"] == "invoiced" and read[0]["properties"]["amount_paid"] == "12.50"


def _search_since(portal, since: int, **extra) -> dict:
    body = {"filterGroups": [{"filters": [
                {"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": str(since)},
                {"propertyName": "name", "operator": "CONTAINS_TOKEN", "value": portal.tag}]}],
            "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
            "properties": ["name", "tax_id"], "limit": 100, **extra}
    return portal.api.search("companies", body, "customer")


def test_an_incremental_search_from_a_records_stamp_finds_it_and_not_what_changed_before(portal):
    ids = [portal.create("companies", {"name": f"{portal.tag} {n}"}) for n in range(3)]
    portal.settle()
    assert {r["id"] for r in _search_since(portal, 0)["results"]} == set(ids)
    time.sleep(0.01)
    portal.api.update("companies", ids[0], {"tax_id": "NL123456789B01"}, "customer")
    portal.settle()
    changed = portal.api.get("companies", ids[0], ["hs_lastmodifieddate"], "customer")
    since = int(changed["updated_at"].timestamp() * 1000)
    found = _search_since(portal, since)["results"]
    assert [r["id"] for r in found] == [ids[0]] and found[0]["properties"]["tax_id"] == "NL123456789B01"


def test_a_customer_write_back_updates_only_the_changed_properties_and_reads_back(portal):
    company = portal.create("companies", {"name": f"{portal.tag} ltd", "city": "Utrecht"})
    record = {"name": f"{portal.tag} bv", "email": "ap@contract.example", "tax_id": "NL000099998B57",
              "billing_line1": "Keizersgracht 1", "billing_line2": None, "billing_city": "Utrecht"}
    base = {**record, "name": f"{portal.tag} ltd", "email": None, "tax_id": None, "billing_line1": None}
    item = WriteItem(1, "k", "upsert", "customer", uuid.uuid4(), 2, record, company, base)
    assert HubSpotPusher(portal.api).describe("customer", item) == {
        "name": f"{portal.tag} bv", "billing_email": "ap@contract.example", "tax_id": "NL000099998B57",
        "address": "Keizersgracht 1"}

    [result] = HubSpotPusher(portal.api).push("customer", [item])

    assert (result.status, result.external_id) == ("sent", company)
    read = portal.api.get("companies", company, ["name", "billing_email", "tax_id", "address", "city"], "customer")
    assert {k: read["properties"].get(k) for k in ("name", "billing_email", "tax_id", "address", "city")} == {
        "name": f"{portal.tag} bv", "billing_email": "ap@contract.example", "tax_id": "NL000099998B57",
        "address": "Keizersgracht 1", "city": "Utrecht"}


def test_an_unknown_property_is_refused_as_a_fatal_property_doesnt_exist(portal):
    company = portal.create("companies", {"name": f"{portal.tag} refused"})
    with pytest.raises(FatalError) as refused:
        portal.api.update("companies", company, {"revhub_no_such_property": "x"}, "customer")
    assert refused.value.status == 400 and "revhub_no_such_property" in str(refused.value)


def test_answers_carry_the_apps_rate_limit_window_and_day(portal):
    portal.api.list_archived("companies", ["hs_object_id"], "customer", None)
    limits = portal.api.limiter.limits
    assert portal.api.budget is not None and portal.api.budget.day_limit  # a private app is told its day
    assert 1 <= limits.per_window < 250 and 10.0 <= limits.window_seconds <= 11.0


def test_a_spent_window_is_a_429_naming_its_policy_retried_after_the_window(portal):
    if portal.sandbox is None:
        pytest.skip("spending a real portal's burst window on purpose would disturb its other apps")
    portal.sandbox.windows["private"] = BurstWindow(2, 1000, 100)
    once = HubSpotAPI({"access_token": portal.sandbox.access_token}, portal.api.base_url,
                      retry=RetryPolicy(attempts=1), portal="spent")
    for _ in range(2):  # another process of the app spends the window
        portal.sandbox.windows["private"].take()
    with pytest.raises(RetriableError) as refused:
        once.request(lambda c: c.crm.objects.basic_api.get_page("companies", limit=1))
    assert refused.value.status == 429 and "TEN_SECONDLY_ROLLING" in str(refused.value)
    assert refused.value.retry_after == 1.0  # the window's X-HubSpot-RateLimit-Interval-Milliseconds


class _Receiver(BaseHTTPRequestHandler):
    got: list = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.got.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        """Quiet."""


def test_a_webhook_is_signed_v3_over_method_uri_body_and_timestamp(portal):
    if portal.sandbox is None:
        pytest.skip("a real portal's webhooks go to the app's public target URL, not to this test")
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.handle_request, daemon=True).start()
    target = f"http://127.0.0.1:{server.server_address[1]}/webhooks/hubspot/contract"
    _Receiver.got = []
    portal.sandbox.subscribe(target)
    company = portal.create("companies", {"name": f"{portal.tag} hooked"})
    deadline = time.monotonic() + 10
    while not _Receiver.got and time.monotonic() < deadline:
        time.sleep(0.05)
    server.server_close()
    headers, body = _Receiver.got[0]
    assert hubspot_signature_valid("POST", target, body, headers["X-HubSpot-Signature-v3"],
                                   headers["X-HubSpot-Request-Timestamp"], portal.sandbox.client_secret)
    [event] = json.loads(body)
    assert (event["subscriptionType"], str(event["objectId"])) == ("company.creation", company)
