"""The duplicate guard and three-way match stop an invoice before anything is written."""

import pytest
from sqlalchemy import func, select

from revhub.connectors.base import Change
from revhub.recon.invoice_checks import KIND, scan
from revhub.store import Customer, Invoice, OutboxMessage, SyncException
from revhub.sync.apply import apply_changes
from revhub.sync.context import context_for
from tests.orders.test_intake import po

pytestmark = pytest.mark.store


def xero_invoice_for_the_same_po(db, total=2205000, po_number="PO-4500012345"):
    """Finance keyed the PO's invoice into Xero by hand, before revhub got to it."""
    with db.session(write=True) as s:
        customer = s.scalar(select(Customer))
        apply_changes(s, context_for(s, "xero"), [Change("invoice", "xero-inv-1", "1", dict(
            number="INV-0099", po_number=po_number, customer_id=str(customer.id), currency="JPY",
            issue_date="2026-11-03", due_date="2026-12-18", subtotal_minor=total, tax_minor=0, total_minor=total,
            amount_paid_minor=0, amount_due_minor=total, status="open"))])


def test_approving_a_po_already_invoiced_by_hand_is_refused_and_writes_nothing(api, db, decider):
    created = api("post", "/api/purchase-orders", po()).json
    xero_invoice_for_the_same_po(db)
    with db.session() as s:
        messages_before = s.scalar(select(func.count()).select_from(OutboxMessage))
    refused = decider("post", f"/api/purchase-orders/{created['id']}/approve")
    assert refused.status_code == 409
    assert "looks like invoice INV-0099" in refused.json["error"]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Invoice)) == 1
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == messages_before


def test_a_scan_files_one_exception_for_an_invoice_above_what_is_left_on_its_po(api, db, decider):
    created = api("post", "/api/purchase-orders", po()).json
    assert decider("post", f"/api/purchase-orders/{created['id']}/approve").status_code == 200
    xero_invoice_for_the_same_po(db, total=100000)  # a second bill on a PO already invoiced in full
    with db.session(write=True) as s:
        assert scan(s) == 1
        scan(s)
    with db.session() as s:
        [row] = s.scalars(select(SyncException).where(SyncException.kind == KIND)).all()
    assert [f["code"] for f in row.payload["findings"]] == ["over_remaining"]


def test_the_same_bill_under_another_po_number_is_written_and_flagged_for_a_person(api, db, decider):
    first = api("post", "/api/purchase-orders", po()).json
    assert decider("post", f"/api/purchase-orders/{first['id']}/approve").status_code == 200
    second = api("post", "/api/purchase-orders", po(po_number="4500099999")).json
    assert decider("post", f"/api/purchase-orders/{second['id']}/approve").status_code == 200
    with db.session() as s:
        [row] = s.scalars(select(SyncException).where(SyncException.kind == KIND)).all()
    assert [f["code"] for f in row.payload["findings"]] == ["possible_duplicate"]
