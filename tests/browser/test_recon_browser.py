"""Reconciliation and reports in a real browser: open the ageing report and click a bucket down
to its invoices, reverse a match, match an unmatched receipt to a candidate; axe on each page,
no console or CSP errors (the chart is drawn by a static script)."""

from __future__ import annotations

import pytest

from revhub.recon.service import run
from tests.recon.conftest import bank_receipt, books, xero_invoice  # noqa: F401  (books is a fixture)
from tests.sync.changes import apply

pytestmark = pytest.mark.store


@pytest.fixture
def reconciled(books):  # noqa: F811
    """One receipt matched by its reference, one left between two candidates."""
    apply(books, "xero", xero_invoice("inv-c", "INV-2026-0101", 12000), xero_invoice("inv-d", "INV-2026-0102", 12000))
    apply(books, "stripe", bank_receipt("py_1", 30000, "INV-0042"), bank_receipt("py_2", 12000, "INV-2026-0103"))
    with books.session(write=True) as s:
        assert run(s, actor="test").as_dict() == {"receipts": 2, "matched": 1, "queued": 1}
    return books


def test_reports_drill_down_reverse_a_match_and_match_a_receipt(
        signed_in_page, live_server, reconciled, axe_check, browser_errors):
    page = signed_in_page("admin", "dana")
    page.goto(live_server + "/reports")
    axe_check(page)
    page.get_by_role("link", name="Receivables ageing").click()
    page.wait_for_selector("canvas#report-chart")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('report-chart'))")
    axe_check(page)
    # Three invoices of 120.00 still owed (INV-0042 was paid by py_1), none due yet.
    page.locator("table.report a", has_text="360.00").first.click()
    page.wait_for_url("**/reports/ageing/invoices?**")
    for number in ("INV-0043", "INV-2026-0101", "INV-2026-0102"):
        assert page.get_by_role("link", name=number).count() == 1
    axe_check(page)

    page.goto(live_server + "/recon/matches")
    axe_check(page)
    page.get_by_role("button", name="Reverse match").first.click()
    page.wait_for_selector("text=reversed: the payment pays nothing")
    assert page.get_by_role("button", name="Reverse match").count() == 0

    page.goto(live_server + "/recon/unmatched")
    axe_check(page)
    page.get_by_role("button", name="Match to candidate 1").click()
    page.wait_for_selector("text=rule manual")
    page.goto(live_server + "/recon/matches")
    assert page.locator("td > code").get_by_text("manual", exact=True).count() == 1
    assert not browser_errors, browser_errors
