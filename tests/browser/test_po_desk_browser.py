"""The PO desk in a real browser: an approver finds a PO in the approval queue, approves it with
a note and reads its timeline; the submitter is refused; hostile names stay text."""

from __future__ import annotations

import pytest

from revhub.connections import Vault, save_connection
from revhub.store import Customer, Product

pytestmark = pytest.mark.store


@pytest.fixture
def submitted(app, db, config):
    """A PO over the approval threshold, submitted through the API by ``dana``."""
    vault = Vault(config.encryption_key)
    with db.session(write=True) as s:
        for name in ("stripe", "xero", "salesforce"):
            save_connection(s, vault, name=name, provider=name, credentials={}, settings={})
        s.add(Customer(name="Nakatomi <img src=x onerror=alert(1)>", email="ap@nakatomi.example",
                       default_currency="EUR"))
        s.add(Product(sku="RH-PLAT", name="Platform licence"))
    body = {"customer": {"email": "ap@nakatomi.example"}, "vendor": "revhub Demo Ltd", "po_number": "4500-77",
            "issue_date": "2026-11-02", "currency": "EUR", "payment_terms": "NET30",
            "lines": [{"product": "RH-PLAT", "description": "Platform licence", "quantity": 25,
                       "unit_price": "882.00"}],
            "total": "22050.00", "subscription_start": "2026-12-01", "subscription_end": "2027-11-30"}
    response = app.test_client().post("/api/purchase-orders", json=body, headers={
        "Authorization": f"Bearer {config.api_token}", "X-Revhub-Actor": "dana"})
    assert response.status_code == 201 and response.json["status"] == "received", response.json
    return response.json["id"]


def test_the_submitter_is_refused_then_an_approver_approves_from_the_queue(
        signed_in_page, live_server, submitted, axe_check, browser_errors):
    # One test, one store and server (each costs seconds): first the submitter, then an approver.
    page = signed_in_page("admin", "dana")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{live_server}/purchase-orders/{submitted}")
    page.get_by_role("button", name="Approve and invoice").click()
    assert "someone else must approve it" in page.get_by_role("alert").inner_text()
    page.get_by_label("Reason for rejecting (required)").fill("   ")
    page.get_by_role("button", name="Reject").click()
    assert "reason: say why" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Reason for rejecting (required)").get_attribute("aria-invalid") == "true"
    axe_check(page)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login**")

    page = signed_in_page("approver", "erin")
    page.get_by_role("link", name="POs").click()
    page.get_by_role("link", name="Approval queue (1)").click()
    row = page.get_by_role("row").filter(has_text="4500-77")
    assert "EUR\u00a022,050.00" in row.inner_text()
    assert "Nakatomi <img src=x onerror=alert(1)>" in row.inner_text()  # hostile name, shown as text
    axe_check(page)
    row.get_by_role("link", name="Review and decide").click()
    assert "dana" in page.locator("dl", has_text="Status").inner_text()  # submitted by
    page.get_by_label("Note (optional)").fill("budget confirmed")
    page.get_by_role("button", name="Approve and invoice").click()
    assert "approved and invoiced" in page.get_by_role("status").inner_text()
    assert "invoiced" in page.locator("dl", has_text="Status").inner_text()
    timeline = page.locator("ol.timeline").inner_text()
    assert "PO received → approved" in timeline and "PO approved by console:erin — budget confirmed" in timeline
    assert "→ stripe: pending" in timeline
    axe_check(page)
    assert page.locator("main img").count() == 0 and not dialogs
    assert not browser_errors, browser_errors
