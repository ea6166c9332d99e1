"""The PO desk: POs by status, the approval queue (approve, reject with a reason, never by
the submitter), a PO's timeline; roles, CSRF and bad input answered with a message."""

import pytest
from sqlalchemy import select

from revhub.connections import Vault, save_connection
from revhub.orders import service
from revhub.store import Customer, Invoice, Product, PurchaseOrder, PurchaseOrderApproval
from tests.approvals.holders import bearer_of
from tests.console.signin import csrf, signed_in

pytestmark = pytest.mark.store


def po_body(number="4500012345", **overrides):
    body = {"customer": {"email": "ap@nakatomi.example"}, "vendor": "revhub Demo Ltd",
            "po_number": number, "issue_date": "2026-11-02", "currency": "JPY",
            "lines": [{"product": "RH-PLAT", "description": "Platform licence", "quantity": 25,
                       "unit_price": "88200"}],
            "total": "2205000", "payment_terms": "NET45", "subscription_start": "2026-12-01",
            "subscription_end": "2027-11-30"}
    body.update(overrides)
    return body


@pytest.fixture
def submit(app, db, config):
    vault = Vault(config.encryption_key)
    with db.session(write=True) as s:
        for name in ("stripe", "xero", "salesforce"):
            save_connection(s, vault, name=name, provider=name, credentials={}, settings={})
        s.add(Customer(name="Nakatomi <script>alert(1)</script>", email="ap@nakatomi.example",
                       default_currency="JPY"))
        s.add(Product(sku="RH-PLAT", name="Platform licence (per seat)"))
    client = app.test_client()

    def post(number="4500012345", actor="dana", **overrides):
        response = client.post("/api/purchase-orders", json=po_body(number, **overrides),
                               headers={"Authorization": f"Bearer {config.api_token}", "X-Revhub-Actor": actor})
        assert response.status_code == 201, response.json
        return response.json["id"]
    return post


@pytest.fixture
def approver(app):
    return signed_in(app, "erin", "approver")


def test_pages_need_sign_in_and_decisions_need_the_approver_role(app, submit):
    po_id = submit()
    for path in ("/purchase-orders", "/purchase-orders/approvals", f"/purchase-orders/{po_id}"):
        assert app.test_client().get(path).status_code == 302
    viewer = signed_in(app, "vic", "viewer")
    page = viewer.get(f"/purchase-orders/{po_id}")
    assert page.status_code == 200 and b"Approve and invoice" not in page.data
    refused = viewer.post(f"/purchase-orders/{po_id}/approve", data={"csrf_token": csrf(viewer.get("/search").data)})
    assert refused.status_code == 403


def test_the_queue_lists_received_pos_and_the_desk_counts_by_status(approver, submit):
    submit("A-1")
    submit("A-2")
    page = approver.get("/purchase-orders/approvals").get_data(as_text=True)
    assert "A-1" in page and "A-2" in page and "Approval queue (2)" in page
    assert "JPY\u00a02,205,000" in page
    assert "received (2)" in approver.get("/purchase-orders").get_data(as_text=True)
    assert "A-1" not in approver.get("/purchase-orders?status=paid").get_data(as_text=True)


def test_an_approver_approves_and_the_po_is_invoiced_with_a_timeline(approver, submit, db):
    po_id = submit()
    page = approver.get(f"/purchase-orders/{po_id}").data
    response = approver.post(f"/purchase-orders/{po_id}/approve", data={"csrf_token": csrf(page), "note": "ok"})
    assert response.status_code == 302
    with db.session() as s:
        po = s.scalar(select(PurchaseOrder))
        approval = s.scalar(select(PurchaseOrderApproval))
        number = s.scalar(select(Invoice.number))
    assert po.status == "invoiced" and approval.approver == "console:erin" and approval.note == "ok"
    timeline = approver.get(f"/purchase-orders/{po_id}").get_data(as_text=True)
    assert "PO created (received)" in timeline and "PO received → approved" in timeline
    assert f"invoice {number} created" in timeline and "by console:erin" in timeline
    assert "→ stripe: pending" in timeline  # the outbox message owed to Stripe
    record = approver.get(f"/records/purchase_order/{po_id}").get_data(as_text=True)
    assert "<h2>Lines</h2>" in record and "Platform licence" in record and "JPY\u00a02,205,000" in record


def test_the_submitter_cannot_approve_their_own_po(app, submit, db):
    po_id = submit(actor="dana")
    dana = signed_in(app, "Dana", "admin")
    page = dana.get(f"/purchase-orders/{po_id}").data
    response = dana.post(f"/purchase-orders/{po_id}/approve", data={"csrf_token": csrf(page)})
    assert response.status_code == 409 and b"someone else must approve it" in response.data
    with db.session() as s:
        assert s.scalar(select(PurchaseOrder.status)) == "received"


def test_the_service_refuses_self_approval_whatever_the_channel(submit, db):
    submit(actor="api:dana")
    with db.session(write=True) as s:
        po = s.scalar(select(PurchaseOrder))
        with pytest.raises(service.SelfApprovalError):
            service.approve(s, po, approver="console:DANA")
        service.approve(s, po, approver="erin")
        assert po.status == "invoiced"


