"""Every approval rule: thresholds per currency, two levels, the decider is the token's holder
(never a body field, never the submitter), rejections keep their reason."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from revhub.orders import approvals
from revhub.store import Invoice, PurchaseOrder, PurchaseOrderApproval
from tests.approvals.conftest import po_body

pytestmark = pytest.mark.store


def set_thresholds(db, currency, low, high=None):
    with db.session(write=True) as s:
        approvals.set_threshold(s, currency, low, high, actor="console:admin")


def submit(caller, total, currency, number="4500000001"):
    response = caller("post", "/api/purchase-orders", po_body(total, currency, number=number))
    assert response.status_code == 201, response.json
    return response.json


def test_thresholds_are_per_currency_so_yen_and_dinar_are_judged_in_their_own_terms(seeded, as_user):
    # The defect: one number (10,000) in the PO's own currency made ¥20,000 (≈ €120) need approval
    # and KWD 9,999 (≈ €30,000) not.
    set_thresholds(seeded, "JPY", "1500000")
    set_thresholds(seeded, "KWD", "3000")
    sales = as_user("sam", "viewer")
    assert submit(sales, "20000", "JPY", "A-1")["status"] == "invoiced"
    assert submit(sales, "9999", "KWD", "A-2")["status"] == "received"


def test_a_currency_without_a_row_always_needs_an_approver(seeded, as_user):
    assert submit(as_user("sam", "viewer"), "1", "EUR")["status"] == "received"


def test_the_decider_is_the_tokens_holder_and_a_body_field_naming_one_is_refused(seeded, as_user):
    created = submit(as_user("sam", "viewer"), "500", "EUR")
    erin = as_user("erin")
    refused = erin("post", f"/api/purchase-orders/{created['id']}/approve", {"approver": "someone-else"})
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "approver"
    approved = erin("post", f"/api/purchase-orders/{created['id']}/approve", {})
    assert approved.status_code == 200 and approved.json["status"] == "invoiced"
    with seeded.session() as s:
        assert s.scalar(select(PurchaseOrderApproval.approver)) == "user:erin"


def test_an_integration_token_or_a_viewer_cannot_decide(seeded, as_user, integration):
    created = submit(as_user("sam", "viewer"), "500", "EUR")
    assert integration("post", f"/api/purchase-orders/{created['id']}/approve", {}).status_code == 403
    viewer = as_user("vic", "viewer")
    assert viewer("post", f"/api/purchase-orders/{created['id']}/approve", {}).status_code == 403


def test_the_submitter_cannot_approve_their_own_po(seeded, as_user):
    dana = as_user("dana", "admin")
    created = submit(dana, "500", "EUR")
    refused = dana("post", f"/api/purchase-orders/{created['id']}/approve", {})
    assert refused.status_code == 409 and "someone else" in refused.json["error"]


def test_above_the_finance_lead_threshold_two_people_approve_one_a_finance_lead(seeded, as_user):
    set_thresholds(seeded, "EUR", "1000", "50000")
    created = submit(as_user("sam", "viewer"), "60000", "EUR")
    path = f"/api/purchase-orders/{created['id']}/approve"
    erin, fay = as_user("erin"), as_user("fay", finance_lead=True)
    first = erin("post", path, {})
    assert first.status_code == 200 and first.json["status"] == "received"  # waits for the finance lead
    again = erin("post", path, {})
    assert again.status_code == 409 and "already approved" in again.json["error"]
    second = fay("post", path, {})
    assert second.status_code == 200 and second.json["status"] == "invoiced"
    with seeded.session() as s:
        levels = s.execute(select(PurchaseOrderApproval.approver, PurchaseOrderApproval.level)
                           .order_by(PurchaseOrderApproval.decided_at)).all()
        assert [tuple(r) for r in levels] == [("user:erin", "approver"), ("user:fay", "finance_lead")]
        assert s.scalar(select(Invoice.number)) is not None


def test_two_plain_approvers_do_not_make_a_finance_lead(seeded, as_user):
    set_thresholds(seeded, "EUR", "1000", "50000")
    created = submit(as_user("sam", "viewer"), "60000", "EUR")
    path = f"/api/purchase-orders/{created['id']}/approve"
    assert as_user("erin")("post", path, {}).json["status"] == "received"
    refused = as_user("gus")("post", path, {})
    assert refused.status_code == 409 and "finance lead" in refused.json["error"]


def test_a_finance_lead_first_leaves_the_approver_level_to_someone_else(seeded, as_user):
    set_thresholds(seeded, "EUR", "1000", "50000")
    created = submit(as_user("sam", "viewer"), "60000", "EUR")
    path = f"/api/purchase-orders/{created['id']}/approve"
    assert as_user("fay", finance_lead=True)("post", path, {}).json["status"] == "received"
    assert as_user("erin")("post", path, {}).json["status"] == "invoiced"


def test_between_the_thresholds_one_approver_is_enough(seeded, as_user):
    set_thresholds(seeded, "EUR", "1000", "50000")
    created = submit(as_user("sam", "viewer"), "50000", "EUR")  # at the limit: not above it
    assert as_user("erin")("post", f"/api/purchase-orders/{created['id']}/approve", {}).json["status"] == "invoiced"


def test_a_rejection_needs_a_reason_and_keeps_it_on_the_approval_record(seeded, as_user):
    created = submit(as_user("sam", "viewer"), "500", "EUR")
    path = f"/api/purchase-orders/{created['id']}/reject"
    erin = as_user("erin")
    missing = erin("post", path, {"reason": "  "})
    assert missing.status_code == 422 and missing.json["errors"][0]["field"] == "reason"
    rejected = erin("post", path, {"reason": "the unit price does not match the quote"})
    assert rejected.status_code == 200 and rejected.json["status"] == "cancelled"
    with seeded.session() as s:
        record = s.scalar(select(PurchaseOrderApproval))
        assert (record.decision, record.approver, record.note) == \
            ("rejected", "user:erin", "the unit price does not match the quote")
        assert s.scalar(select(PurchaseOrder.status)) == "cancelled"


@pytest.mark.parametrize(("currency", "low", "high", "field"), [
    ("EURO", "1", None, "currency"), ("XXY", "1", None, "currency"), ("EUR", "ten", None, "approver_above"),
    ("EUR", "-1", None, "approver_above"), ("JPY", "1.5", None, "approver_above"),
    ("EUR", "100", "50", "finance_lead_above")])
def test_a_bad_threshold_names_its_field(db, currency, low, high, field):
    with db.session(write=True) as s, pytest.raises(approvals.ThresholdError, match=f"^{field}:"):
        approvals.set_threshold(s, currency, low, high, actor="test")


def test_the_cli_approver_is_a_named_user_with_the_right(seeded, as_user, config):
    from click.testing import CliRunner

    from revhub.cli import main

    set_thresholds(seeded, "EUR", "1000", "50000")
    created = submit(as_user("sam", "viewer"), "60000", "EUR")
    as_user("erin")
    as_user("fay", finance_lead=True)
    env = {"REVHUB_HOME": str(config.home), "REVHUB_DATABASE_URL": config.database_url}

    def approve(name):
        return CliRunner().invoke(main, ["po", "approve", str(created["internal_number"]), "--approver", name], env=env)
    assert "--approver: 'somebody' is not an enabled user" in approve("somebody").output
    assert "--approver: 'sam' is not an enabled user with the approver role" in approve("sam").output
    assert "needs a finance lead's approval as well" in approve("erin").output
    assert "approved; invoice RH-" in approve("fay").output
