"""The key-figures job writes the figures that differ from what Salesforce holds, read back from
the Salesforce sandbox; a tick with nothing changed writes nothing; a paused connection none."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from revhub.connectors.registry import build_connector
from revhub.scheduled.figures import push_changed_figures
from revhub.store import Connection, Link, utcnow

pytestmark = pytest.mark.store
TODAY = date.today()


def salesforce(db, vault):
    with db.session() as s:
        return build_connector(s.scalar(select(Connection).where(Connection.name == "salesforce")), vault).api


def stamped_accounts(db, vault) -> dict[str, dict]:
    with db.session() as s:
        linked = set(s.scalars(select(Link.external_id).where(Link.entity == "customer", Link.system == "salesforce")))
    rows = salesforce(db, vault).query_all_rows(
        "SELECT Id, Revhub_Outstanding__c, Revhub_Figures_As_Of__c, LastModifiedDate FROM Account")
    return {r["Id"]: r for r in rows if r["Id"] in linked and r["Revhub_Figures_As_Of__c"]}


def test_the_first_tick_writes_every_linked_account_and_the_next_writes_nothing(db, vault, hub):
    first = push_changed_figures(db, vault, on=TODAY)
    accounts = stamped_accounts(db, vault)
    assert first.written["salesforce"] >= len(accounts) > 0 and first.refused == []
    assert all(r["Revhub_Figures_As_Of__c"] == TODAY.isoformat() for r in accounts.values())
    second = push_changed_figures(db, vault, on=TODAY)
    assert second.written["salesforce"] == 0 and second.unchanged["salesforce"] == first.written["salesforce"]
    assert {i: r["LastModifiedDate"] for i, r in stamped_accounts(db, vault).items()} == {
        i: r["LastModifiedDate"] for i, r in accounts.items()}  # not one record was touched


def test_a_figure_overwritten_in_salesforce_is_put_right_alone(db, vault, hub):
    push_changed_figures(db, vault, on=TODAY)
    account_id, row = next(iter(stamped_accounts(db, vault).items()))
    salesforce(db, vault).request(lambda sf: sf.Account.update(account_id, {"Revhub_Outstanding__c": 1}))
    fixed = push_changed_figures(db, vault, on=TODAY)
    assert fixed.written["salesforce"] == 1
    assert stamped_accounts(db, vault)[account_id]["Revhub_Outstanding__c"] == row["Revhub_Outstanding__c"]


def test_a_new_day_restamps_the_figures(db, vault, hub):
    push_changed_figures(db, vault, on=TODAY)
    tomorrow = date.fromordinal(TODAY.toordinal() + 1)
    later = push_changed_figures(db, vault, on=tomorrow)
    accounts = stamped_accounts(db, vault)
    assert later.written["salesforce"] >= len(accounts)
    assert all(r["Revhub_Figures_As_Of__c"] == tomorrow.isoformat() for r in accounts.values())


def test_a_paused_salesforce_connection_gets_nothing(db, vault, hub):
    with db.session(write=True) as s:
        s.scalar(select(Connection).where(Connection.name == "salesforce")).paused_at = utcnow()
    run = push_changed_figures(db, vault, on=TODAY)
    assert run.written == {} and stamped_accounts(db, vault) == {}
