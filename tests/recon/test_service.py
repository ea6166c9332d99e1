"""Reconciliation on the store: certain matches written through sync.apply and kept with their
evidence, reversible; the rest queued once per receipt."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from revhub.connectors.base import Change, Ref
from revhub.recon.service import EXCEPTION_KIND, ReconError, reverse, run
from revhub.store import AuditEntry, OutboxMessage, Payment, PaymentAllocation, ReconMatch, SyncException
from tests.recon.conftest import bank_receipt, xero_invoice
from tests.sync.changes import apply

pytestmark = pytest.mark.store


def recon(db):
    with db.session(write=True) as s:
        return run(s, actor="test").as_dict()


def test_a_payment_quoting_its_invoice_is_allocated_to_it_through_sync_apply(books):
    apply(books, "stripe", bank_receipt("py_1", 30000, "Payment for PO 4471"))
    assert recon(books) == {"receipts": 1, "matched": 1, "queued": 0}
    with books.session() as s:
        [allocation] = s.scalars(select(PaymentAllocation)).all()
        payment = s.scalar(select(Payment))
        audit = s.scalars(select(AuditEntry).where(AuditEntry.record_id == payment.id)
                          .order_by(AuditEntry.id)).all()[-1]
        [kept] = s.scalars(select(ReconMatch)).all()
    assert allocation.amount_minor == 30000
    assert (audit.source, audit.actor) == ("revhub", "test")
    assert (kept.rule, kept.evidence["numbers"], kept.status) == ("reference", ["4471"], "applied")


def test_a_match_is_announced_to_the_ledger_through_the_outbox(books):
    apply(books, "stripe", bank_receipt("py_1", 12000, "INV-0043"))
    with books.session() as s:
        before = s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.entity == "payment"))
    recon(books)
    with books.session() as s:
        after = s.scalars(select(OutboxMessage.target_system).where(OutboxMessage.entity == "payment")).all()
    assert len(after) > before
    assert "xero" in after


def test_a_second_run_leaves_a_matched_payment_alone(books):
    apply(books, "stripe", bank_receipt("py_1", 12000, "INV-0043"))
    recon(books)
    assert recon(books) == {"receipts": 0, "matched": 0, "queued": 0}


def test_a_receipt_below_certainty_is_one_open_exception_however_often_the_engine_runs(books):
    apply(books, "stripe", bank_receipt("py_1", 11000, None))
    recon(books)
    recon(books)
    with books.session() as s:
        rows = s.scalars(select(SyncException).where(SyncException.kind == EXCEPTION_KIND)).all()
    assert len(rows) == 1
    assert rows[0].status == "open"
    assert rows[0].payload["amount_minor"] == 11000


def test_the_exception_closes_when_a_later_run_can_place_the_receipt(books):
    apply(books, "stripe", bank_receipt("py_1", 12000, None), bank_receipt("py_2", 12000, None))
    apply(books, "xero", xero_invoice("inv-c", "INV-0044", 12000))
    recon(books)  # two invoices and two payments of 12,000: nothing is guessed
    with books.session(write=True) as s:
        assert s.scalar(select(func.count()).select_from(SyncException).where(SyncException.status == "open")) == 2
    apply(books, "stripe", Change("payment", "py_1", "2", dict(
        amount_minor=12000, currency="EUR", fee_minor=0, net_minor=12000, status="succeeded",
        received_at="2026-11-20T14:30:00+00:00", customer_id=Ref("customer", "cus_1"), reference="INV-0044")))
    recon(books)
    with books.session() as s:
        statuses = sorted(s.scalars(select(SyncException.status)).all())
    assert statuses == ["open", "resolved"]


def test_reversing_a_match_frees_the_payment_and_keeps_the_record_of_it(books):
    apply(books, "stripe", bank_receipt("py_1", 12000, "INV-0043"))
    recon(books)
    with books.session(write=True) as s:
        match_id = s.scalar(select(ReconMatch.id))
        reverse(s, match_id, actor="console:ann")
    with books.session() as s:
        assert s.scalar(select(func.count()).select_from(PaymentAllocation)) == 0
        kept = s.get(ReconMatch, match_id)
    assert (kept.status, kept.reversed_by) == ("reversed", "console:ann")


def test_a_match_cannot_be_reversed_twice(books):
    apply(books, "stripe", bank_receipt("py_1", 12000, "INV-0043"))
    recon(books)
    with books.session(write=True) as s:
        match_id = s.scalar(select(ReconMatch.id))
        reverse(s, match_id, actor="console:ann")
    with books.session(write=True) as s, pytest.raises(ReconError, match="already reversed"):
        reverse(s, match_id, actor="console:ann")
