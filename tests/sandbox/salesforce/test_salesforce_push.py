"""revhub's Salesforce write-back against the sandbox: only fields that may change are sent."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest

from revhub.connectors.salesforce.client import SalesforceAPI
from revhub.connectors.salesforce.push import SalesforcePusher
from revhub.mappings.writes import WriteItem

from .conftest import account


@pytest.fixture
def pusher(sandbox, base_url, ca_path) -> SalesforcePusher:
    api = SalesforceAPI({"access_token": sandbox.sessions.static_token}, base_url, ca_bundle=ca_path)
    return SalesforcePusher(api)


def po_item(record_id, account_id, external_id=None, **changes) -> WriteItem:
    record = {"po_number": "4500012345", "issue_date": "2026-11-02", "currency": "USD",
              "total_minor": 9800, "subscription_start": "2026-12-01", "subscription_end": "2027-11-30",
              "payment_terms": "NET30", "status": "approved", **changes}
    return WriteItem(message_id=1, idempotency_key="k", operation="upsert", entity="purchase_order",
                     record_id=record_id, version=1, record=record, external_id=external_id, base=None,
                     refs={"customer": account_id})


def test_an_update_leaves_the_pos_account_and_revhub_id_as_they_were(sf, pusher):
    first, second = (sf.Account.create(account(Name=n))["id"] for n in ("First Ltd", "Second Ltd"))
    record_id = uuid.uuid4()
    [created] = pusher.push("purchase_order", [po_item(record_id, first)])
    [updated] = pusher.push("purchase_order", [po_item(uuid.uuid4(), second, created.external_id,
                                                       payment_terms="NET45")])
    assert (created.status, updated.status) == ("sent", "sent")
    po = sf.Purchase_Order__c.get(created.external_id)
    assert (po["Account__c"], po["Revhub_Id__c"], po["Payment_Terms__c"]) == (first, str(record_id), "NET45")


def test_an_update_drops_the_auto_number_name_and_the_master_detail_parent(pusher):
    fields = {"Name": "POL-9", "Purchase_Order__c": "a01000000000001AAA", "Quantity__c": 2}
    assert pusher.only_changeable("Purchase_Order_Line__c", fields, creating=False) == {"Quantity__c": 2}


def test_a_create_drops_what_the_org_computes_itself(pusher):
    fields = {"Name": "POL-9", "Purchase_Order__c": "a01000000000001AAA", "Total_Price__c": 10}
    assert pusher.only_changeable("Purchase_Order_Line__c", fields, creating=True) == {
        "Purchase_Order__c": "a01000000000001AAA"}


def test_an_amount_goes_on_the_wire_as_an_exact_decimal(sf, pusher, http, base_url, sandbox):
    account_id = sf.Account.create(account())["id"]
    # 17 significant digits: through a float 999999999999999.99 becomes 1e15, past the
    # field's precision (18, scale 3), and Salesforce would refuse it.
    [result] = pusher.push("purchase_order", [po_item(uuid.uuid4(), account_id,
                                                      total_minor=99_999_999_999_999_999)])
    assert result.status == "sent", result.error
    answer = http.get(f"{base_url}/services/data/v62.0/sobjects/Purchase_Order__c/{result.external_id}",
                      headers={"Authorization": f"Bearer {sandbox.sessions.static_token}"})
    assert json.loads(answer.text, parse_float=Decimal)["Amount__c"] == Decimal("999999999999999.990")


def customer_item(external_id, record, base=None) -> WriteItem:
    return WriteItem(message_id=7, idempotency_key="c", operation="upsert", entity="customer",
                     record_id=uuid.uuid4(), version=2, record=record, external_id=external_id, base=base)


CUSTOMER = {"name": "Globex Analytics Ltd", "email": "ap@globexanalytics.example", "tax_id": "GB123456789",
            "billing_line1": "12 Market St", "billing_line2": None, "billing_city": "London",
            "billing_region": None, "billing_postal_code": "EC1A 1BB", "billing_country": "GB",
            "default_currency": "GBP"}


def test_a_customer_change_reaches_its_account_and_leaves_fields_revhub_did_not_change(sf, pusher):
    account_id = sf.Account.create(account())["id"]
    sf.Account.update(account_id, {"Billing_Email__c": "finance@globex.example"})  # edited in the CRM
    record = {**CUSTOMER, "name": "Globex Analytics BV", "billing_line2": "Floor 3"}
    [result] = pusher.push("customer", [customer_item(account_id, record, base=CUSTOMER)])
    assert (result.status, result.external_id) == ("sent", account_id)
    got = sf.Account.get(account_id)
    assert (got["Name"], got["BillingStreet"], got["Billing_Email__c"]) == (
        "Globex Analytics BV", "12 Market St\nFloor 3", "finance@globex.example")


def test_a_customer_salesforce_has_no_account_for_is_skipped(pusher, sandbox):
    [result] = pusher.push("customer", [customer_item(None, CUSTOMER)])
    assert result.status == "skipped" and sandbox.requests.entries() == []


def test_a_customer_whose_account_already_agrees_costs_no_call(pusher, sandbox):
    [result] = pusher.push("customer", [customer_item("001000000000001AAA", CUSTOMER, base=CUSTOMER)])
    assert result.status == "sent" and sandbox.requests.entries() == []
