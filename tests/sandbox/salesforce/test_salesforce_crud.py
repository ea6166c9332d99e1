"""Single-record writes and reads through simple-salesforce, including every error path."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from simple_salesforce.exceptions import (
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceResourceNotFound,
)

from revhub.sandbox.salesforce.ids import to18


def test_create_answers_201_with_an_18_char_account_id(sf, account_body):
    result = sf.Account.create(account_body())
    assert result["success"] is True and result["errors"] == []
    assert result["id"].startswith("001") and to18(result["id"]) == result["id"]


def test_read_returns_fields_attributes_and_audit_fields(sf, sandbox, account_body):
    record_id = sf.Account.create(account_body())["id"]
    record = sf.Account.get(record_id)
    assert record["attributes"] == {"type": "Account",
                                    "url": f"/services/data/v66.0/sobjects/Account/{record_id}"}
    assert record["Name"] == "Globex Analytics Ltd" and record["CurrencyIsoCode"] == "GBP"
    assert record["IsDeleted"] is False and record["CreatedById"] == sandbox.user_id
    assert record["SystemModstamp"] == record["CreatedDate"]
    assert record["SystemModstamp"].endswith(".000+0000")


def test_read_accepts_the_15_char_id_and_a_field_list(sf, account_body):
    record_id = sf.Account.create(account_body())["id"]
    record = sf.Account.get(record_id[:15] + "?fields=Name,Tax_Id__c")
    assert list(record) == ["attributes", "Name", "Tax_Id__c"]


def test_update_answers_204_and_moves_system_modstamp(sf, sandbox, account_body):
    record_id = sf.Account.create(account_body())["id"]
    before = sf.Account.get(record_id)
    sandbox.clock.advance(90)
    assert sf.Account.update(record_id, {"Phone": "+44 20 7946 0000"}) == 204
    after = sf.Account.get(record_id)
    assert after["Phone"] == "+44 20 7946 0000"
    assert after["SystemModstamp"] > before["SystemModstamp"]
    assert after["LastModifiedDate"] == after["SystemModstamp"]
    assert after["CreatedDate"] == before["CreatedDate"]


def test_deleted_record_is_gone_from_get_and_query_but_in_query_all(sf, account_body):
    record_id = sf.Account.create(account_body())["id"]
    assert sf.Account.delete(record_id) == 204
    with pytest.raises(SalesforceResourceNotFound) as caught:
        sf.Account.get(record_id)
    assert caught.value.content[0]["errorCode"] == "NOT_FOUND"
    assert sf.query("SELECT Id FROM Account")["totalSize"] == 0
    rows = sf.query("SELECT Id, IsDeleted FROM Account", include_deleted=True)["records"]
    assert [(r["Id"], r["IsDeleted"]) for r in rows] == [(record_id, True)]


def test_deleting_twice_reports_entity_is_deleted(sf, account_body):
    record_id = sf.Account.create(account_body())["id"]
    sf.Account.delete(record_id)
    with pytest.raises(SalesforceResourceNotFound) as caught:
        sf.Account.delete(record_id)
    assert caught.value.content[0]["errorCode"] == "ENTITY_IS_DELETED"


def test_unknown_id_is_not_found(sf):
    with pytest.raises(SalesforceResourceNotFound):
        sf.Account.get("001A0000000zzzzIAA"[:15])


def test_unknown_object_is_not_found(sf):
    with pytest.raises(SalesforceResourceNotFound):
        sf.Invoice__c.create({"Name": "x"})


def test_unknown_field_on_write_is_invalid_field(sf, account_body):
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Account.create(account_body(Colour__c="blue"))
    assert caught.value.content == [{
        "message": "No such column 'Colour__c' on sobject of type Account",
        "errorCode": "INVALID_FIELD"}]


def test_missing_required_field_names_it(sf):
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Contact.create({"FirstName": "Grace", "Email": "grace.chen@globex.example"})
    assert caught.value.content == [{"message": "Required fields are missing: [LastName]",
                                     "errorCode": "REQUIRED_FIELD_MISSING", "fields": ["LastName"]}]


def test_read_only_field_cannot_be_written(sf):
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Opportunity.create({"Name": "Renewal", "StageName": "Prospecting",
                               "CloseDate": "2026-12-31", "IsWon": True})
    assert caught.value.content[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert caught.value.content[0]["fields"] == ["IsWon"]


def test_wrong_value_type_is_a_json_parser_error(sf):
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Opportunity.create({"Name": "Renewal", "StageName": "Prospecting",
                               "CloseDate": "next tuesday"})
    assert caught.value.content[0]["errorCode"] == "JSON_PARSER_ERROR"


def test_restricted_picklist_rejects_unknown_currency(sf, account_body):
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Account.create(account_body(CurrencyIsoCode="CHF"))
    assert caught.value.content[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


def test_reference_to_missing_record_is_rejected(sf):
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Contact.create({"LastName": "Ito", "AccountId": "001A0000000zzzz"})
    assert caught.value.content[0]["errorCode"] == "INVALID_CROSS_REFERENCE_KEY"


def test_opportunity_closed_and_won_follow_the_stage(sf):
    opp = sf.Opportunity.create({"Name": "Globex platform", "StageName": "Negotiation/Review",
                                 "CloseDate": "2026-12-15", "Amount": 58800.00})["id"]
    assert (sf.Opportunity.get(opp)["IsClosed"], sf.Opportunity.get(opp)["IsWon"]) == (False, False)
    sf.Opportunity.update(opp, {"StageName": "Closed Won"})
    assert (sf.Opportunity.get(opp)["IsClosed"], sf.Opportunity.get(opp)["IsWon"]) == (True, True)


def test_line_total_is_derived_in_the_order_currency(sf, account_body):
    account_id = sf.Account.create(account_body(CurrencyIsoCode="JPY"))["id"]
    order = sf.Purchase_Order__c.create({"Name": "PO-0007-2026-1230", "Account__c": account_id,
                                         "CurrencyIsoCode": "JPY", "Revhub_Id__c": "po_7"})["id"]
    line = sf.Purchase_Order_Line__c.create({"Purchase_Order__c": order, "Quantity__c": 25,
                                             "Unit_Price__c": 88200})["id"]
    record = sf.Purchase_Order_Line__c.get(line)
    assert (record["Total_Price__c"], record["CurrencyIsoCode"]) == (2205000, "JPY")
    assert record["Name"] == "POL-000001"


def test_unique_external_id_rejects_a_duplicate(sf):
    sf.Purchase_Order__c.create({"Name": "PO-1", "Xero_Invoice_Id__c": "9b6c1f8e-xero"})
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Purchase_Order__c.create({"Name": "PO-2", "Xero_Invoice_Id__c": "9B6C1F8E-XERO"})
    assert caught.value.content[0]["errorCode"] == "DUPLICATE_VALUE"


def test_upsert_creates_then_updates(sf):
    assert sf.Purchase_Order__c.upsert("Revhub_Id__c/po_42", {"Name": "PO-42"}) == 201
    assert sf.Purchase_Order__c.upsert("Revhub_Id__c/po_42", {"Status__c": "Paid"}) == 200
    record = sf.Purchase_Order__c.get_by_custom_id("Revhub_Id__c", "po_42")
    assert (record["Name"], record["Status__c"]) == ("PO-42", "Paid")


def test_upsert_answer_carries_created_flag(sf):
    first = sf.Purchase_Order__c.upsert("Revhub_Id__c/po_43", {"Name": "PO-43"}, raw_response=True)
    second = sf.Purchase_Order__c.upsert("Revhub_Id__c/po_43", {"Name": "PO-43"}, raw_response=True)
    assert first.json()["created"] is True and second.json() == {
        "id": first.json()["id"], "success": True, "errors": [], "created": False}


def test_upsert_with_several_matches_answers_300(sf, account_body):
    sf.Account.create(account_body(Stripe_Customer_Id__c="cus_Q1"))
    sf.Account.create(account_body(Name="Globex Analytics", Stripe_Customer_Id__c="cus_Q1"))
    with pytest.raises(SalesforceMoreThanOneRecord) as caught:
        sf.Account.upsert("Stripe_Customer_Id__c/cus_Q1", {"Phone": "1"})
    assert len(caught.value.content) == 2


def test_upsert_update_only_does_not_create(sf):
    with pytest.raises(SalesforceResourceNotFound):
        sf.Purchase_Order__c.upsert("Revhub_Id__c/po_none?updateOnly=true", {"Name": "PO"})


def test_upsert_on_a_field_that_is_not_an_external_id_is_not_found(sf):
    with pytest.raises(SalesforceResourceNotFound) as caught:
        sf.Account.upsert("Name/Acme", {"Phone": "1"})
    assert "Provided external ID field does not exist" in caught.value.content[0]["message"]


def test_updated_and_deleted_windows_list_ids(sf, sandbox, account_body):
    start = sandbox.clock.now()
    kept = sf.Account.create(account_body())["id"]
    gone = sf.Account.create(account_body(Name="Initech Systems LLC"))["id"]
    sf.Account.delete(gone)
    sandbox.clock.advance(120)
    end = sandbox.clock.now()
    updated = sf.Account.updated(start.replace(second=0), end)
    deleted = sf.Account.deleted(start.replace(second=0), end)
    assert updated["ids"] == [kept]
    assert [d["id"] for d in deleted["deletedRecords"]] == [gone]
    assert deleted["latestDateCovered"].endswith(":00.000+0000")


def test_updated_window_older_than_30_days_is_rejected(sf, sandbox):
    now = sandbox.clock.now()
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Account.updated(datetime(2020, 1, 1, tzinfo=UTC), now)
    assert caught.value.content[0]["errorCode"] == "INVALID_REPLICATION_DATE"
