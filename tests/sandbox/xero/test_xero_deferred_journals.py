"""Deferred revenue posted to the Xero sandbox as monthly manual journals, read back; posting
again posts nothing; a month that changed gets one correcting journal."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from revhub.connectors.xero.client import XeroAPI, XeroAuth
from revhub.connectors.xero.push_journals import (
    JournalSettingsError,
    journal_accounts,
    monthly_totals,
    post_deferred,
)
from revhub.reports.recognition import ServiceLine, schedule

ACCOUNTS = journal_accounts({"deferred_revenue_account_code": "835", "revenue_account_code": "200"})


@pytest.fixture
def api(sandbox, server) -> XeroAPI:
    token = sandbox.issue_token()
    credentials = {"client_id": sandbox.authority.client_id, "client_secret": sandbox.authority.client_secret,
                   "refresh_token": token["refresh_token"]}
    return XeroAPI(XeroAuth(credentials, server.url, save=lambda changes: None), sandbox.default_tenant_id,
                   server.url)


def totals(*lines: ServiceLine) -> dict:
    return monthly_totals(schedule(lines, date(2026, 1, 1), date(2026, 12, 31)), today=date(2026, 12, 15))


# 1,200.00 for a year from 2026-10-01: October 101.92, November 98.63, December (not ended) left out.
YEAR = ServiceLine("inv-1", "cus", "EUR", date(2026, 10, 1), 120000, date(2026, 10, 1), date(2027, 9, 30))


def journals(api) -> list[dict]:
    return api.call("get_manual_journals", where='Narration.StartsWith("revhub deferred revenue")')["ManualJournals"]


def test_each_ended_month_is_one_journal_and_posting_again_posts_nothing(api):
    wanted = totals(YEAR)
    assert sorted(wanted) == [("2026-10", "EUR"), ("2026-11", "EUR")]
    first = post_deferred(api, "xero", ACCOUNTS, "EUR", wanted)
    assert first.posted == ["revhub deferred revenue 2026-10 EUR", "revhub deferred revenue 2026-11 EUR"]
    back = {j["Narration"]: j for j in journals(api)}
    october = back["revhub deferred revenue 2026-10 EUR"]
    assert october["Status"] == "POSTED"
    assert [(ln["AccountCode"], Decimal(str(ln["LineAmount"]))) for ln in october["JournalLines"]] == [
        ("835", Decimal(wanted[("2026-10", "EUR")]) / 100), ("200", -Decimal(wanted[("2026-10", "EUR")]) / 100)]
    again = post_deferred(api, "xero", ACCOUNTS, "EUR", wanted)
    assert (again.posted, len(journals(api))) == ([], 2)
    assert again.unchanged == ["2026-10 EUR", "2026-11 EUR"]


def test_a_changed_month_gets_a_correcting_journal_for_the_difference(api):
    post_deferred(api, "xero", ACCOUNTS, "EUR", totals(YEAR))
    extra = ServiceLine("inv-2", "cus", "EUR", date(2026, 11, 1), 3000, date(2026, 11, 1), date(2026, 11, 30))
    fixed = post_deferred(api, "xero", ACCOUNTS, "EUR", totals(YEAR, extra))
    assert fixed.posted == ["revhub deferred revenue 2026-11 EUR correction 1"]
    [correction] = [j for j in journals(api) if j["Narration"].endswith("correction 1")]
    assert Decimal(str(correction["JournalLines"][0]["LineAmount"])) == Decimal("30.00")
    assert post_deferred(api, "xero", ACCOUNTS, "EUR", totals(YEAR, extra)).posted == []


def test_another_currency_is_skipped_and_settings_name_the_missing_account(api):
    usd = ServiceLine("inv-3", "cus", "USD", date(2026, 10, 1), 5000, date(2026, 10, 1), date(2026, 10, 31))
    done = post_deferred(api, "xero", ACCOUNTS, "EUR", totals(usd))
    assert done.posted == [] and "EUR only" in done.skipped[0]
    with pytest.raises(JournalSettingsError, match="revenue_account_code"):
        journal_accounts({"deferred_revenue_account_code": "835"})
