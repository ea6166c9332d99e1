"""Search and the record page in a real browser: find a customer by a system's id, open it, read
its fields' sources and its history; the overview's connections and hostile data as text."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from revhub.store import Connection, OutboxMessage, SyncRun
from revhub.store.ids import new_id
from tests.sync.changes import apply, customer

pytestmark = pytest.mark.store


@pytest.fixture
def synced(connections):
    apply(connections, "xero", customer("c-1", "1", name="Acme <script>alert(1)</script> Labs"))
    apply(connections, "salesforce", customer("001A", "1", name="Acme <script>alert(1)</script> Labs"))
    apply(connections, "salesforce", customer("001A", "2", name="Acme <script>alert(1)</script> Labs",
                                              email="finance@acmelabs.example"))
    return connections


def test_the_overview_then_search_a_record_and_read_its_history(signed_in_page, live_server, synced, axe_check,
                                                                browser_errors):
    # One test, one store and server (each costs seconds): the overview, then search and a record.
    with synced.session(write=True) as s:
        xero = s.scalar(select(Connection.id).where(Connection.name == "xero"))
        s.add(SyncRun(connection_id=xero, entity="customer", status="failed",
                      note="<img src=x onerror=alert(1)> refused"))
    page = signed_in_page("admin", "ada")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    assert "last run failed: <img src=x onerror=alert(1)> refused" in page.locator("#connection-xero").inner_text()
    rows = page.locator("table.connections tbody tr")
    assert rows.count() == 3 and "never synced" in rows.first.inner_text()
    axe_check(page)
    # the live part is refreshed by htmx (every 15 s; "refresh" here to not wait): a new dead letter shows
    dead = page.get_by_role("row").filter(has_text="Dead letters")
    assert dead.locator("td.num").inner_text() == "0"
    with synced.session(write=True) as s:
        s.add(OutboxMessage(target_system="xero", entity="customer", record_id=new_id(), record_version=1,
                            operation="upsert", idempotency_key="dead-1", status="dead"))
    with page.expect_response(lambda r: r.url.endswith("/overview/live") and r.status == 200):
        page.locator("#overview-live").dispatch_event("refresh")
    page.wait_for_function("() => document.querySelector('#connection-xero').innerText.includes('dead 1')")
    assert dead.locator("td.num").inner_text() == "1"
    assert "failing" in page.locator("#connection-xero").inner_text()
    page.get_by_role("button", name="Pause xero").click()
    assert "xero paused." in page.get_by_role("status").inner_text()
    assert "paused" in page.locator("#connection-xero").inner_text()

    page.get_by_role("link", name="Search").click()
    page.get_by_label("Name, number, e-mail or any system's id").fill("001A")
    page.get_by_role("button", name="Search").click()
    result = page.get_by_role("row").filter(has_text="salesforce id")
    assert "Acme <script>alert(1)</script> Labs" in result.inner_text()
    axe_check(page)
    result.get_by_role("link").click()

    def section(title: str):
        return page.locator("section", has=page.get_by_role("heading", name=title, exact=True))

    fields = section("Fields").get_by_role("row").filter(has_text="finance@acmelabs.example").inner_text()
    assert "salesforce" in fields  # the e-mail's source system
    systems = section("In each system").inner_text()
    assert "001A" in systems and "c-1" in systems
    history = section("History").inner_text()
    assert '"email": "ap@acmelabs.example"' in history and '"email": "finance@acmelabs.example"' in history
    assert "update" in history and "create" in history
    axe_check(page)
    page.get_by_role("link", name="All 2 changes, filterable and as CSV").click()
    page.get_by_label("Change").select_option("update")
    page.get_by_role("button", name="Filter").click()
    assert "1–1 of 1" in page.locator("main").inner_text()
    assert "Acme <script>alert(1)</script> Labs" in page.locator("h1").inner_text()
    axe_check(page)
    assert page.locator("main img").count() == 0
    assert not dialogs and not browser_errors, (dialogs, browser_errors)
