"""The reconciliation pages: matches with rule and evidence (reversed by an admin), the
unmatched receipts with ranked candidates (matched to one by an admin, rule ``manual``), the
invoice checks with the admin's policy; roles, CSRF, bad input and CSV."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from revhub.recon.service import run
from revhub.store import AuditEntry, Payment, PaymentAllocation, Policy, ReconMatch, SyncException
from tests.console.signin import csrf, signed_in
from tests.recon.conftest import bank_receipt, xero_invoice
from tests.sync.changes import apply

pytestmark = pytest.mark.store


def recon(db):
    with db.session(write=True) as s:
        run(s, actor="test")


@pytest.fixture
def admin(app, books):
    return signed_in(app, "dana", "admin")


def test_matches_show_rule_and_evidence_and_export_as_csv(app, books, admin):
    apply(books, "stripe", bank_receipt("py_1", 30000, "Payment for PO 4471"))
    recon(books)
    page = admin.get("/recon/matches")
    assert page.status_code == 200
    assert b"reference" in page.data and b"INV-0042" in page.data and b"4471" in page.data
    exported = admin.get("/recon/matches?format=csv&rule=reference")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    assert exported.data.decode().splitlines()[1].split(",")[2] == "reference"
    assert admin.get("/recon/matches?rule=amount%2Bcustomer").data.count(b'id="match-') == 0
    assert admin.get("/recon/matches?status=nope").status_code == 400


def test_an_admin_reverses_a_match_and_the_action_is_audited(app, books, admin):
    apply(books, "stripe", bank_receipt("py_1", 12000, "INV-0043"))
    recon(books)
    with books.session() as s:
        match_id = s.scalar(select(ReconMatch.id))
    viewer = signed_in(app, "vic", "viewer")
    token = csrf(viewer.get("/recon/matches").data)
    assert b"Reverse" not in viewer.get("/recon/matches").data
    assert viewer.post(f"/recon/matches/{match_id}/reverse", data={"csrf_token": token}).status_code == 403
    assert admin.post(f"/recon/matches/{match_id}/reverse").status_code == 400  # no CSRF token
    token = csrf(admin.get("/recon/matches").data)
    answer = admin.post(f"/recon/matches/{match_id}/reverse", data={"csrf_token": token})
    assert answer.status_code == 302
    with books.session() as s:
        row = s.get(ReconMatch, match_id)
        assert (row.status, row.reversed_by) == ("reversed", "console:dana")
        assert s.scalar(select(PaymentAllocation)) is None
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "recon_reverse")).actor == "console:dana"
    again = admin.post(f"/recon/matches/{match_id}/reverse", data={"csrf_token": token})
    assert again.status_code == 400 and b"already reversed" in again.data


def test_an_admin_matches_an_unmatched_receipt_to_a_ranked_candidate(app, books, admin):
    apply(books, "xero", xero_invoice("inv-c", "INV-2026-0101", 12000), xero_invoice("inv-d", "INV-2026-0102", 12000))
    apply(books, "stripe", bank_receipt("py_1", 12000, "INV-2026-0103"))
    recon(books)  # one character from two invoices both due 12,000: nothing is guessed
    page = admin.get("/recon/unmatched")
    assert page.status_code == 200 and b"INV-2026-0101" in page.data and b"INV-2026-0102" in page.data
    with books.session() as s:
        exception = s.scalars(select(SyncException).where(SyncException.status == "open")
                              .order_by(SyncException.id)).first()
        first = exception.candidates[0]["invoice_ids"]
    token = csrf(page.data)
    assert admin.post(f"/recon/unmatched/{exception.id}/match", data={"csrf_token": token, "candidate": "9"}
                      ).status_code == 400
    assert admin.post(f"/recon/unmatched/{exception.id}/match", data={"csrf_token": token, "candidate": "x"}
                      ).status_code == 400
    answer = admin.post(f"/recon/unmatched/{exception.id}/match", data={"csrf_token": token, "candidate": "0"})
    assert answer.status_code == 302
    with books.session() as s:
        kept = s.scalar(select(ReconMatch))
        assert (kept.rule, kept.matched_by, kept.exception_id) == ("manual", "console:dana", exception.id)
        assert [a["invoice_id"] for a in kept.allocations] == first
        assert s.get(SyncException, exception.id).status == "resolved"
        assert s.scalar(select(PaymentAllocation.amount_minor)) == 12000
    assert b"manual" in admin.get("/recon/matches").data
    assert admin.get("/recon/unmatched?format=csv").status_code == 200


def test_invoice_checks_list_findings_and_the_admin_edits_the_policy(app, books, admin):
    page = admin.get("/recon/invoice-checks")
    assert page.status_code == 200 and b"Save policy" in page.data
    token = csrf(page.data)
    bad = admin.post("/recon/policy", data={"csrf_token": token, "price_pct": "abc", "quantity": "0",
                                            "amount_minor": "0"})
    assert bad.status_code == 400 and b"price_pct" in bad.data
    ok = admin.post("/recon/policy", data={"csrf_token": token, "price_pct": "2.5", "quantity": "1",
                                           "amount_minor": "100", "block": ["duplicate"]})
    assert ok.status_code == 302
    with books.session() as s:
        assert s.get(Policy, "three_way_match").value["blocking"] == ["duplicate"]
    viewer = signed_in(app, "vic", "viewer")
    assert b"Save policy" not in viewer.get("/recon/invoice-checks").data
    viewer_token = csrf(viewer.get("/recon/invoice-checks").data)
    assert viewer.post("/recon/policy", data={"csrf_token": viewer_token}).status_code == 403


def test_run_matching_now_from_the_console(app, books, admin):
    apply(books, "stripe", bank_receipt("py_1", 12000, "INV-0043"))
    viewer = signed_in(app, "vic", "viewer")
    assert viewer.post("/recon/run", data={"csrf_token": csrf(viewer.get("/recon/matches").data)}).status_code == 403
    answer = admin.post("/recon/run", data={"csrf_token": csrf(admin.get("/recon/matches").data)})
    assert answer.status_code == 302
    with books.session() as s:
        assert s.scalar(select(ReconMatch.matched_by)) == "console:dana"



def test_the_generic_exception_queue_lists_recon_exceptions_without_failing(app, books, admin):
    apply(books, "xero", xero_invoice("inv-c", "INV-2026-0101", 12000), xero_invoice("inv-d", "INV-2026-0102", 12000))
    apply(books, "stripe", bank_receipt("py_1", 12000, "INV-2026-0103"))
    recon(books)  # an unmatched receipt whose candidates are ranked invoice sets, not record ids
    page = admin.get("/exceptions")
    assert page.status_code == 200 and b"/recon/unmatched" in page.data
    assert admin.get("/exceptions?format=csv").status_code == 200


def test_a_candidate_in_another_currency_is_refused_and_nothing_is_written(app, books, admin):
    from revhub.recon.service import ReconError, apply_candidate

    apply(books, "xero", xero_invoice("inv-c", "INV-2026-0101", 12000), xero_invoice("inv-d", "INV-2026-0102", 12000))
    apply(books, "stripe", bank_receipt("py_1", 12000, "INV-2026-0103"))
    recon(books)
    with books.session(write=True) as s:
        exception = s.scalar(select(SyncException).where(SyncException.status == "open"))
        s.get(Payment, uuid.UUID(exception.external_id)).currency = "USD"
    with books.session(write=True) as s, pytest.raises(ReconError, match="another currency"):
        apply_candidate(s, exception.id, 0, actor="test")
    with books.session() as s:
        assert s.scalar(select(ReconMatch)) is None and s.scalar(select(PaymentAllocation)) is None
