"""Contract tests: each call revhub makes to Salesforce through simple-salesforce, and the shape
of the answers revhub relies on.

They run against the local Salesforce sandbox in ``make test``, and against a real developer
org (with revhub's package, ``salesforce/``, deployed and multiple currencies enabled) when
``REVHUB_CONTRACT_SALESFORCE_INSTANCE_URL`` and ``REVHUB_CONTRACT_SALESFORCE_SESSION_ID`` are
set, or ``REVHUB_CONTRACT_SALESFORCE_USERNAME``, ``..._PASSWORD`` and ``..._TOKEN`` (a login
through simple-salesforce). Against an org they create records named ``revhub-contract-…``
and delete them afterwards. The same assertions on both is how the sandbox is checked
against Salesforce itself.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceRefusedRequest

from revhub.connectors.errors import RetriableError
from revhub.connectors.salesforce.client import SalesforceAPI, classify
from revhub.connectors.salesforce.push import exact_json
from revhub.connectors.salesforce.settings import API_VERSION
from revhub.sandbox.salesforce import SalesforceSandbox
from revhub.sandbox.server import SandboxServer
from revhub.sandbox.tls import ensure_tls, server_ssl_context

ENV = "REVHUB_CONTRACT_SALESFORCE_"
SALESFORCE_ID = re.compile(r"^[a-zA-Z0-9]{18}$")
NO_ORG = (f"no developer org: set {ENV}INSTANCE_URL and {ENV}SESSION_ID (or {ENV}USERNAME, "
          f"{ENV}PASSWORD and {ENV}TOKEN) to run these contract tests against Salesforce itself")


@dataclass
class Org:
    """One Salesforce to check: revhub's client on it, and what the tests made there."""

    api: SalesforceAPI
    sandbox: SalesforceSandbox | None = None
    created: list[str] = field(default_factory=list)
    tag: str = field(default_factory=lambda: f"revhub-contract-{uuid.uuid4().hex[:8]}")

    def restful(self, path: str, method: str = "GET", body: dict | None = None):
        """A REST call through simple-salesforce (bodies as exact JSON, as revhub sends them)."""
        kwargs = {"data": exact_json(body)} if body is not None else {}
        return self.api.request(lambda sf: sf.restful(path, method=method, **kwargs))

    def create(self, sobject: str, records: list[dict]) -> list[dict]:
        """https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_create.htm"""
        answers = []
        for start in range(0, len(records), 200):
            chunk = [{"attributes": {"type": sobject}, **r} for r in records[start:start + 200]]
            answers += self.restful("composite/sobjects", "POST", {"allOrNone": True, "records": chunk})
        self.created += [a["id"] for a in answers if a.get("success")]
        return answers


def _real_org() -> SalesforceAPI | None:
    instance, session = os.environ.get(f"{ENV}INSTANCE_URL"), os.environ.get(f"{ENV}SESSION_ID")
    username = os.environ.get(f"{ENV}USERNAME")
    if instance and session:
        return SalesforceAPI({"access_token": session}, instance)
    if username:
        login = Salesforce(username=username, password=os.environ.get(f"{ENV}PASSWORD", ""),
                           security_token=os.environ.get(f"{ENV}TOKEN", ""), version=API_VERSION)
        return SalesforceAPI({"access_token": login.session_id}, f"https://{login.sf_instance}")
    return None


@pytest.fixture(scope="module")
def served_sandbox(tmp_path_factory) -> Iterator[tuple[SalesforceSandbox, str, str]]:
    directory = tmp_path_factory.mktemp("contract-tls")
    ca_path = ensure_tls(directory)[0]
    sandbox = SalesforceSandbox(seed=11)
    server = SandboxServer(sandbox, ssl_context=server_ssl_context(directory)).start()
    yield sandbox, server.url, ca_path
    server.stop()
    sandbox.close()


@pytest.fixture(params=["sandbox", "developer-org"])
def org(request) -> Iterator[Org]:
    if request.param == "sandbox":
        sandbox, url, ca_path = request.getfixturevalue("served_sandbox")
        sandbox.reset()
        yield Org(SalesforceAPI({"access_token": sandbox.sessions.static_token}, url, ca_bundle=ca_path), sandbox)
        return
    api = _real_org()
    if api is None:
        pytest.skip(NO_ORG)
    found = Org(api)
    yield found
    newest_first = list(reversed(found.created))  # children before the accounts they hang from
    for start in range(0, len(newest_first), 200):
        ids = ",".join(newest_first[start:start + 200])
        found.restful(f"composite/sobjects?ids={ids}&allOrNone=false", "DELETE")


def _accounts(org: Org, count: int) -> list[str]:
    answers = org.create("Account", [{"Name": f"{org.tag} {i:04d}", "CurrencyIsoCode": "EUR"}
                                     for i in range(count)])
    return [a["id"] for a in answers]


def _po(org: Org, account_id: str, **fields) -> dict:
    return {"attributes": {"type": "Purchase_Order__c"}, "Name": f"{org.tag} PO", "Account__c": account_id,
            "Revhub_Id__c": str(uuid.uuid4()), "CurrencyIsoCode": "EUR", **fields}


# -- query and queryAll ---------------------------------------------------------------------


def test_query_all_pages_through_next_records_url_until_done(org):
    _accounts(org, 201)
    soql = f"SELECT Id, Name, SystemModstamp FROM Account WHERE Name LIKE '{org.tag}%' ORDER BY Name"
    first = org.api.request(lambda sf: sf.query(soql, include_deleted=True,
                                                headers={"Sforce-Query-Options": "batchSize=200"}))
    assert (first["totalSize"], first["done"], len(first["records"])) == (201, False, 200)
    assert first["nextRecordsUrl"].startswith(f"/services/data/v{API_VERSION}/query")
    record = first["records"][0]
    assert record["attributes"]["type"] == "Account" and SALESFORCE_ID.match(record["Id"])
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$", record["SystemModstamp"])
    last = org.api.query_page(first["nextRecordsUrl"], next_url=True)
    assert (last["done"], len(last["records"]), "nextRecordsUrl" in last) == (True, 1, False)
    assert last["records"][0]["Name"] == f"{org.tag} 0200"


