"""The HubSpot sandbox as hubspot-api-client and plain HTTP see it; every answer held to the
SDK's generated models."""

from __future__ import annotations

import pytest
import requests
from hubspot.crm.objects import PublicObjectSearchRequest, SimplePublicObjectInput
from hubspot.crm.objects.exceptions import ApiException

from revhub.sandbox.hubspot import HubSpotSandbox
from revhub.sandbox.server import SandboxServer
from tests.sandbox.hubspot.hubspot_models import ModelMismatch, check


def _http(portal, method: str, path: str, **kwargs) -> requests.Response:
    sandbox, url = portal
    return requests.request(method, url + path, headers={"Authorization": f"Bearer {sandbox.access_token}"},
                            timeout=5, **kwargs)


def _since(ms: int, until: int | None = None, limit: int = 100, after: str | None = None) -> dict:
    filters = [{"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": str(ms)}]
    if until is not None:
        filters.append({"propertyName": "hs_lastmodifieddate", "operator": "LT", "value": str(until)})
    body = {"filterGroups": [{"filters": filters}], "limit": limit,
            "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
            "properties": ["name", "billing_email"]}
    return body | ({"after": after} if after else {})


def test_list_read_create_update_archive_fit_the_sdk_models(portal, client):
    listed = _http(portal, "GET", "/crm/v3/objects/companies", params={"limit": 2, "properties": "name"})
    page = check("CollectionResponseSimplePublicObjectWithAssociationsForwardPaging", listed.json())
    assert len(page.results) == 2 and page.paging.next.after == page.results[-1].id

    made = client.crm.objects.basic_api.create("companies", {"properties": {"name": "Newco Ltd",
                                                                             "billing_email": "ap@newco.example"}})
    got = _http(portal, "GET", f"/crm/v3/objects/companies/{made.id}", params={"properties": "name,billing_email"})
    assert check("SimplePublicObjectWithAssociations", got.json()).properties["billing_email"] == "ap@newco.example"

    before = got.json()["properties"]["hs_lastmodifieddate"]
    changed = client.crm.objects.basic_api.update("companies", made.id,
                                                  SimplePublicObjectInput(properties={"name": "Newco Limited"}))
    assert changed.properties["hs_lastmodifieddate"] > before

    assert _http(portal, "DELETE", f"/crm/v3/objects/companies/{made.id}").status_code == 204
    with pytest.raises(ApiException) as gone:
        client.crm.objects.basic_api.get_by_id("companies", made.id)
    assert gone.value.status == 404 and check("Error", _json(gone.value.body)).category == "OBJECT_NOT_FOUND"
    archived = _http(portal, "GET", "/crm/v3/objects/companies", params={"archived": "true"}).json()
    [record] = check("CollectionResponseSimplePublicObjectWithAssociationsForwardPaging", archived).results
    assert record.id == made.id and record.archived and record.archived_at is not None


def test_search_filters_on_hs_lastmodifieddate_sorts_and_pages_with_after(portal, client):
    sandbox, _ = portal
    everything = _http(portal, "POST", "/crm/v3/objects/companies/search", json=_since(0, limit=2)).json()
    first = check("CollectionResponseWithTotalSimplePublicObjectForwardPaging", everything)
    assert first.total == 3 and len(first.results) == 2 and first.paging.next.after == "2"
    rest = _http(portal, "POST", "/crm/v3/objects/companies/search", json=_since(0, limit=2, after="2")).json()
    assert len(rest["results"]) == 1 and "paging" not in rest

    sandbox.clock.advance(60)
    edited = sandbox.store.live("companies")[1]
    sandbox.store.update("companies", edited.id, {"name": "Edited Inc."})
    request = PublicObjectSearchRequest(filter_groups=[{"filters": [
        {"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": str(edited.modified_ms)}]}],
        sorts=[{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}], properties=["name"], limit=10)
    found = client.crm.objects.search_api.do_search("companies", request)
    assert [r.id for r in found.results] == [edited.id] and found.results[0].properties["name"] == "Edited Inc."
    older = _http(portal, "POST", "/crm/v3/objects/companies/search",
                  json=_since(0, until=edited.modified_ms)).json()
    assert edited.id not in [r["id"] for r in older["results"]] and older["total"] == 2


def test_a_search_past_ten_thousand_results_is_refused_as_hubspot_does(portal):
    sandbox, _ = portal
    over = _http(portal, "POST", "/crm/v3/objects/companies/search", json=_since(0, limit=200, after="9900"))
    assert over.status_code == 400
    assert check("Error", over.json()).category == "VALIDATION_ERROR" and "10000" in over.json()["message"]
    too_big = _http(portal, "POST", "/crm/v3/objects/companies/search", json=_since(0, limit=201))
    assert too_big.status_code == 400


def test_a_fifth_search_within_a_second_is_a_429_secondly(portal):
    answers = [_http(portal, "POST", "/crm/v3/objects/contacts/search", json={"limit": 1}) for _ in range(6)]
    statuses = [a.status_code for a in answers]
    assert statuses[:4] == [200] * 4 and 429 in statuses[4:]
    refused = next(a for a in answers if a.status_code == 429).json()
    assert refused["policyName"] == "SECONDLY" and refused["errorType"] == "RATE_LIMIT"


