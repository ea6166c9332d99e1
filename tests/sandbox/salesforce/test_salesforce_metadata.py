"""The org schema comes from revhub's SFDX metadata package: the sandbox describes what it ships."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as StdlibTree

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest

from revhub.connectors.salesforce.connector import LINE_FIELDS, STREAMS
from revhub.connectors.salesforce.settings import API_VERSION
from revhub.sandbox.salesforce import metadata

from .conftest import account

PACKAGE = Path(__file__).resolve().parents[3] / "salesforce"
SOURCE = PACKAGE / "force-app" / "main" / "default"
MD = "{http://soap.sforce.com/2006/04/metadata}"


def _field_files():
    return sorted(SOURCE.glob("objects/*/fields/*.field-meta.xml"))


def test_the_package_is_an_sfdx_project_with_a_default_package_directory():
    project = json.loads((PACKAGE / "sfdx-project.json").read_text())
    assert project["packageDirectories"] == [{"path": "force-app", "default": True}]
    assert project["sourceApiVersion"] == API_VERSION


@pytest.mark.parametrize("path", _field_files(), ids=lambda p: f"{p.parent.parent.name}.{p.name}")
def test_each_field_file_is_a_custom_field_named_as_its_file(path):
    root = StdlibTree.parse(path).getroot()
    assert root.tag == f"{MD}CustomField"
    assert root.findtext(f"{MD}fullName") + ".field-meta.xml" == path.name
    assert root.findtext(f"{MD}label") and root.findtext(f"{MD}type")


def test_describe_reports_each_custom_field_with_the_packages_type_length_and_scale(sf):
    described = {f["name"]: f for f in sf.Purchase_Order__c.describe()["fields"]}
    amount, number = described["Amount__c"], described["PO_Number__c"]
    assert (amount["type"], amount["precision"], amount["scale"]) == ("currency", 18, 3)
    assert (number["type"], number["length"]) == ("string", 80)
    assert (described["Revhub_Id__c"]["externalId"], described["Revhub_Id__c"]["unique"]) == (True, True)
    package_fields = {p.name.removesuffix(".field-meta.xml")
                      for p in (SOURCE / "objects" / "Purchase_Order__c" / "fields").iterdir()}
    assert package_fields <= set(described)


def test_the_po_status_picklist_offers_the_packages_values_including_invoice_voided(sf):
    described = {f["name"]: f for f in sf.Purchase_Order__c.describe()["fields"]}
    values = [v["value"] for v in described["Status__c"]["picklistValues"]]
    xml = StdlibTree.parse(SOURCE / "objects/Purchase_Order__c/fields/Status__c.field-meta.xml")
    assert values == [v.text for v in xml.getroot().iter(f"{MD}fullName")][1:]
    assert "Invoice Voided" in values


def test_a_po_can_be_marked_invoice_voided_but_not_given_a_value_outside_the_picklist(sf):
    account_id = sf.Account.create(account())["id"]
    po = sf.Purchase_Order__c.create({"Name": "PO-1", "Account__c": account_id,
                                      "Status__c": "Invoice Voided"})["id"]
    assert sf.Purchase_Order__c.get(po)["Status__c"] == "Invoice Voided"
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.Purchase_Order__c.update(po, {"Status__c": "Voided Invoice"})
    assert refused.value.content == [{
        "message": "Status: bad value for restricted picklist field: Voided Invoice",
        "errorCode": "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", "fields": ["Status__c"]}]


def test_a_line_name_is_the_packages_auto_number_and_describe_says_so(sf):
    account_id = sf.Account.create(account())["id"]
    po = sf.Purchase_Order__c.create({"Name": "PO-2", "Account__c": account_id})["id"]
    line = sf.Purchase_Order_Line__c.create({"Purchase_Order__c": po, "Quantity__c": 3})["id"]
    assert sf.Purchase_Order_Line__c.get(line)["Name"] == "POL-000001"
    name = next(f for f in sf.Purchase_Order_Line__c.describe()["fields"] if f["name"] == "Name")
    assert (name["autoNumber"], name["createable"], name["updateable"]) == (True, False, False)


def test_a_currency_value_is_rounded_half_up_to_the_fields_scale(sf):
    account_id = sf.Account.create(account())["id"]
    po = sf.Purchase_Order__c.create({"Name": "PO-3", "Account__c": account_id,
                                      "Amount__c": 10.0005})["id"]
    assert sf.Purchase_Order__c.get(po)["Amount__c"] == 10.001


def test_a_number_past_the_fields_precision_is_refused_with_salesforces_error(sf):
    account_id = sf.Account.create(account())["id"]
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.Purchase_Order__c.create({"Name": "PO-4", "Account__c": account_id,
                                     "Amount__c": 10 ** 15})
    assert refused.value.content == [{
        "message": "Amount: value outside of valid range on numeric field: 1000000000000000",
        "errorCode": "NUMBER_OUTSIDE_VALID_RANGE", "fields": ["Amount__c"]}]


def test_a_malformed_billing_email_is_refused_as_salesforce_refuses_it(sf):
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.Account.create(account(Billing_Email__c="ap at globex"))
    assert refused.value.content == [{"message": "Billing Email: invalid email address: ap at globex",
                                      "errorCode": "INVALID_EMAIL_ADDRESS",
                                      "fields": ["Billing_Email__c"]}]


def test_every_field_the_connector_reads_is_in_the_org_it_describes(sf):
    for stream in STREAMS.values():
        described = {f["name"] for f in getattr(sf, stream.remote).describe()["fields"]}
        assert set(stream.fields) <= described, stream.remote
    lines = {f["name"] for f in sf.Purchase_Order_Line__c.describe()["fields"]}
    assert set(LINE_FIELDS.split()) <= lines


def test_the_packages_outbound_messages_name_fields_the_org_has():
    package = metadata.load(PACKAGE)
    assert {m.sobject for m in package.outbound_messages} == {"Account", "Purchase_Order__c"}
    for message in package.outbound_messages:
        fields = {f.name for f in package.objects.get(message.sobject, metadata.ObjectSpec("", False)).fields}
        assert set(message.fields) - {"Id", "Name"} <= fields
        assert message.include_session_id


_READ_ONLY_NAME = ("Unable to create/update fields: Name. Please check the security settings of this "
                   "field and verify that it is read/write for your profile or permission set.")


def _line(sf) -> str:
    account_id = sf.Account.create(account())["id"]
    po = sf.Purchase_Order__c.create({"Name": "PO-5", "Account__c": account_id})["id"]
    return sf.Purchase_Order_Line__c.create({"Purchase_Order__c": po, "Quantity__c": 1})["id"]


def test_an_update_of_an_auto_number_name_is_refused_with_salesforces_error_array(sf):
    line = _line(sf)
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.Purchase_Order_Line__c.update(line, {"Name": "POL-X"})
    assert refused.value.content == [{"message": _READ_ONLY_NAME,
                                      "errorCode": "INVALID_FIELD_FOR_INSERT_UPDATE", "fields": ["Name"]}]


def test_a_collection_update_of_an_auto_number_name_fails_that_record_in_the_collection_shape(sf):
    line = _line(sf)
    answer = sf.restful("composite/sobjects", method="PATCH", json={"allOrNone": False, "records": [
        {"attributes": {"type": "Purchase_Order_Line__c"}, "Id": line, "Name": "POL-X"}]})
    assert answer == [{"id": line, "success": False, "errors": [{
        "statusCode": "INVALID_FIELD_FOR_INSERT_UPDATE", "message": _READ_ONLY_NAME, "fields": ["Name"]}]}]


def test_moving_a_line_to_another_po_is_refused_as_the_master_detail_is_not_reparentable(sf):
    line = _line(sf)
    other = sf.Purchase_Order__c.create({"Name": "PO-6", "Account__c": sf.Account.create(account())["id"]})
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.Purchase_Order_Line__c.update(line, {"Purchase_Order__c": other["id"]})
    assert refused.value.content[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert refused.value.content[0]["fields"] == ["Purchase_Order__c"]


def test_each_outbound_message_is_fired_by_a_flow_on_create_and_update_as_the_sandbox_fires_it():
    calls = {}
    for path in SOURCE.glob("flows/*.flow-meta.xml"):
        root = StdlibTree.parse(path).getroot()
        action = root.find(f"{MD}actionCalls")
        assert action.findtext(f"{MD}actionType") == "outboundMessage"
        start = root.find(f"{MD}start")
        assert (start.findtext(f"{MD}triggerType"), start.findtext(f"{MD}recordTriggerType")) == (
            "RecordAfterSave", "CreateAndUpdate")
        calls[action.findtext(f"{MD}actionName")] = start.findtext(f"{MD}object")
    package = metadata.load(PACKAGE)
    assert calls == {f"{m.sobject}.{m.name}": m.sobject for m in package.outbound_messages}