def test_a_deleted_record_is_found_by_query_all_with_is_deleted_and_not_by_query(org):
    [account_id] = _accounts(org, 1)
    org.restful(f"sobjects/Account/{account_id}", "DELETE")
    soql = f"SELECT Id, IsDeleted FROM Account WHERE Id = '{account_id}'"
    assert org.api.query_page(soql)["records"][0]["IsDeleted"] is True
    assert org.api.request(lambda sf: sf.query(soql))["totalSize"] == 0


# -- sObject collections --------------------------------------------------------------------


def test_collection_create_answers_an_id_per_record_in_request_order(org):
    answers = org.create("Account", [{"Name": f"{org.tag} A"}, {"Name": f"{org.tag} B"}])
    assert [sorted(a) for a in answers] == [["errors", "id", "success"]] * 2
    assert all(a["success"] is True and a["errors"] == [] and SALESFORCE_ID.match(a["id"]) for a in answers)
    names = org.api.query_page(f"SELECT Name FROM Account WHERE Id = '{answers[1]['id']}'")["records"]
    assert names[0]["Name"] == f"{org.tag} B"


def test_collection_update_answers_each_record_with_its_id(org):
    [account_id] = _accounts(org, 1)
    answers = org.restful("composite/sobjects", "PATCH", {"allOrNone": False, "records": [
        {"attributes": {"type": "Account"}, "Id": account_id, "Billing_Email__c": "ap@contract.example"}]})
    assert answers == [{"id": account_id, "success": True, "errors": []}]


def test_collection_upsert_on_the_revhub_id_says_created_then_updated(org):
    [account_id] = _accounts(org, 1)
    record = _po(org, account_id, Amount__c=Decimal("1234.567"))
    path = "composite/sobjects/Purchase_Order__c/Revhub_Id__c"
    [created] = org.restful(path, "PATCH", {"allOrNone": False, "records": [record]})
    org.created.append(created["id"])
    [updated] = org.restful(path, "PATCH", {"allOrNone": False, "records": [
        {"attributes": {"type": "Purchase_Order__c"}, "Revhub_Id__c": record["Revhub_Id__c"], "Status__c": "Paid"}]})
    assert (created["success"], created["created"], updated["created"]) == (True, True, False)
    assert created["id"] == updated["id"] and created["errors"] == updated["errors"] == []


# -- describe -------------------------------------------------------------------------------


def test_describe_gives_each_field_its_type_and_write_flags(org):
    fields = {f["name"]: f for f in org.api.request(lambda sf: sf.Account.describe())["fields"]}
    assert "CurrencyIsoCode" in fields  # multi-currency: revhub's prerequisite
    assert (fields["Name"]["createable"], fields["Name"]["updateable"]) == (True, True)
    assert (fields["Id"]["createable"], fields["Id"]["updateable"], fields["Id"]["type"]) == (False, False, "id")
    lines = {f["name"]: f for f in org.api.request(lambda sf: sf.Purchase_Order_Line__c.describe())["fields"]}
    assert (lines["Name"]["autoNumber"], lines["Name"]["updateable"]) == (True, False)
    assert (lines["Purchase_Order__c"]["type"], lines["Purchase_Order__c"]["updateable"]) == ("reference", False)


# -- errors and limits ----------------------------------------------------------------------


def test_an_unknown_field_is_a_400_with_salesforces_error_array(org):
    with pytest.raises(SalesforceMalformedRequest) as refused:
        org.api.sf.query("SELECT No_Such_Field__c FROM Account")
    [error] = refused.value.content
    assert sorted(error) == ["errorCode", "message"] and error["errorCode"] == "INVALID_FIELD"


def test_a_record_error_in_a_collection_is_answered_in_the_collection_shape(org):
    [account_id] = _accounts(org, 1)
    [answer] = org.restful("composite/sobjects", "PATCH", {"allOrNone": False, "records": [
        {"attributes": {"type": "Account"}, "Id": account_id, "Billing_Email__c": "not an address"}]})
    assert (answer["id"], answer["success"]) == (account_id, False)
    [error] = answer["errors"]
    assert sorted(error) == ["fields", "message", "statusCode"]
    assert (error["statusCode"], error["fields"]) == ("INVALID_EMAIL_ADDRESS", ["Billing_Email__c"])


def test_limits_report_the_daily_allocation_that_every_answer_counts(org):
    limits = org.restful("limits/")
    daily = limits["DailyApiRequests"]
    assert isinstance(daily["Max"], int) and 0 <= daily["Remaining"] <= daily["Max"]
    usage = org.api.sf.api_usage["api-usage"]
    assert usage.total == daily["Max"] and usage.used >= 1


def test_past_the_daily_allocation_a_call_is_a_403_request_limit_exceeded(org):
    if org.sandbox is None:
        pytest.skip("a real org's daily allocation is not something to use up in a test")
    client = org.api.sf  # set up (no call) before the allocation is gone
    org.sandbox.usage.max = org.sandbox.usage.used()
    with pytest.raises(SalesforceRefusedRequest) as refused:
        client.query("SELECT Id FROM Account")
    assert refused.value.content == [{"message": "TotalRequests Limit exceeded.",
                                      "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
    assert isinstance(classify(refused.value), RetriableError)
