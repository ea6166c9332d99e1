"""The CLI writes the receivables numbers into the other systems, read back from the sandboxes:
`revhub report deferred --post-to xero` (manual journals, idempotent) and
`revhub recon push-figures` (Salesforce Account key figures and the PO ledger)."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from revhub.cli import main
from revhub.connectors.registry import build_connector
from revhub.reports.store_inputs import service_lines
from revhub.store import Connection, Link

pytestmark = pytest.mark.store


@pytest.fixture
def revhub(database_url, config):
    env = {"REVHUB_DATABASE_URL": database_url, "REVHUB_HOME": str(config.home)}
    return lambda *args: CliRunner().invoke(main, list(args), env=env)


def api_of(db, vault, name: str):
    with db.session() as s:
        return build_connector(s.scalar(select(Connection).where(Connection.name == name)), vault).api


def test_deferred_revenue_is_posted_once_per_month_and_read_back(db, vault, hub, revhub):
    with db.session(write=True) as s:
        assert service_lines(s), "the seeded books have no invoice line with a service period"
        xero = s.scalar(select(Connection).where(Connection.name == "xero"))
        xero.settings = {**(xero.settings or {}), "deferred_revenue_account_code": "835"}
    refused = revhub("report", "deferred", "--post-to", "xero", "--format", "json")
    assert refused.exit_code == 2 and "revenue_account_code" in refused.output
    with db.session(write=True) as s:
        xero = s.scalar(select(Connection).where(Connection.name == "xero"))
        xero.settings = {**xero.settings, "revenue_account_code": "200"}
    first = revhub("report", "deferred", "--post-to", "xero", "--format", "json")
    assert first.exit_code == 0, first.output
    journals = api_of(db, vault, "xero").call(
        "get_manual_journals", where='Narration.StartsWith("revhub deferred revenue")')["ManualJournals"]
    assert journals and all(j["Status"] == "POSTED" for j in journals)
    assert {ln["AccountCode"] for j in journals for ln in j["JournalLines"]} == {"835", "200"}
    again = revhub("report", "deferred", "--post-to", "xero", "--format", "json")
    assert again.exit_code == 0 and "0 journal(s) posted" in again.output
    assert len(api_of(db, vault, "xero").call("get_manual_journals")["ManualJournals"]) == len(journals)


def test_key_figures_reach_the_salesforce_accounts(db, vault, hub, revhub):
    done = revhub("recon", "push-figures", "--as-of", date.today().isoformat())
    assert done.exit_code == 0, done.output
    with db.session() as s:
        account_ids = s.scalars(select(Link.external_id).where(Link.entity == "customer",
                                                               Link.system == "salesforce")).all()
    sf = api_of(db, vault, "salesforce")
    rows = sf.query_all_rows("SELECT Id, Revhub_Outstanding__c, Revhub_Figures_As_Of__c FROM Account")
    stamped = [r for r in rows if r["Id"] in account_ids and r["Revhub_Figures_As_Of__c"]]
    assert stamped and all(r["Revhub_Figures_As_Of__c"] == date.today().isoformat() for r in stamped)
    assert "account(s)" in done.output
