"""The canonical store: schema from migrations, audit on every change, UTC timestamps."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError

from revhub.store import AuditEntry, Customer, Invoice, PurchaseOrder, PurchaseOrderLine
from revhub.store.audit import audit_context
from revhub.store.migrate import current_revision, head_revision

pytestmark = pytest.mark.store


def _customer(**overrides) -> Customer:
    values = dict(name="Acme Labs Inc.", email="ap@acmelabs.example", tax_id="US123456789",
                  default_currency="USD", default_payment_terms="NET30")
    values.update(overrides)
    return Customer(**values)


def _stored_customer(db) -> Customer:
    """A customer committed in a transaction of its own (audited as its creation)."""
    with db.session(write=True) as s:
        customer = _customer()
        s.add(customer)
    return customer


def _audit(session, record_id):
    return session.scalars(select(AuditEntry).where(AuditEntry.record_id == record_id)
                           .order_by(AuditEntry.id)).all()


def test_migrations_bring_an_empty_database_to_head(db):
    assert current_revision(db.engine) == head_revision()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(db):
    if db.dialect != "sqlite":
        pytest.skip("SQLite pragmas")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_creating_a_record_leaves_an_audit_entry_with_its_values(db):
    with db.session(write=True) as s, audit_context(s, actor="alice", source="console"):
        customer = _customer()
        s.add(customer)
    with db.session() as s:
        [entry] = _audit(s, customer.id)
    assert (entry.action, entry.actor, entry.source, entry.entity) == ("create", "alice", "console", "customer")
    assert entry.before is None
    assert entry.after["name"] == "Acme Labs Inc." and entry.after["email"] == "ap@acmelabs.example"


def test_updating_a_record_audits_before_and_after_of_changed_fields_only(db):
    customer = _stored_customer(db)
    with db.session(write=True) as s, audit_context(s, actor="sync", source="salesforce"):
        loaded = s.get(Customer, customer.id)
        loaded.name = "Acme Laboratories Inc."
    with db.session() as s:
        entries = _audit(s, customer.id)
        version = s.get(Customer, customer.id).version
    update = entries[-1]
    assert update.action == "update" and update.source == "salesforce"
    assert update.before == {"name": "Acme Labs Inc."}
    assert update.after == {"name": "Acme Laboratories Inc."}
    assert update.version == version == 2


def test_update_of_an_expired_record_still_knows_the_old_value(db):
    customer = _stored_customer(db)
    with db.sessions() as s, s.begin():
        loaded = s.get(Customer, customer.id)
        s.expire(loaded)
        loaded.email = "billing@acmelabs.example"
    with db.session() as s:
        assert _audit(s, customer.id)[-1].before == {"email": "ap@acmelabs.example"}


def test_each_flush_audits_only_what_changed_since_the_last_one(db):
    customer = _stored_customer(db)
    with db.session(write=True) as s, audit_context(s, actor="sync", source="xero"):
        loaded = s.get(Customer, customer.id)
        loaded.name = "Acme Laboratories Inc."
        s.flush()
        loaded.tax_id = "US987654321"
        loaded.email = "ap@acmelabs.example"  # the value it has: not a change
    with db.session() as s:
        first, second = _audit(s, customer.id)[1:]
    assert (first.before, first.after) == ({"name": "Acme Labs Inc."}, {"name": "Acme Laboratories Inc."})
    assert (second.before, second.after) == ({"tax_id": "US123456789"}, {"tax_id": "US987654321"})
    assert (first.version, second.version) == (2, 3)


def test_assigning_the_same_value_is_not_a_change(db):
    customer = _stored_customer(db)
    with db.session(write=True) as s:
        s.get(Customer, customer.id).name = "Acme Labs Inc."
    with db.session() as s:
        assert [e.action for e in _audit(s, customer.id)] == ["create"]
        assert s.get(Customer, customer.id).version == 1


def test_tombstoning_a_record_is_audited_as_a_delete(db):
    customer = _stored_customer(db)
    with db.session(write=True) as s:
        s.get(Customer, customer.id).deleted_at = datetime.now(UTC)
    with db.session() as s:
        assert _audit(s, customer.id)[-1].action == "delete"


def test_the_audit_log_refuses_updates_and_deletes(db):
    with db.session(write=True) as s:
        s.add(_customer())
    with pytest.raises(DBAPIError, match="append-only"):
        with db.session(write=True) as s:
            s.execute(text("UPDATE audit_log SET actor = 'mallory'"))
    with pytest.raises(DBAPIError, match="append-only"):
        with db.session(write=True) as s:
            s.execute(text("DELETE FROM audit_log"))


def test_timestamps_come_back_timezone_aware_utc(db):
    customer = _stored_customer(db)
    with db.session() as s:
        created = s.get(Customer, customer.id).created_at
    assert created.tzinfo is not None and created.utcoffset() == timedelta(0)


def test_naive_timestamps_are_refused(db):
    with pytest.raises(StatementError, match="naive datetime"):
        with db.session(write=True) as s:
            s.add(_customer(deleted_at=datetime(2026, 1, 1)))


def _po(customer: Customer, number: str, internal: int) -> PurchaseOrder:
    return PurchaseOrder(po_number=number, internal_number=internal,
                         customer_id=customer.id, issue_date=date(2026, 11, 2), currency="JPY",
                         total_minor=1_200_000, subscription_start=date(2026, 12, 1),
                         subscription_end=date(2027, 11, 30), payment_terms="NET30",
                         lines=[PurchaseOrderLine(position=1, description="Platform licence",
                                                  quantity=10, unit_amount_minor=120_000,
                                                  amount_minor=1_200_000)])


def test_a_po_number_is_unique_per_customer(db):
    with db.session(write=True) as s:
        customer = _customer()
        s.add(customer)
        s.flush()
        s.add(_po(customer, "PO-7781", 1))
    with pytest.raises(IntegrityError):
        with db.session(write=True) as s:
            s.add(_po(customer, "PO-7781", 2))


def test_po_lines_are_audited_with_the_po(db):
    with db.session(write=True) as s:
        customer = _customer()
        s.add(customer)
        s.flush()
        po = _po(customer, "PO-1", 1)
        s.add(po)
    with db.session() as s:
        entities = s.scalars(select(AuditEntry.entity).order_by(AuditEntry.id)).all()
    assert entities == ["customer", "purchase_order", "purchase_order_line"]


def test_invoice_status_outside_the_vocabulary_is_refused(db):
    with pytest.raises(IntegrityError):
        with db.session(write=True) as s:
            s.add(Invoice(number="INV-1", currency="USD", status="settled"))


def test_record_ids_are_version_7_uuids_in_time_order():
    import time

    from revhub.store.ids import new_id

    first = new_id()
    time.sleep(0.002)
    later = new_id()
    assert (first.version, first.variant) == (7, "specified in RFC 4122")
    assert first < later  # new rows land at the end of indexes keyed by id
