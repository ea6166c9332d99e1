"""Queries on a parent link (``Purchase_Order__c IN (...)``, ``AccountId = '...'``) read only
the rows holding those parents, and answer exactly what reading every row answers, however the
rows were written since the link was first queried."""

from __future__ import annotations

import json

import pytest

from revhub.sandbox.dataset import generate
from revhub.sandbox.salesforce.soql.plan import Plan
from tests.sandbox.salesforce.conftest import account

LINES = "SELECT Id, Purchase_Order__c, Quantity__c, IsDeleted FROM Purchase_Order_Line__c"


def _query(sandbox, soql: str, *, include_deleted: bool = False) -> list[dict]:
    answer = json.loads(sandbox.queries.run(soql, include_deleted=include_deleted, batch=2000, version="66.0"))
    assert answer["done"]
    return answer["records"]


def _scan(sandbox, sobject: str, keep, *, include_deleted: bool = False) -> list[str]:
    """The ids a query must answer, found by reading every row, in the table's (Id) order."""
    return [r["Id"] for r in sandbox.store.tables[sobject].rows
            if (include_deleted or not r["IsDeleted"]) and keep(r)]


def _quoted(ids) -> str:
    return ", ".join(f"'{i}'" for i in ids)


@pytest.fixture
def orders(sandbox) -> list[str]:
    sandbox.load_dataset(generate(30, seed=4))
    return [r["Id"] for r in sandbox.store.tables["Purchase_Order__c"].rows]


@pytest.fixture
def rows_read(monkeypatch) -> list[int]:
    """How many rows each query's plan was given to filter."""
    read = []
    run = Plan.run
    monkeypatch.setattr(Plan, "run", lambda plan, rows, include_deleted: read.append(len(rows))
                        or run(plan, rows, include_deleted))
    return read


def test_lines_of_some_orders_read_only_those_orders_lines(sandbox, orders, rows_read):
    asked = set(orders[3:9])
    records = _query(sandbox, f"{LINES} WHERE Purchase_Order__c IN ({_quoted(asked)})")
    expected = _scan(sandbox, "Purchase_Order_Line__c", lambda r: r["Purchase_Order__c"] in asked)
    assert [r["Id"] for r in records] == expected and len(expected) >= 6
    # Not the whole table, which is what made reading lines 500 orders at a time cost orders x lines.
    assert rows_read == [len(expected)] < [len(sandbox.store.tables["Purchase_Order_Line__c"].rows) // 4]


def test_the_link_can_be_one_condition_of_several_and_its_ids_given_in_15_characters(sandbox, orders, rows_read):
    asked = orders[:10]
    soql = (f"{LINES} WHERE Quantity__c > 20 AND Purchase_Order__c IN ({_quoted(i[:15] for i in asked)}) "
            "ORDER BY Quantity__c DESC, Id")
    records = _query(sandbox, soql)
    expected = _scan(sandbox, "Purchase_Order_Line__c",
                     lambda r: r["Purchase_Order__c"] in asked and r["Quantity__c"] > 20)
    assert sorted(r["Id"] for r in records) == sorted(expected) and expected
    quantities = [r["Quantity__c"] for r in records]
    assert quantities == sorted(quantities, reverse=True)
    assert rows_read[0] < len(sandbox.store.tables["Purchase_Order_Line__c"].rows)


def test_an_or_still_reads_every_row(sandbox, orders, rows_read):
    soql = f"{LINES} WHERE Purchase_Order__c = '{orders[0]}' OR Quantity__c = 1"
    records = _query(sandbox, soql)
    expected = _scan(sandbox, "Purchase_Order_Line__c",
                     lambda r: r["Purchase_Order__c"] == orders[0] or r["Quantity__c"] == 1)
    assert [r["Id"] for r in records] == expected
    assert rows_read == [len(sandbox.store.tables["Purchase_Order_Line__c"].rows)]


def test_writes_after_the_first_query_are_seen(sandbox, orders):
    store = sandbox.store
    first, second = orders[0], orders[1]
    by_order = f"{LINES} WHERE Purchase_Order__c IN ('{first}', '{second}')"
    _query(sandbox, by_order)  # the link's index is made here
    added = store.create("Purchase_Order_Line__c", {"Purchase_Order__c": first, "Quantity__c": 7})
    store.delete("Purchase_Order__c", second)  # its lines go to the Recycle Bin with it
    with store.atomic() as tx:  # a write undone leaves nothing behind in the index either
        store.create("Purchase_Order_Line__c", {"Purchase_Order__c": first, "Quantity__c": 8})
        tx.rollback()

    live = _query(sandbox, by_order)
    everything = _query(sandbox, by_order, include_deleted=True)

    asked = {first, second}
    assert [r["Id"] for r in live] == _scan(sandbox, "Purchase_Order_Line__c",
                                             lambda r: r["Purchase_Order__c"] in asked)
    assert added in [r["Id"] for r in live] and {r["Purchase_Order__c"] for r in live} == {first}
    assert [r["Id"] for r in everything] == _scan(sandbox, "Purchase_Order_Line__c",
                                                   lambda r: r["Purchase_Order__c"] in asked, include_deleted=True)
    assert any(r["IsDeleted"] for r in everything) and 8 not in [r["Quantity__c"] for r in everything]


def test_a_contact_moved_to_another_account_is_found_under_its_new_one(sandbox):
    store = sandbox.store
    old, new = store.create("Account", account()), store.create("Account", account(Name="Initech Ltd"))
    contact = store.create("Contact", {"AccountId": old, "LastName": "Chen"})
    by_account = "SELECT Id FROM Contact WHERE AccountId = '{}'"
    assert [r["Id"] for r in _query(sandbox, by_account.format(old))] == [contact]
    store.update("Contact", contact, {"AccountId": new})
    assert _query(sandbox, by_account.format(old)) == []
    assert [r["Id"] for r in _query(sandbox, by_account.format(new))] == [contact]