def test_reject_needs_a_reason_and_keeps_it(approver, submit, db):
    po_id = submit()
    page = approver.get(f"/purchase-orders/{po_id}").data
    response = approver.post(f"/purchase-orders/{po_id}/reject", data={"csrf_token": csrf(page), "reason": "  "})
    assert response.status_code == 400 and b"reason: say why" in response.data
    response = approver.post(f"/purchase-orders/{po_id}/reject",
                             data={"csrf_token": csrf(page), "reason": "wrong price"})
    assert response.status_code == 302
    with db.session() as s:
        assert s.scalar(select(PurchaseOrder.status)) == "cancelled"
        rejection = s.scalar(select(PurchaseOrderApproval))
        assert (rejection.decision, rejection.note) == ("rejected", "wrong price")
    again = approver.post(f"/purchase-orders/{po_id}/approve", data={"csrf_token": csrf(page)})
    assert again.status_code == 409 and b"cancelled" in again.data


def test_forms_without_csrf_are_refused(approver, submit, db):
    po_id = submit()
    assert approver.post(f"/purchase-orders/{po_id}/approve").status_code == 400
    with db.session() as s:
        assert s.scalar(select(PurchaseOrder.status)) == "received"


def test_bad_ids_and_filters_are_answered_with_a_message(approver, submit):
    assert approver.get("/purchase-orders/not-an-id").status_code == 404
    response = approver.get("/purchase-orders?status=lost")
    assert response.status_code == 400 and b"status: one of" in response.data
    page = approver.get("/purchase-orders/approvals").data
    assert approver.post("/purchase-orders/nope/approve", data={"csrf_token": csrf(page)}).status_code == 404


def test_the_list_exports_as_csv(approver, submit):
    submit("=HYPERLINK(1)")
    response = approver.get("/purchase-orders?format=csv")
    body = response.get_data(as_text=True)
    assert response.mimetype == "text/csv" and "'=HYPERLINK(1)" in body
    assert ",2205000,JPY," in body


def test_hostile_names_render_as_text(approver, submit):
    po_id = submit("<img src=x onerror=alert(1)>")
    for path in ("/purchase-orders", f"/purchase-orders/{po_id}"):
        page = approver.get(path).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_timeline_runs_from_intake_to_the_payment(approver, submit, db):
    from datetime import UTC, datetime

    from revhub.store import Payment, PaymentAllocation

    po_id = submit()
    page = approver.get(f"/purchase-orders/{po_id}").data
    approver.post(f"/purchase-orders/{po_id}/approve", data={"csrf_token": csrf(page)})
    with db.session(write=True) as s:
        invoice = s.scalar(select(Invoice))
        payment = Payment(amount_minor=2205000, currency="JPY", fee_minor=0, net_minor=2205000,
                          reference="<b>wire 77</b>", received_at=datetime.now(UTC))
        payment.allocations.append(PaymentAllocation(invoice_id=invoice.id, amount_minor=2205000))
        s.add(payment)
        number = invoice.number
    timeline = approver.get(f"/purchase-orders/{po_id}").get_data(as_text=True)
    created, paid = timeline.index("PO created (received)"), timeline.index(f"payment succeeded on invoice {number}")
    assert created < timeline.index("PO received → approved") < paid
    assert "JPY\u00a02,205,000" in timeline[paid:] and "&lt;b&gt;wire 77&lt;/b&gt;" in timeline


def test_the_api_refuses_the_submitter_as_approver_too(app, submit, config, db):
    po_id = submit(actor="dana")
    refused = app.test_client().post(f"/api/purchase-orders/{po_id}/approve", json={},
                                     headers=bearer_of(db, "dana", "admin"))
    assert refused.status_code == 409 and "someone else must approve it" in refused.json["error"]
    approved = app.test_client().post(f"/api/purchase-orders/{po_id}/approve", json={},
                                      headers=bearer_of(db, "erin"))
    assert approved.status_code == 200 and approved.json["status"] == "invoiced"


def test_control_characters_are_refused_with_a_message_not_a_500(approver, submit):
    po_id = submit()
    page = approver.get(f"/purchase-orders/{po_id}").data
    assert approver.get("/search?q=a%00b").status_code == 400
    assert approver.get("/purchase-orders?customer=a%00b").status_code == 400
    response = approver.post(f"/purchase-orders/{po_id}/reject",
                             data={"csrf_token": csrf(page), "reason": "x\x00y"})
    assert response.status_code == 400 and b"reason: " in response.data
    response = approver.post(f"/purchase-orders/{po_id}/approve",
                             data={"csrf_token": csrf(page), "note": "x\x00y"})
    assert response.status_code == 400 and b"note: " in response.data


@pytest.mark.parametrize("a, b, same", [
    ("console:Dana", "dana", True), ("user:dana", "console:DANA", True), ("api:dana", "dana", True),
    ("integration:dana", "console:dana", False), ("sync:xero", "xero", False), ("erin", "dana", False),
    ("policy:auto-approval", "dana", False), (None, "dana", False)])
def test_who_counts_as_the_same_party(a, b, same):
    assert service.same_party(a, b) is same
