"""PO intake by API: validated field by field, stored once, approved, invoiced."""

import pytest
from sqlalchemy import func, select

from revhub.store import AuditEntry, Invoice, OutboxMessage, PurchaseOrder, PurchaseOrderApproval
from tests.orders.conftest import approval_threshold

pytestmark = pytest.mark.store


def po(**overrides):
    body = {"customer": {"email": "AP@nakatomi.example"}, "vendor": "revhub Demo Ltd",
            "po_number": "4500012345", "issue_date": "2026-11-02", "currency": "JPY",
            "lines": [{"product": "RH-PLAT", "description": "Platform licence, 12 months", "quantity": 25,
                       "unit_price": "88200"}],
            "total": "2205000", "subscription_start": "2026-12-01", "subscription_end": "2027-11-30",
            "payment_terms": "NET45"}
    body.update(overrides)
    return body


def count(db, model, *where):
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_a_po_under_the_threshold_is_approved_and_invoiced_at_once(api, db):
    approval_threshold(db, "JPY", "5000000")
    response = api("post", "/api/purchase-orders", po())
    assert response.status_code == 201, response.json
    assert response.json["status"] == "invoiced" and response.json["internal_number"] == 1
    with db.session() as s:
        invoice = s.scalars(select(Invoice)).one()
        approval = s.scalars(select(PurchaseOrderApproval)).one()
        targets = sorted(s.scalars(select(OutboxMessage.target_system).where(OutboxMessage.entity == "invoice")))
    assert (invoice.po_number, invoice.total_minor, invoice.currency) == ("4500012345", 2205000, "JPY")
    assert (str(invoice.issue_date), invoice.status) != ("", "")
    assert (invoice.due_date - invoice.issue_date).days == 45
    assert approval.approver == "policy:auto-approval"
    assert targets == ["salesforce", "stripe", "xero"]


def test_a_po_over_the_threshold_waits_for_a_named_approver(api, db, decider):
    response = api("post", "/api/purchase-orders", po())
    assert response.json["status"] == "received"
    assert count(db, Invoice) == 0
    approved = decider("post", f"/api/purchase-orders/{response.json['id']}/approve")
    assert approved.status_code == 200 and approved.json["status"] == "invoiced"
    with db.session() as s:
        statuses = s.scalars(select(AuditEntry.after).where(AuditEntry.entity == "purchase_order")
                             .order_by(AuditEntry.id)).all()
    assert [a.get("status") for a in statuses] == ["received", "approved", "invoiced"]


def test_a_cancelled_po_cannot_be_approved(api, db, decider):
    created = api("post", "/api/purchase-orders", po()).json
    assert decider("post", f"/api/purchase-orders/{created['id']}/cancel").json["status"] == "cancelled"
    refused = decider("post", f"/api/purchase-orders/{created['id']}/approve")
    assert refused.status_code == 409 and "cancelled" in refused.json["error"]


def test_a_duplicate_po_number_for_the_customer_is_refused_naming_the_original(api, db):
    first = api("post", "/api/purchase-orders", po()).json
    again = api("post", "/api/purchase-orders", po())
    assert again.status_code == 409
    assert again.json["original"]["internal_number"] == first["internal_number"]
    assert count(db, PurchaseOrder) == 1


def test_each_invalid_field_gets_its_own_error_and_nothing_is_stored(api, db):
    response = api("post", "/api/purchase-orders", po(
        currency="XYZ", issue_date="2026-13-40", subscription_end="2026-01-01", payment_terms="NET90",
        lines=[{"quantity": 0, "unit_price": 12.5}], total=None, po_number=""))
    assert response.status_code == 422
    fields = {e["field"] for e in response.json["errors"]}
    assert fields == {"currency", "issue_date", "subscription_end", "payment_terms", "lines[0].quantity",
                      "lines[0].unit_price", "total", "po_number"}
    assert count(db, PurchaseOrder) == 0 and count(db, AuditEntry, AuditEntry.entity == "purchase_order") == 0


def test_lines_must_add_up_to_the_total(api, db):
    response = api("post", "/api/purchase-orders", po(total="2205001"))
    assert response.status_code == 422
    assert response.json["errors"] == [{"field": "total",
                                        "message": "2205001 does not equal the sum of the lines, 2205000"}]


def test_a_float_amount_is_refused_with_a_reason(api):
    response = api("post", "/api/purchase-orders", po(currency="USD", total=100.5,
                                                      lines=[{"quantity": 1, "unit_price": "100.50"}]))
    assert response.json["errors"][0]["field"] == "total"
    assert "decimal string" in response.json["errors"][0]["message"]


def test_an_unknown_customer_or_sku_is_a_field_error(api, db):
    response = api("post", "/api/purchase-orders", po(customer={"email": "nobody@x.example"},
                                                      lines=[{"product": "NOPE", "quantity": 25,
                                                              "unit_price": "88200"}]))
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == {"customer", "lines[0].product"}


def test_the_api_needs_the_token(app):
    assert app.test_client().post("/api/purchase-orders", json=po()).status_code == 401


@pytest.mark.parametrize("again", ["  4500012345 ", "4500012345\t", "po-4500012345"])
def test_a_po_number_is_a_duplicate_after_trimming_and_case_folding(api, db, again):
    first = api("post", "/api/purchase-orders", po(po_number="PO-4500012345" if "po" in again else "4500012345"))
    assert first.status_code == 201
    response = api("post", "/api/purchase-orders", po(po_number=again))
    assert response.status_code == 409 and response.json["original"]["id"] == first.json["id"]
    assert count(db, PurchaseOrder) == 1
