"""The portal form: errors beside their fields with the typed values kept, the API's rules, a
successful submission with its document, the status page following the PO, and nl/en."""

from __future__ import annotations

import dataclasses
import io
import re

from sqlalchemy import select

from revhub.orders import service
from revhub.store import AuditEntry, Conflict, Customer, PurchaseOrder, PurchaseOrderDocument
from tests.portal.conftest import PDF, valid_form
from tests.signin import csrf, sign_in


def _post(client, token, form, files=None):
    page = client.get(f"/portal/{token}").data
    data = {**form, "csrf_token": csrf(page)}
    if files:
        data.update(files)
    return client.post(f"/portal/{token}", data=data, content_type="multipart/form-data")


def _error_beside(html: str, field_id: str) -> str:
    match = re.search(rf'id="{re.escape(field_id)}-error">([^<]*)<', html)
    assert match, f"no error beside {field_id}"
    return match.group(1)


def test_portal_is_public_and_bad_links_are_refused(client, token):
    assert client.get(f"/portal/{token}").status_code == 200
    assert client.get(f"/portal/{token}x").status_code == 404
    assert b"not valid" in client.get("/portal/forged-token").data


def test_wrong_total_is_refused_beside_the_field_and_values_are_kept(client, token, db):
    response = _post(client, token, valid_form(total="1400.00"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "does not equal the sum of the lines plus VAT, 1452.00" in _error_beside(html, "f-total")
    assert 'value="PO-2026-77"' in html and 'value="120.00"' in html and 'value="1400.00"' in html
    assert '<option value="NL_VAT_21" selected>' in html
    with db.session() as s:
        assert s.scalar(select(PurchaseOrder)) is None


def test_backwards_dates_and_missing_vat_number_for_reverse_charge(client, token, db, portal_customer):
    html = _post(client, token, valid_form(subscription_end="2026-01-01")).get_data(as_text=True)
    assert _error_beside(html, "f-subscription_end") == "must not be before subscription_start"
    with db.session(write=True) as s:
        s.get(Customer, portal_customer).tax_id = None
    html = _post(client, token, valid_form(**{"lines[0].tax_code": "EU_REVERSE_CHARGE", "total": "1200.00",
                                              "vat_number": ""})).get_data(as_text=True)
    assert "needs the buyer&#39;s VAT number" in _error_beside(html, "f-lines-0-tax_code")


def test_a_document_that_is_not_a_pdf_is_refused_by_content(client, token):
    fake = (io.BytesIO(b"MZ\x90\x00 not a pdf"), "order.pdf")
    html = _post(client, token, valid_form(), {"document": fake}).get_data(as_text=True)
    assert "only PDF documents and PNG or JPEG scans" in _error_beside(html, "f-document")


def test_a_document_over_the_size_limit_is_refused_beside_the_field(app, client, token):
    documents = app.extensions["revhub.documents"]
    app.extensions["revhub.documents"] = dataclasses.replace(
        documents, settings=dataclasses.replace(documents.settings, max_bytes=2048))
    big = PDF[:-7] + b"%" * 3000 + b"\n%%EOF\n"
    html = _post(client, token, valid_form(), {"document": (io.BytesIO(big), "po.pdf")}).get_data(as_text=True)
    assert _error_beside(html, "f-document") == "the file is too large (at most 2 KB)"


def test_a_scan_larger_than_the_webhook_body_limit_is_accepted(client, token, db):
    scan = b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024) + b"\n%%EOF\n"  # 3 MB: over the app's 1 MB default
    response = _post(client, token, valid_form(), {"document": (io.BytesIO(scan), "scan.pdf")})
    assert response.status_code == 303
    with db.session() as s:
        assert s.scalar(select(PurchaseOrderDocument.size_bytes)) == len(scan)


def test_a_body_over_the_request_limit_gets_a_page_that_says_so(app, client, token):
    documents = app.extensions["revhub.documents"]
    app.extensions["revhub.documents"] = dataclasses.replace(
        documents, settings=dataclasses.replace(documents.settings, max_bytes=1024))
    huge = b"%PDF-1.4\n" + b"0" * (400 * 1024) + b"\n%%EOF\n"
    response = _post(client, token, valid_form(), {"document": (io.BytesIO(huge), "po.pdf")})
    assert response.status_code == 413 and b"at most 1 KB" in response.data


def test_submission_shows_our_number_and_the_status_follows_the_po(app, client, token, db, config):
    app.config["REVHUB"] = dataclasses.replace(config, approval_threshold="100")  # so it waits for approval
    response = _post(client, token, valid_form(), {"document": (io.BytesIO(PDF), "../../etc/PO 77.pdf")})
    assert response.status_code == 303
    status_url = response.headers["Location"]
    with db.session() as s:
        po = s.scalar(select(PurchaseOrder))
        number, doc = po.internal_number, s.scalar(select(PurchaseOrderDocument))
        assert (doc.filename, doc.uploader, doc.size_bytes, doc.content) == (
            "PO 77.pdf", "portal:ap@dekroon.example", len(PDF), None)
        assert s.scalar(select(AuditEntry.actor).where(AuditEntry.entity == "purchase_order",
                                                       AuditEntry.action == "create")) == "portal:ap@dekroon.example"
    html = client.get(status_url).get_data(as_text=True)
    assert f'id="internal-number">{number}<' in html and 'id="po-status">Received<' in html
    assert client.get(re.search(r'href="([^"]+/documents/[^"]+)"', html).group(1)).data == PDF
    with db.session(write=True) as s:
        service.approve(s, s.scalar(select(PurchaseOrder)), approver="console:dana")
    assert 'id="po-status">Invoiced<' in client.get(status_url).get_data(as_text=True)
    # A reused PO number (case and spaces aside) is refused beside the field.
    html = _post(client, token, valid_form(po_number=" po-2026-77 ")).get_data(as_text=True)
    assert f"as internal PO {number}" in _error_beside(html, "f-po_number")


def test_language_is_kept_on_the_customer_record(client, token, db, portal_customer):
    page = client.get(f"/portal/{token}").data
    response = client.post(f"/portal/{token}/language", data={"csrf_token": csrf(page), "language": "nl",
                                                               "back": "https://evil.example/"})
    assert response.headers["Location"].endswith(f"/portal/{token}")
    with db.session() as s:
        assert s.get(Customer, portal_customer).language == "nl"
    html = client.get(f"/portal/{token}").get_data(as_text=True)
    assert '<html lang="nl">' in html and "Inkooporder indienen" in html
    html = _post(client, token, valid_form(subscription_end="2026-01-01")).get_data(as_text=True)
    assert _error_beside(html, "f-subscription_end") == "mag niet vóór het begin van het abonnement liggen"


def test_console_download_needs_a_signed_in_user(client, token, db):
    _post(client, token, valid_form(), {"document": (io.BytesIO(PDF), "po.pdf")})
    with db.session() as s:
        doc_id = s.scalar(select(PurchaseOrderDocument.id))
    other = client.application.test_client()
    assert other.get(f"/documents/{doc_id}").status_code == 302  # to the sign-in page
    sign_in(other, db, role="viewer", name="vera")
    with db.session() as s:
        po_id = s.scalar(select(PurchaseOrder.id))
    page = other.get(f"/purchase-orders/{po_id}").get_data(as_text=True)
    assert f'href="/documents/{doc_id}">po.pdf</a>' in page and "uploaded by portal:ap@dekroon.example" in page
    response = other.get(f"/documents/{doc_id}")
    assert response.data == PDF and response.headers["Content-Disposition"].startswith("attachment")


def test_the_customer_gives_its_vat_number_with_a_reverse_charge_po(client, token, db, portal_customer):
    with db.session(write=True) as s:
        s.get(Customer, portal_customer).tax_id = None
    reverse = {"lines[0].tax_code": "EU_REVERSE_CHARGE", "total": "1200.00", "ap_email": "payables@dekroon.example"}
    html = _post(client, token, valid_form(**reverse, vat_number="12")).get_data(as_text=True)
    assert _error_beside(html, "f-vat_number").startswith("must be a VAT number")
    assert 'value="payables@dekroon.example"' in html
    with db.session() as s:  # a refused submission changes nothing, the customer's details included
        assert s.get(Customer, portal_customer).email == "ap@dekroon.example"
    response = _post(client, token, valid_form(**reverse, vat_number="nl 8123.45678 B01", billing_city="Utrecht",
                                               billing_country="nl"))
    assert response.status_code == 303
    with db.session() as s:
        customer = s.get(Customer, portal_customer)
        assert (customer.tax_id, customer.billing_country) == ("NL812345678B01", "NL")
        # The billing mailbox is a person's to settle (policy "ask"): the change waits as a conflict.
        conflict = s.scalar(select(Conflict).where(Conflict.record_id == portal_customer))
        assert (conflict.field, conflict.incoming_value, conflict.status) == (
            "email", "payables@dekroon.example", "open")
        changes = s.scalars(select(AuditEntry).where(AuditEntry.entity == "customer",
                                                     AuditEntry.record_id == portal_customer)).all()
        assert any(e.actor == "portal:ap@dekroon.example" and (e.after or {}).get("tax_id") == "NL812345678B01"
                   for e in changes)
        assert s.scalar(select(PurchaseOrder.po_number)) == "PO-2026-77"
