"""Contract tests: each call revhub makes to HubSpot through hubspot-api-client, and the shape
of the answers revhub relies on.

They run against the local HubSpot sandbox always, and against a real portal (a developer test
account set up as docs/setup/hubspot.md says) when ``REVHUB_CONTRACT_HUBSPOT_TOKEN`` is set;
there they create records named ``revhubcontract…`` and archive them afterwards. The same
assertions on both is how the sandbox is checked against HubSpot itself.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator

import pytest

from revhub.connectors.errors import FatalError
from revhub.connectors.hubspot.client import HubSpotAPI
from revhub.connectors.hubspot.connector import HubSpotConnector
from revhub.connectors.resilience import RetryPolicy
from revhub.sandbox.hubspot import HubSpotSandbox
from revhub.sandbox.server import SandboxServer

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
        token = os.environ.get(TOKEN_VARIABLE, "").strip()
        if not token:
            pytest.skip(f"{TOKEN_VARIABLE} is not set: the contract run against a real HubSpot portal is skipped "
                        f"(set it to a private app token of a developer test account)")
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
