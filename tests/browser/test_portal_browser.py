"""The customer portal in Chromium: an invitation link, an error shown beside its field with the
typed values kept, a PDF upload, our number, an approval in the console, the status page moving."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from revhub.store import PurchaseOrder
from tests.portal.conftest import PDF, portal_customer, token  # noqa: F401  (fixtures)

pytestmark = pytest.mark.store


def test_customer_submits_through_the_portal_and_watches_the_status(
        app, config, db, token, live_server, page, signed_in_page, axe_check, tmp_path, browser_errors):  # noqa: F811
    app.config["REVHUB"] = dataclasses.replace(config, approval_threshold="100")  # the PO waits for approval
    pdf = tmp_path / "PO-2026-88.pdf"
    pdf.write_bytes(PDF)
    page.goto(f"{live_server}/portal/{token}")
    axe_check(page)
    page.get_by_label("Your PO number").fill("PO-2026-88")
    page.get_by_label("Issue date").fill("2026-11-02")
    page.get_by_label("Subscription start").fill("2026-12-01")
    page.get_by_label("Subscription end").fill("2027-11-30")
    page.get_by_label("Product").select_option("RH-PLAT")
    page.get_by_label("Licences").fill("10")
    page.get_by_label("Unit price").fill("120.00")
    page.get_by_label("Tax code").select_option("NL_VAT_21")
    page.get_by_label("Total (VAT included)").fill("1400.00")  # wrong: 1,452.00 with VAT
    page.get_by_role("button", name="Submit purchase order").click()

    total = page.get_by_label("Total (VAT included)")
    assert total.get_attribute("aria-invalid") == "true"
    assert "1452.00" in page.locator("#f-total-error").inner_text()
    assert total.input_value() == "1400.00" and page.get_by_label("Your PO number").input_value() == "PO-2026-88"
    assert page.get_by_label("Unit price").input_value() == "120.00"
    axe_check(page)

    total.fill("1452.00")
    page.get_by_label("PO document (PDF, PNG or JPEG)").set_input_files(str(pdf))
    page.get_by_role("button", name="Submit purchase order").click()
    number = page.locator("#internal-number").inner_text()
    assert page.locator("#po-status").inner_text() == "Received"
    assert page.get_by_role("link", name="PO-2026-88.pdf").is_visible()
    axe_check(page)
    status_url = page.url

    with db.session() as s:
        po = s.scalar(select(PurchaseOrder))
        assert str(po.internal_number) == number
        po_id = po.id
    console = signed_in_page("approver", "erin")
    console.goto(f"{live_server}/purchase-orders/{po_id}")
    console.get_by_role("button", name="Approve and invoice").click()
    console.wait_for_load_state()

    page.goto(status_url)
    assert page.locator("#po-status").inner_text() == "Invoiced"
    page.get_by_label("Language").select_option("nl")
    page.get_by_role("button", name="Switch").click()
    assert page.locator("#po-status").inner_text() == "Gefactureerd"
    assert browser_errors == []
