"""sync.writes sends rows to the driver itself: what it stores must be what SQLAlchemy's own
executemany stores (the same type processing), in the session's transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, insert, select, update

from revhub.store import AuditEntry, Customer, Link, OutboxMessage
from revhub.store.ids import new_id
from revhub.sync.writes import insert_rows, update_rows

pytestmark = pytest.mark.store

AMSTERDAM = timezone(timedelta(hours=1))


def _customers(n: int, tag: str) -> list[dict]:
    at = datetime(2026, 11, 2, 10, 0, 0, 123456, tzinfo=AMSTERDAM)  # stored as UTC
    return [dict(id=new_id(), version=1, created_at=at, updated_at=at + timedelta(seconds=i), deleted_at=None,
                 name=f"{tag} Acme {i} ☃", email=None if i % 2 else f"ap{i}@example.com", dunning_paused=bool(i % 2),
                 credit_limit_minor=None if i % 3 else 10**12 + i,
                 field_sources={"name": {"system": "stripe", "at": "2026-11-02T10:00:00+00:00"}, "n": [i, None]})
            for i in range(5)]


def _stored(s, model, ids) -> list[dict]:
    table = model.__table__
    rows = s.execute(select(table).where(table.c.id.in_(ids)).order_by(table.c.updated_at)).mappings()
    return [{k: v for k, v in row.items() if k not in ("id", "name")} for row in rows]


def test_inserted_and_updated_rows_read_back_as_sqlalchemys_own(db):
    ours, theirs = _customers(5, "ours"), _customers(5, "theirs")
    table = Customer.__table__
    with db.session() as s:
        insert_rows(s, table, ours)
        s.execute(insert(table), theirs)
    with db.session() as s:
        assert _stored(s, Customer, [r["id"] for r in ours]) == _stored(s, Customer, [r["id"] for r in theirs])
        assert s.scalar(select(Customer.name).where(Customer.id == ours[0]["id"])) == "ours Acme 0 ☃"
        assert s.get(Customer, ours[1]["id"]).created_at == datetime(2026, 11, 2, 9, 0, 0, 123456, tzinfo=UTC)

    later = datetime(2026, 11, 3, tzinfo=UTC)
    changed = [{**row, "version": 2, "email": "new@example.com", "updated_at": later + timedelta(seconds=i),
                "field_sources": {"email": {"system": "xero"}}} for i, row in enumerate(ours)]
    with db.session() as s:
        update_rows(s, table, changed)
        s.execute(update(table).where(table.c.id == bindparam("_id")).values(
            {c: bindparam(c) for c in changed[0] if c != "id"}),
            [{**row, "id": other["id"], "_id": other["id"]} for row, other in zip(changed, theirs, strict=True)])
    with db.session() as s:
        mine = _stored(s, Customer, [r["id"] for r in ours])
        assert mine == _stored(s, Customer, [r["id"] for r in theirs])
        assert [r["version"] for r in mine] == [2] * 5
        assert mine[0]["field_sources"] == {"email": {"system": "xero"}}


def test_absent_columns_take_their_python_defaults_as_through_sqlalchemy(db):
    record = new_id()
    base = dict(entity="customer", canonical_id=record, system="stripe", remote_version="1")
    with db.session() as s:
        insert_rows(s, Link.__table__, [{**base, "external_id": "cus_ours"}])  # no snapshot, no time
        s.execute(insert(Link.__table__), [{**base, "external_id": "cus_theirs", "entity": "invoice"}])
        insert_rows(s, OutboxMessage.__table__, [dict(target_system="xero", entity="customer", record_id=record,
                                                      record_version=1, operation="upsert",
                                                      idempotency_key=f"k{i}") for i in range(3)])
    with db.session() as s:
        ours, theirs = s.scalars(select(Link).order_by(Link.external_id)).all()
        assert ours.base_snapshot == theirs.base_snapshot == {}
        assert ours.last_synced_at.tzinfo is not None and ours.last_synced_at <= datetime.now(UTC)
        messages = s.scalars(select(OutboxMessage)).all()
        assert [(m.status, m.attempts, m.payload) for m in messages] == [("pending", 0, {})] * 3


def test_rows_are_written_in_the_sessions_transaction(db):
    rows = [dict(at=datetime.now(UTC), actor="sync", source="stripe", entity="customer", record_id=new_id(),
                 action="create", version=1, before=None, after={"a": 1})]
    with pytest.raises(RuntimeError), db.session() as s:
        insert_rows(s, AuditEntry.__table__, rows)
        assert s.scalar(select(AuditEntry.after)) == {"a": 1}  # visible inside the transaction
        raise RuntimeError("rolled back")
    with db.session() as s:
        assert s.scalar(select(AuditEntry.id)) is None


def test_a_row_without_a_key_of_the_first_is_refused(db):
    rows = _customers(2, "x")
    del rows[1]["email"]
    with pytest.raises(ValueError, match="email"), db.session() as s:
        insert_rows(s, Customer.__table__, rows)


def test_naive_datetimes_are_refused_as_before(db):
    rows = _customers(1, "x")
    rows[0]["created_at"] = datetime(2026, 11, 2)
    with pytest.raises(Exception, match="naive datetime"), db.session() as s:
        insert_rows(s, Customer.__table__, rows)
