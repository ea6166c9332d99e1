"""The PO line fields revhub writes come from the metadata package: the org describes them as
the package declares them, and their external id makes a repeated upsert one line."""

from __future__ import annotations

from decimal import Decimal

from revhub.connectors.salesforce.lines import LINE_KEY, LINE_OBJECT, PARENT, READ_FIELDS, line_fields

from .conftest import account


def _described(sf) -> dict[str, dict]:
    return {f["name"]: f for f in getattr(sf, LINE_OBJECT).describe()["fields"]}


def test_the_line_external_id_tax_code_and_tax_amount_are_described_as_the_package_declares_them(sf):
    described = _described(sf)
    key, code, tax = described[LINE_KEY], described["Tax_Code__c"], described["Tax_Amount__c"]
    assert (key["type"], key["length"], key["externalId"], key["unique"]) == ("string", 80, True, True)
    assert (code["type"], code["length"]) == ("string", 32)
    assert (tax["type"], tax["precision"], tax["scale"]) == ("currency", 18, 3)


def test_a_line_description_holds_the_512_characters_the_intake_takes(sf):
    description = _described(sf)["Description__c"]
    assert description["type"] == "textarea" and description["length"] >= 512


def test_every_line_field_revhub_writes_is_createable_and_the_total_is_salesforces_formula(sf):
    described = _described(sf)
    written = set(line_fields({"quantity": 1, "unit_amount_minor": 100}, "EUR")) | {LINE_KEY, PARENT}
    assert all(described[name]["createable"] for name in written)
    assert set(READ_FIELDS) <= set(described)
    total = described["Total_Price__c"]
    assert (total["calculated"], total["createable"], total["updateable"]) == (True, False, False)


def test_a_line_upserted_twice_on_its_external_id_is_one_line_updated_in_place(sf):
    po = sf.Purchase_Order__c.create({"Name": "PO-9", "Account__c": sf.Account.create(account())["id"]})["id"]
    path = f"composite/sobjects/{LINE_OBJECT}/{LINE_KEY}"

    def upsert(quantity: int, **parent) -> dict:
        return sf.restful(path, method="PATCH", json={"allOrNone": False, "records": [{
            "attributes": {"type": LINE_OBJECT}, LINE_KEY: "po-9:1", "Quantity__c": quantity,
            "Unit_Price__c": 33.33, "Tax_Code__c": "NL_VAT_21", "Tax_Amount__c": 21.0, **parent}]})[0]

    # The master-detail is set on create only: it is not reparentable, so never sent again.
    first, second = upsert(3, **{PARENT: po}), upsert(4)
    assert (first["created"], second["created"], second["id"]) == (True, False, first["id"])
    [line] = sf.query(f"SELECT Quantity__c, Total_Price__c, Tax_Code__c FROM {LINE_OBJECT} "
                      f"WHERE {PARENT} = '{po}'")["records"]
    assert (line["Quantity__c"], Decimal(str(line["Total_Price__c"])), line["Tax_Code__c"]) == (
        4, Decimal("133.32"), "NL_VAT_21")
