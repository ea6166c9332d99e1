"""Notices a ledger write raises land in the exception queue once per record and kind."""

import uuid

import pytest
from sqlalchemy import select

from revhub.store import SyncException
from revhub.sync.exception_queue import ExceptionQueueError, record_notices, settle

pytestmark = pytest.mark.store

NOTICE = {"kind": "unapplied_cash", "message": "Payment pi_1 of 42.00 EUR pays no invoice", "payload": {}}


def test_a_notice_opens_one_exception_naming_the_record(db):
    record_id = uuid.uuid4()
    with db.session(write=True) as s:
        assert record_notices(s, "xero", "payment", [(record_id, [NOTICE], False)]) == 1
    with db.session() as s:
        [row] = s.scalars(select(SyncException)).all()
    assert (row.kind, row.entity, row.system, row.external_id, row.status) == \
        ("unapplied_cash", "payment", "xero", str(record_id), "open")


def test_a_retried_write_raising_the_same_notice_queues_no_second_exception(db):
    record_id = uuid.uuid4()
    for _ in range(2):
        with db.session(write=True) as s:
            record_notices(s, "xero", "payment", [(record_id, [NOTICE], False)])
    with db.session() as s:
        assert len(s.scalars(select(SyncException)).all()) == 1


def test_an_unapplied_cash_exception_can_be_dismissed_but_not_linked(db):
    with db.session(write=True) as s:
        record_notices(s, "xero", "payment", [(uuid.uuid4(), [NOTICE], False)])
    with db.session(write=True) as s:
        exception_id = s.scalar(select(SyncException.id))
        with pytest.raises(ExceptionQueueError, match="book or return the money"):
            settle(s, exception_id, actor="dana", link_to=uuid.uuid4())
        assert settle(s, exception_id, actor="dana", dismiss=True).status == "dismissed"


def test_a_payment_written_once_its_invoice_arrives_closes_its_unapplied_cash_exception(db):
    record_id = uuid.uuid4()
    with db.session(write=True) as s:
        record_notices(s, "xero", "payment", [(record_id, [NOTICE], False)])
    with db.session(write=True) as s:
        record_notices(s, "xero", "payment", [(record_id, [], True)])
    with db.session() as s:
        [row] = s.scalars(select(SyncException)).all()
    assert (row.status, row.resolved_by) == ("resolved", "outbox")
