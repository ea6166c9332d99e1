"""SOQL through simple-salesforce: the supported subset, paging by query locator, and the
errors Salesforce answers for everything else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest


@pytest.fixture
def accounts(sandbox):
    """Five accounts: one record shape the filters below select from."""
    rows = [{"Name": "Acme Labs Inc.", "BillingCountry": "US", "CurrencyIsoCode": "USD",
             "Tax_Id__c": "US111"},
            {"Name": "Globex Systems Ltd", "BillingCountry": "GB", "CurrencyIsoCode": "GBP"},
            {"Name": "Initech Analytics GmbH", "BillingCountry": "DE", "CurrencyIsoCode": "EUR"},
            {"Name": "Nakatomi Health K.K.", "BillingCountry": "JP", "CurrencyIsoCode": "JPY"},
            {"Name": "O'Reilly 50% Media", "BillingCountry": None, "CurrencyIsoCode": "USD"}]
    return sandbox.insert_records("Account", rows)


def names(result) -> list[str]:
    return [r["Name"] for r in result["records"]]


@pytest.mark.parametrize("where, expected", [
    ("BillingCountry = 'gb'", ["Globex Systems Ltd"]),
    ("BillingCountry != 'US'", ["Globex Systems Ltd", "Initech Analytics GmbH",
                                "Nakatomi Health K.K.", "O'Reilly 50% Media"]),
    ("BillingCountry IN ('DE', 'JP')", ["Initech Analytics GmbH", "Nakatomi Health K.K."]),
    ("BillingCountry NOT IN ('DE', 'JP') AND BillingCountry != null", ["Acme Labs Inc.",
                                                                       "Globex Systems Ltd"]),
    ("Name LIKE 'acme%'", ["Acme Labs Inc."]),
    ("Name LIKE '%50\\%%'", ["O'Reilly 50% Media"]),
    ("Name = 'O\\'Reilly 50% Media'", ["O'Reilly 50% Media"]),
    ("BillingCountry = null", ["O'Reilly 50% Media"]),
    ("NOT (CurrencyIsoCode = 'USD' OR CurrencyIsoCode = 'EUR')", ["Globex Systems Ltd",
                                                                 "Nakatomi Health K.K."]),
    ("(BillingCountry = 'US' OR BillingCountry = 'JP') AND Tax_Id__c != null", ["Acme Labs Inc."]),
    ("IsDeleted = false AND Name > 'N'", ["Nakatomi Health K.K.", "O'Reilly 50% Media"]),
])
def test_where_operators(sf, accounts, where, expected):
    assert names(sf.query(f"SELECT Name FROM Account WHERE {where} ORDER BY Name")) == expected


def test_order_by_several_keys_with_null_placement(sf, accounts):
    soql = "SELECT Name FROM Account ORDER BY BillingCountry DESC NULLS FIRST, Name ASC"
    assert names(sf.query(soql)) == ["O'Reilly 50% Media", "Acme Labs Inc.",
                                     "Nakatomi Health K.K.", "Globex Systems Ltd",
                                     "Initech Analytics GmbH"]


def test_limit_and_offset(sf, accounts):
    result = sf.query("SELECT Name FROM Account ORDER BY Name LIMIT 2 OFFSET 1")
    assert names(result) == ["Globex Systems Ltd", "Initech Analytics GmbH"]
    assert result["totalSize"] == 2


def test_datetime_literals_with_offsets_and_milliseconds(sf, sandbox, accounts):
    now = sandbox.clock.now()
    after = (now - timedelta(hours=1)).astimezone(timezone(timedelta(hours=2)))
    literal = after.strftime("%Y-%m-%dT%H:%M:%S.123+02:00")
    assert sf.query(f"SELECT Id FROM Account WHERE SystemModstamp > {literal}")["totalSize"] == 5
    future = (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert sf.query(f"SELECT Id FROM Account WHERE CreatedDate >= {future}")["totalSize"] == 0


def test_date_literal_on_a_date_field(sf):
    sf.Opportunity.create({"Name": "Renewal", "StageName": "Prospecting", "CloseDate": "2026-03-31"})
    soql = "SELECT Name, CloseDate FROM Opportunity WHERE CloseDate <= 2026-03-31"
    assert sf.query(soql)["records"][0]["CloseDate"] == "2026-03-31"


def test_count_returns_total_size_only(sf, accounts):
    result = sf.query("SELECT COUNT() FROM Account WHERE CurrencyIsoCode = 'USD'")
    assert (result["totalSize"], result["records"]) == (2, [])


def test_parent_relationship_fields_nest_under_the_relationship(sf, accounts):
    sf.Contact.create({"LastName": "Chen", "FirstName": "Grace", "AccountId": accounts[1]})
    record = sf.query("SELECT Name, Account.Name, Account.BillingCountry FROM Contact")["records"][0]
    assert record["Name"] == "Grace Chen"
    assert record["Account"]["Name"] == "Globex Systems Ltd"
    assert record["Account"]["attributes"]["type"] == "Account"


@pytest.mark.parametrize("soql, code", [
    ("SELECT Id FROM Account WHERE", "MALFORMED_QUERY"),
    ("SELECT Id FORM Account", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account GROUP BY Name", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account WHERE Name = 'a' AND Phone = 'b' OR Type = 'c'", "MALFORMED_QUERY"),
    ("SELECT Id, (SELECT Id FROM Contacts) FROM Account", "MALFORMED_QUERY"),
    ("SELECT MAX(Name) FROM Account", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account WHERE CreatedDate = TODAY", "MALFORMED_QUERY"),
    ("SELECT Id FROM Account WHERE Name = 'unterminated", "MALFORMED_QUERY"),
    ("SELECT Colour__c FROM Account", "INVALID_FIELD"),
    ("SELECT Owner.Nickname__c FROM Account", "INVALID_FIELD"),
    ("SELECT Id FROM Invoice__c", "INVALID_TYPE"),
    ("SELECT Id FROM Account WHERE CreatedDate > '2024-01-01T00:00:00Z'", "INVALID_FIELD"),
    ("SELECT Id FROM Account WHERE CreatedDate > 2024-01-01", "INVALID_FIELD"),
    ("SELECT Id FROM Account WHERE Name = 5", "INVALID_FIELD"),
    ("SELECT Id FROM Account WHERE Id = 'not-an-id'", "INVALID_QUERY_FILTER_OPERATOR"),
    ("SELECT Id FROM Account LIMIT 5 OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE"),
])
def test_unsupported_or_wrong_soql_is_rejected(sf, soql, code):
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query(soql)
    assert caught.value.content[0]["errorCode"] == code
    assert "ERROR at Row:1:Column:" in caught.value.content[0]["message"]


def test_query_all_pages_follow_next_records_url(sf, sandbox):
    sandbox.insert_records("Account", [{"Name": f"Customer {i:04d}"} for i in range(4500)])
    first = sf.query("SELECT Id, Name FROM Account")
    assert (first["totalSize"], len(first["records"]), first["done"]) == (4500, 2000, False)
    assert first["nextRecordsUrl"].startswith("/services/data/v66.0/query/01g")
    assert first["nextRecordsUrl"].endswith("-2000")
    assert len(sf.query_all("SELECT Id FROM Account")["records"]) == 4500


def test_batch_size_header_sets_the_page_length(sf, sandbox, base_url, http):
    sandbox.insert_records("Account", [{"Name": f"Customer {i}"} for i in range(450)])
    page = sf.query("SELECT Id FROM Account", headers={"Sforce-Query-Options": "batchSize=200"})
    assert len(page["records"]) == 200 and page["nextRecordsUrl"].endswith("-200")


def test_pages_come_from_a_snapshot_taken_when_the_query_ran(sf, sandbox):
    ids = sandbox.insert_records("Account", [{"Name": f"Customer {i:04d}"} for i in range(2500)])
    first = sf.query("SELECT Id, Name FROM Account ORDER BY Name")
    sf.Account.delete(ids[0])
    sf.Account.update(ids[2400], {"Name": "Renamed"})
    sf.Account.create({"Name": "Customer 0000 (new)"})
    rest = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    seen = [r["Id"] for r in first["records"] + rest["records"]]
    assert seen == ids and rest["done"] is True
    assert rest["records"][400]["Name"] == "Customer 2400"


def test_shared_system_modstamp_across_pages_arrives_exactly_once(sf, sandbox):
    stamp = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)
    sandbox.clock.advance(0)
    ids = sandbox.insert_records("Purchase_Order__c",
                                 [{"Name": f"PO-{i:05d}"} for i in range(3000)],
                                 system_modstamp=stamp)
    soql = ("SELECT Id, SystemModstamp FROM Purchase_Order__c "
            "WHERE SystemModstamp >= 2026-11-01T12:00:00Z ORDER BY SystemModstamp, Id")
    records = sf.query_all(soql)["records"]
    assert [r["Id"] for r in records] == ids
    assert {r["SystemModstamp"] for r in records} == {"2026-11-01T12:00:00.000+0000"}


def test_an_unknown_query_locator_is_rejected(sf):
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query_more("01gA00000000001IAA-2000")
    assert caught.value.content[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_query_without_q_is_malformed(sf):
    with pytest.raises(SalesforceMalformedRequest):
        sf.restful("query/")
