"""One exception per unplaced record: a record sync cannot place is filed once, however many
runs see it (the latest change held), and settling it settles that record exactly once."""

import uuid

import pytest
from sqlalchemy import func, select

from revhub.connectors.base import Change, Ref
from revhub.store import Customer, Link, SyncException
from revhub.sync.exception_queue import ExceptionQueueError, settle
from tests.sync.changes import apply, customer

pytestmark = pytest.mark.store


def two_customers_share(db, email="ap@dup.example"):
    with db.session(write=True) as s:
        s.add(Customer(name="Dup Holdings", email=email))
        s.add(Customer(name="Dup Holdings (EU)", email=email))


def open_rows(db):
    with db.session() as s:
        return s.scalars(select(SyncException).where(SyncException.status == "open")
                         .order_by(SyncException.id)).all()


def settle_now(db, exception_id, **kwargs):
    with db.session(write=True) as s:
        return settle(s, exception_id, actor="console:dana", **kwargs).status


def test_an_ambiguous_record_seen_by_three_runs_is_one_exception_holding_the_latest_change(connections):
    two_customers_share(connections)
    for version, name in (("1", "Dup GmbH"), ("2", "Dup GmbH & Co"), ("3", "Dup Holdings GmbH")):
        apply(connections, "xero", customer("x-77", version, name=name, email="ap@dup.example", tax_id=None))
    rows = open_rows(connections)
    assert len(rows) == 1
    held = rows[0].payload["change"]
    assert (held["remote_version"], held["record"]["name"]) == ("3", "Dup Holdings GmbH")
    assert rows[0].payload["record"]["name"] == "Dup Holdings GmbH"


def test_two_records_of_one_system_are_two_exceptions(connections):
    two_customers_share(connections)
    apply(connections, "xero", customer("x-77", "1", email="ap@dup.example", tax_id=None),
          customer("x-78", "1", email="ap@dup.example", tax_id=None))
    apply(connections, "xero", customer("x-77", "2", email="ap@dup.example", tax_id=None))
    assert sorted(r.external_id for r in open_rows(connections)) == ["x-77", "x-78"]


def test_a_payment_waiting_for_its_invoice_on_every_run_is_one_exception(connections):
    payment = Change("payment", "ch_9", "1", dict(
        amount_minor=50000, currency="EUR", status="succeeded", received_at="2026-11-20T14:30:00+00:00",
        allocations=[dict(invoice_id=Ref("invoice", "in_404"), amount_minor=50000)]))
    for _ in range(3):
        apply(connections, "stripe", payment)
    rows = open_rows(connections)
    assert [(r.kind, r.external_id) for r in rows] == [("waiting_for_reference", "ch_9")]


def file_duplicates(db):
    """Two open exceptions for one record, as the hub filed them before the fix."""
    two_customers_share(db)
    apply(db, "xero", customer("x-77", "1", name="Dup GmbH", email="ap@dup.example", tax_id=None))
    with db.session(write=True) as s:
        first = s.scalars(select(SyncException)).one()
        s.add(SyncException(kind=first.kind, entity=first.entity, system=first.system,
                            external_id=first.external_id, message=first.message, payload=first.payload,
                            candidates=first.candidates, status="open"))
    return [(r.id, [uuid.UUID(c) for c in r.candidates]) for r in open_rows(db)]


def test_settling_one_of_two_siblings_settles_the_record_and_closes_the_other(connections):
    (first, candidates), (second, _) = file_duplicates(connections)
    assert settle_now(connections, second, link_to=candidates[0]) == "resolved"
    with connections.session() as s:
        sibling = s.get(SyncException, first)
        assert (sibling.status, sibling.resolved_by) == ("resolved", "console:dana")
        assert s.scalar(select(func.count()).select_from(Link).where(Link.system == "xero")) == 1
    with pytest.raises(ExceptionQueueError, match="already resolved"):
        settle_now(connections, first, link_to=candidates[1])


def test_a_record_placed_since_its_exception_was_filed_is_refused_not_a_500_or_a_false_resolved(connections):
    (first, candidates), _ = file_duplicates(connections)
    with connections.session(write=True) as s:  # placed meanwhile (by another hand), siblings left open
        s.add(Link(entity="customer", canonical_id=candidates[1], system="xero", external_id="x-77",
                   remote_version="1", base_snapshot={}))
    for kwargs in ({"link_to": candidates[0]}, {"create": True}):
        with pytest.raises(ExceptionQueueError, match="already linked"):
            settle_now(connections, first, **kwargs)
    with connections.session() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 2
        assert s.get(SyncException, first).status == "open"
    assert settle_now(connections, first, dismiss=True) == "dismissed"


def test_a_new_run_folds_old_duplicates_into_one(connections):
    file_duplicates(connections)
    apply(connections, "xero", customer("x-77", "2", name="Dup GmbH & Co", email="ap@dup.example", tax_id=None))
    rows = open_rows(connections)
    assert len(rows) == 1 and rows[0].payload["change"]["remote_version"] == "2"
    with connections.session() as s:
        assert s.scalar(select(func.count()).select_from(SyncException)
                        .where(SyncException.status == "superseded")) == 1


def test_a_record_a_later_run_places_leaves_the_queue(connections):
    two_customers_share(connections)
    apply(connections, "xero", customer("x-77", "1", email="ap@dup.example", tax_id=None))
    [row] = open_rows(connections)
    with connections.session(write=True) as s:  # one candidate's e-mail corrected: the match is single now
        twin = s.get(Customer, uuid.UUID(row.candidates[1]))
        twin.email = "eu@dup.example"
    apply(connections, "xero", customer("x-77", "2", email="ap@dup.example", tax_id=None))
    assert open_rows(connections) == []
    with connections.session() as s:
        settled = s.get(SyncException, row.id)
        assert (settled.status, settled.resolved_by) == ("resolved", "sync")
        assert s.scalar(select(Link.canonical_id).where(Link.external_id == "x-77")) == uuid.UUID(row.candidates[0])
