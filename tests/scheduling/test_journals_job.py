"""The deferred-revenue journals job posts each closed month once to the Xero sandbox, read back:
never twice, not on the next tick, not after a restart, not with two workers at once; only for
a connection whose settings switch it on, and from the month they name."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import select

from revhub.connectors.registry import build_connector
from revhub.reports.store_inputs import service_lines
from revhub.scheduled.journals import post_closed_months
from revhub.store import Connection, Database

pytestmark = pytest.mark.store
TODAY = date.today()


def configure(db, **settings) -> None:
    with db.session(write=True) as s:
        xero = s.scalar(select(Connection).where(Connection.name == "xero"))
        xero.settings = {**(xero.settings or {}), "deferred_revenue_account_code": "835",
                         "revenue_account_code": "200", **settings}


def journals(db, vault) -> list[dict]:
    with db.session() as s:
        api = build_connector(s.scalar(select(Connection).where(Connection.name == "xero")), vault).api
    return api.call("get_manual_journals", where='Narration.StartsWith("revhub deferred revenue")')["ManualJournals"]


def first_service_month(db) -> str:
    with db.session() as s:
        lines = service_lines(s)
    assert lines, "the seeded books have no invoice line with a service period"
    return min(ln.start for ln in lines).strftime("%Y-%m")


def test_each_closed_month_is_posted_once_and_the_next_tick_posts_nothing(db, vault, hub):
    configure(db, deferred_revenue_journals_from=first_service_month(db))
    first = post_closed_months(db, vault, today=TODAY)
    assert first.posted and len(journals(db, vault)) == len(first.posted)
    this_month = TODAY.strftime("%Y-%m")
    assert not any(this_month in narration for narration in first.posted)  # not closed yet
    again = post_closed_months(db, vault, today=TODAY)
    assert again.posted == [] and sorted(again.unchanged) == sorted(p.removeprefix("revhub deferred revenue ")
                                                                    for p in first.posted)
    assert len(journals(db, vault)) == len(first.posted)


def test_a_restart_and_two_workers_at_once_post_nothing_twice(db, vault, hub, database_url):
    configure(db, deferred_revenue_journals_from=first_service_month(db))
    # Two workers with their own engines (as two processes would have), started together.
    stores = [Database(database_url) for _ in range(2)]
    start, results, errors = threading.Barrier(2), [], []

    def tick(store: Database) -> None:
        start.wait()
        try:
            results.append(post_closed_months(store, vault, today=TODAY))
        except Exception as exc:  # the assertion below names it
            errors.append(exc)

    threads = [threading.Thread(target=tick, args=(store,)) for store in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == [] and len(results) == 2
    narrations = [j["Narration"] for j in journals(db, vault)]
    assert narrations and len(narrations) == len(set(narrations))
    assert sorted(p for r in results for p in r.posted) == sorted(narrations)
    restarted = Database(database_url)  # a new process: nothing is remembered but the store and Xero
    stores.append(restarted)
    assert post_closed_months(restarted, vault, today=TODAY).posted == []
    for store in stores:
        store.dispose()


def test_without_the_setting_nothing_is_posted(db, vault, hub):
    configure(db)
    assert post_closed_months(db, vault, today=TODAY).posted == [] and journals(db, vault) == []


def test_months_before_the_first_one_named_are_left_alone(db, vault, hub):
    configure(db, deferred_revenue_journals_from=TODAY.strftime("%Y-%m"))  # nothing of it is closed yet
    assert post_closed_months(db, vault, today=TODAY).posted == [] and journals(db, vault) == []


def test_a_month_that_is_not_a_month_is_named_in_the_outcome(db, vault, hub):
    configure(db, deferred_revenue_journals_from="2026-13")
    run = post_closed_months(db, vault, today=TODAY)
    assert run.posted == [] and "deferred_revenue_journals_from" in run.skipped[0]