def test_an_injected_429_carries_hubspots_rate_limit_headers(portal):
    sandbox, url = portal
    requests.post(f"{url}/__sandbox/faults", json={"kind": "429", "count": 1}, timeout=5)
    answer = _http(portal, "GET", "/crm/v3/objects/deals")
    assert answer.status_code == 429
    assert answer.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert answer.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert answer.json()["policyName"] == "TEN_SECONDLY_ROLLING"


def test_associations_v4_batch_read_links_deals_to_companies_and_line_items(portal, client):
    deal = _http(portal, "GET", "/crm/v3/objects/deals", params={"limit": 1}).json()["results"][0]
    body = {"inputs": [{"id": deal["id"]}]}
    lines = _http(portal, "POST", "/crm/v4/associations/deals/line_items/batch/read", json=body).json()
    parsed = check("BatchResponsePublicAssociationMultiWithLabel", lines, package="associations")
    assert parsed.results[0].to and parsed.results[0].to[0].association_types[0].type_id == 19
    ids = [{"id": str(t.to_object_id)} for t in parsed.results[0].to]
    read = _http(portal, "POST", "/crm/v3/objects/line_items/batch/read",
                 json={"inputs": ids, "properties": ["quantity", "price", "hs_sku"]}).json()
    assert len(check("BatchResponseSimplePublicObject", read).results) == len(ids)
    companies = client.crm.associations.v4.batch_api.get_page("deals", "companies", {"inputs": [{"id": deal["id"]}]})
    assert companies.results[0].to[0].association_types[0].type_id == 5


def test_refusals_unknown_property_read_only_property_and_bad_token(portal):
    sandbox, url = portal
    unknown = _http(portal, "POST", "/crm/v3/objects/deals", json={"properties": {"po_colour": "red"}})
    assert unknown.status_code == 400 and check("Error", unknown.json()).errors[0].code == "PROPERTY_DOESNT_EXIST"
    read_only = _http(portal, "POST", "/crm/v3/objects/deals", json={"properties": {"hs_lastmodifieddate": "1"}})
    assert read_only.status_code == 400
    anonymous = requests.get(f"{url}/crm/v3/objects/deals", timeout=5)
    assert anonymous.status_code == 401 and anonymous.json()["category"] == "INVALID_AUTHENTICATION"


def test_the_model_check_catches_a_key_hubspot_never_sends():
    with pytest.raises(ModelMismatch):
        check("SimplePublicObject", {"id": "1", "properties": {}, "createdAt": "2026-01-01T00:00:00.000Z",
                                     "updatedAt": "2026-01-01T00:00:00.000Z", "colour": "red"})


def test_a_smaller_result_cap_can_be_set_for_tests():
    sandbox = HubSpotSandbox(max_search_results=4)
    for n in range(6):
        sandbox.store.create("companies", {"name": f"Co {n}"})
    with SandboxServer(sandbox) as server:
        headers = {"Authorization": f"Bearer {sandbox.access_token}"}
        ok = requests.post(f"{server.url}/crm/v3/objects/companies/search", json={"limit": 4}, headers=headers,
                           timeout=5)
        past = requests.post(f"{server.url}/crm/v3/objects/companies/search", json={"limit": 2, "after": "4"},
                             headers=headers, timeout=5)
    # The next token is given at the cap, as HubSpot does; following it is refused.
    assert ok.json()["total"] == 6 and ok.json()["paging"]["next"]["after"] == "4" and past.status_code == 400


def _json(text):
    import json

    return json.loads(text)


def test_batch_upsert_by_a_unique_property_creates_once_and_then_updates(portal, client):
    body = {"inputs": [{"idProperty": "revhub_id", "id": "4b1c-po", "properties": {"po_number": "PO-9"}}]}
    made = _http(portal, "POST", "/crm/v3/objects/deals/batch/upsert", json=body).json()
    again = client.crm.objects.batch_api.upsert("deals", {"inputs": [
        {"idProperty": "revhub_id", "id": "4b1c-po", "properties": {"po_status": "paid"}}]})
    first = check("BatchResponseSimplePublicUpsertObject", made).results[0]
    assert first.new and not again.results[0].new and again.results[0].id == first.id
    refused = _http(portal, "POST", "/crm/v3/objects/deals/batch/upsert",
                    json={"inputs": [{"idProperty": "dealname", "id": "x", "properties": {}}]})
    assert refused.status_code == 400


def test_property_definitions_fit_the_sdk_models_and_name_the_unique_upsert_keys(portal):
    for object_type in ("companies", "contacts", "deals", "line_items"):
        answer = _http(portal, "GET", f"/crm/v3/properties/{object_type}").json()
        parsed = check("CollectionResponsePropertyNoPaging", answer, package="properties")
        unique = {p.name for p in parsed.results if p.has_unique_value}
        assert unique == {"deals": {"revhub_id"}, "line_items": {"revhub_line_id"}, "contacts": {"email"},
                          "companies": set()}[object_type]
