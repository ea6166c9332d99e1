"""sObject Collections through ``sf.restful`` (simple-salesforce has no dedicated helper)."""

from __future__ import annotations

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest


def po(number: str, **extra) -> dict:
    return {"attributes": {"type": "Purchase_Order__c"}, "Name": number, "PO_Number__c": number,
            "CurrencyIsoCode": "EUR", "Amount__c": 12345.67, **extra}


def test_create_returns_one_result_per_record_in_order(sf):
    results = sf.restful("composite/sobjects", method="POST",
                         json={"allOrNone": False, "records": [po("PO-1"), po("PO-2")]})
    assert [r["success"] for r in results] == [True, True]
    assert results[0]["id"] < results[1]["id"]


def test_partial_failure_keeps_the_valid_records(sf):
    bad = {"attributes": {"type": "Contact"}, "FirstName": "Ana"}
    results = sf.restful("composite/sobjects", method="POST",
                         json={"allOrNone": False, "records": [po("PO-1"), bad]})
    assert results[0]["success"] is True
    assert results[1] == {"success": False, "errors": [{
        "statusCode": "REQUIRED_FIELD_MISSING", "message": "Required fields are missing: [LastName]",
        "fields": ["LastName"]}]}
    assert sf.query("SELECT COUNT() FROM Purchase_Order__c")["totalSize"] == 1


def test_all_or_none_rolls_back_and_marks_the_others(sf):
    bad = po("PO-2", Status__c="Lost in post")
    results = sf.restful("composite/sobjects", method="POST",
                         json={"allOrNone": True, "records": [po("PO-1"), bad]})
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert results[1]["errors"][0]["statusCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert sf.query("SELECT COUNT() FROM Purchase_Order__c")["totalSize"] == 0


def test_update_and_delete_collections(sf):
    created = sf.restful("composite/sobjects", method="POST",
                         json={"records": [po("PO-1"), po("PO-2")]})
    ids = [r["id"] for r in created]
    updates = [{"attributes": {"type": "Purchase_Order__c"}, "Id": i, "Status__c": "Paid"} for i in ids]
    assert all(r["success"] for r in sf.restful("composite/sobjects", method="PATCH",
                                                json={"records": updates}))
    deleted = sf.restful("composite/sobjects", method="DELETE", params={"ids": ",".join(ids)})
    assert [r["id"] for r in deleted] == ids
    assert sf.query("SELECT COUNT() FROM Purchase_Order__c")["totalSize"] == 0


def test_create_refuses_an_id(sf):
    results = sf.restful("composite/sobjects", method="POST",
                         json={"records": [po("PO-1", Id="a01A00000000001IAA")]})
    assert results[0]["errors"][0]["statusCode"] == "INVALID_FIELD"


def test_record_without_type_is_rejected(sf):
    results = sf.restful("composite/sobjects", method="POST", json={"records": [{"Name": "x"}]})
    assert results[0]["errors"][0] == {"statusCode": "INVALID_TYPE",
                                       "message": "Must send a concrete entity type.", "fields": []}


def test_upsert_collection_reports_created(sf):
    body = {"allOrNone": False, "records": [po("PO-1", Revhub_Id__c="po_1")]}
    first = sf.restful("composite/sobjects/Purchase_Order__c/Revhub_Id__c", method="PATCH", json=body)
    again = sf.restful("composite/sobjects/Purchase_Order__c/Revhub_Id__c", method="PATCH", json=body)
    assert (first[0]["created"], again[0]["created"]) == (True, False)
    assert first[0]["id"] == again[0]["id"]


def test_more_than_200_records_is_a_bad_request(sf):
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.restful("composite/sobjects", method="POST",
                   json={"records": [po(f"PO-{i}") for i in range(201)]})
    assert caught.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
