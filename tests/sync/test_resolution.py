"""An admin settles a conflict field by field: the choice becomes the record's value,
audited, and is sent to every system that holds the record."""

import pytest
from sqlalchemy import select

from revhub.store import AuditEntry, Conflict, Customer, OutboxMessage
from revhub.sync.resolution import ResolutionError, resolve_conflict

pytestmark = pytest.mark.store


def resolve(db, conflict_id, choice, **kwargs):
    with db.session(write=True) as s:
        return resolve_conflict(s, conflict_id, choice, actor="console:dana", **kwargs).resolution


def outbox_since(db, last_id):
    with db.session() as s:
        return s.scalars(select(OutboxMessage).where(OutboxMessage.id > last_id)).all()


def last_outbox_id(db):
    with db.session() as s:
        return s.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc())) or 0


def test_taking_the_incoming_value_changes_the_record_audited_under_the_admins_name(connections, conflict_id):
    before = last_outbox_id(connections)
    resolve(connections, conflict_id, "incoming")
    with connections.session() as s:
        row = s.scalars(select(Customer)).one()
        audit = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        conflict = s.get(Conflict, conflict_id)
    assert row.email == "payables@acmelabs.example"
    assert (audit.actor, audit.before, audit.after) == (
        "console:dana", {"email": "finance@acmelabs.example"}, {"email": "payables@acmelabs.example"})
    assert (conflict.status, conflict.resolved_by) == ("resolved", "console:dana")
    # Every system that holds customers hears of it, the CRM included (issue 10, defect 11).
    assert sorted(m.target_system for m in outbox_since(connections, before)) == ["salesforce", "stripe", "xero"]


def test_keeping_the_current_value_still_tells_the_system_that_disagreed(connections, conflict_id):
    before = last_outbox_id(connections)
    resolve(connections, conflict_id, "current")
    with connections.session() as s:
        assert s.scalar(select(Customer.email)) == "finance@acmelabs.example"
    assert sorted((m.target_system, m.entity) for m in outbox_since(connections, before)) == [
        ("salesforce", "customer"), ("stripe", "customer"), ("xero", "customer")]


def test_a_value_of_the_admins_own_is_applied(connections, conflict_id):
    resolve(connections, conflict_id, "value", value="ap-team@acmelabs.example")
    with connections.session() as s:
        assert s.scalar(select(Customer.email)) == "ap-team@acmelabs.example"


def test_a_second_resolution_of_the_same_conflict_is_refused(connections, conflict_id):
    resolve(connections, conflict_id, "incoming")
    with pytest.raises(ResolutionError, match="already resolved"):
        resolve(connections, conflict_id, "current")


def test_an_unknown_choice_is_refused_naming_the_choices(connections, conflict_id):
    with pytest.raises(ResolutionError, match="current, incoming, base, value"):
        resolve(connections, conflict_id, "newest")
