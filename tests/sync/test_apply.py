"""sync.apply: links, first-contact matching, three-way merge, stale input, audit, outbox."""

import pytest
from sqlalchemy import func, select

from revhub.connectors.base import Change, Ref
from revhub.store import (
    AuditEntry,
    Conflict,
    Customer,
    Invoice,
    InvoiceLine,
    Link,
    OutboxMessage,
    SyncException,
)
from revhub.sync.apply import apply_changes
from revhub.sync.context import context_for
from tests.sync.changes import apply, customer, payment_of, stripe_invoice

pytestmark = pytest.mark.store


def count(db, model, *where):
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_a_new_record_is_created_linked_audited_and_announced_to_the_other_systems(connections):
    result = apply(connections, "stripe", customer("cus_1", "0001"))
    assert result.created == 1
    with connections.session() as s:
        [row] = s.scalars(select(Customer)).all()
        [link] = s.scalars(select(Link)).all()
        [audit] = s.scalars(select(AuditEntry)).all()
        targets = sorted(s.scalars(select(OutboxMessage.target_system)))
    assert (row.name, row.email, row.version) == ("Acme Labs Inc.", "ap@acmelabs.example", 1)
    assert (link.system, link.external_id, link.remote_version) == ("stripe", "cus_1", "0001")
    assert (audit.action, audit.source, audit.after["email"]) == ("create", "stripe", "ap@acmelabs.example")
    # Salesforce hears of every customer change; its pusher skips a customer it has no Account for.
    assert targets == ["salesforce", "xero"]
    assert row.field_sources["name"]["system"] == "stripe"


def test_a_redelivery_of_the_same_version_changes_nothing(connections):
    apply(connections, "stripe", customer("cus_1", "0001"))
    result = apply(connections, "stripe", customer("cus_1", "0001"))
    assert (result.unchanged, result.updated) == (1, 0)
    assert count(connections, AuditEntry) == 1


def test_two_changes_within_one_timestamp_tick_are_both_applied(connections):
    apply(connections, "stripe", customer("cus_1", "0001"))
    result = apply(connections, "stripe", customer("cus_1", "0001", name="Acme Labs (EU)"))
    assert result.updated == 1


def test_an_older_version_is_stale_and_ignored(connections):
    apply(connections, "stripe", customer("cus_1", "0005"))
    result = apply(connections, "stripe", customer("cus_1", "0003", name="Old name"))
    assert result.stale == 1
    with connections.session() as s:
        assert s.scalar(select(Customer.name)) == "Acme Labs Inc."


def test_first_contact_matches_on_email_case_insensitively(connections):
    apply(connections, "salesforce", customer("001A", "2026-11-01T00:00:00Z"))
    result = apply(connections, "xero", customer("c-9", "2026-11-02T00:00:00Z",
                                                 email="AP@AcmeLabs.example", name="Acme Labs"))
    assert result.created == 0
    assert count(connections, Customer) == 1
    assert count(connections, Link) == 2


def test_a_payment_quoted_by_its_processor_id_in_the_books_is_the_processor_payment(connections):
    apply(connections, "stripe", customer("cus_1", "1"))
    paid = dict(amount_minor=50000, currency="EUR", reference="pi_3QxA1b", status="succeeded",
                received_at="2026-11-20T14:30:00+00:00", customer_id=Ref("customer", "cus_1"))
    apply(connections, "stripe", Change("payment", "ch_1", "1", dict(paid, fee_minor=1480, net_minor=48520)))
    result = apply(connections, "xero", Change("payment", "8a1f-pay", "1", dict(paid, customer_id=None)))
    assert result.created == 0
    with connections.session() as s:
        systems = sorted(s.scalars(select(Link.system).where(Link.entity == "payment")))
    assert systems == ["stripe", "xero"]


def test_two_candidates_make_an_exception_not_a_guess(connections):
    apply(connections, "salesforce", customer("001A", "1", email="ap@a.example", tax_id="T1"),
          customer("001B", "1", email="ap@b.example", tax_id="T2"))
    result = apply(connections, "stripe", customer("cus_x", "1", email=None, tax_id=None))
    assert result.created == 1  # no key to match on: a new record
    result = apply(connections, "xero", customer("x1", "1", email="ap@a.example", tax_id="T2"))
    assert result.exceptions == 0  # email is tried first and is unique
    with connections.session() as s:
        s.add(Customer(name="Dup", email="ap@c.example"))
        s.add(Customer(name="Dup 2", email="ap@c.example"))
    result = apply(connections, "xero", customer("x2", "1", email="ap@c.example", tax_id=None))
    assert (result.exceptions, result.created) == (1, 0)
    with connections.session() as s:
        [exc] = s.scalars(select(SyncException)).all()
    assert exc.kind == "ambiguous_match" and len(exc.candidates) == 2 and exc.external_id == "x2"


def test_a_field_only_the_source_changed_is_applied_and_audited(connections):
    apply(connections, "xero", customer("c-1", "1"))
    apply(connections, "xero", customer("c-1", "2", email="billing@acmelabs.example"))
    with connections.session() as s:
        row = s.scalars(select(Customer)).one()
        audit = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (row.email, row.version) == ("billing@acmelabs.example", 2)
    assert (audit.before, audit.after) == ({"email": "ap@acmelabs.example"},
                                           {"email": "billing@acmelabs.example"})


def test_the_same_field_changed_in_two_systems_is_one_open_conflict_with_base_and_both_values(connections):
    apply(connections, "salesforce", customer("001A", "1"))
    apply(connections, "xero", customer("c-1", "1"))
    apply(connections, "salesforce", customer("001A", "2", email="finance@acmelabs.example"))
    result = apply(connections, "xero", customer("c-1", "2", email="payables@acmelabs.example"))
    assert result.conflicts == 1
    with connections.session() as s:
        [conflict] = s.scalars(select(Conflict)).all()
        email = s.scalar(select(Customer.email))
    assert conflict.status == "open" and conflict.field == "email"
    assert conflict.base_value == "ap@acmelabs.example"
    assert (conflict.current_system, conflict.current_value) == ("salesforce", "finance@acmelabs.example")
    assert (conflict.incoming_system, conflict.incoming_value) == ("xero", "payables@acmelabs.example")
    assert email == "finance@acmelabs.example"  # kept until an admin decides


def test_a_field_with_an_owner_is_settled_automatically_and_audited(connections):
    apply(connections, "salesforce", customer("001A", "1"))
    apply(connections, "xero", customer("c-1", "1"))
    apply(connections, "xero", customer("c-1", "2", name="ACME LABS"))
    result = apply(connections, "salesforce", customer("001A", "2", name="Acme Laboratories Inc."))
    assert result.conflicts == 1 and result.updated == 1
    with connections.session() as s:
        conflict = s.scalars(select(Conflict)).one()
        name = s.scalar(select(Customer.name))
        audit = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert conflict.status == "auto" and "salesforce owns customer.name" in conflict.resolution
    assert name == "Acme Laboratories Inc."
    assert audit.after == {"name": "Acme Laboratories Inc."} and audit.source == "salesforce"


def test_a_delete_is_a_tombstone_with_an_audit_entry(connections):
    apply(connections, "stripe", customer("cus_1", "1"))
    result = apply(connections, "stripe", Change("customer", "cus_1", "2", {}, deleted=True))
    assert result.deleted == 1
    with connections.session() as s:
        row = s.scalars(select(Customer)).one()
        actions = s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert row.deleted_at is not None
    assert actions == ["create", "delete"]


def test_references_and_lines_are_resolved_through_links(connections):
    apply(connections, "stripe", customer("cus_1", "1"))
    invoice = Change("invoice", "in_1", "1", dict(
        number="INV-1001", po_number="PO-77", customer_id=Ref("customer", "cus_1"), currency="JPY",
        issue_date="2026-11-02", due_date="2026-12-02", subtotal_minor=120000, tax_minor=0,
        total_minor=120000, amount_paid_minor=0, amount_due_minor=120000, status="open",
        lines=[dict(description="Platform licence", quantity=10, unit_amount_minor=12000,
                    amount_minor=120000, product_id=None)]))
    assert apply(connections, "stripe", invoice).created == 1
    with connections.session() as s:
        row = s.scalars(select(Invoice)).one()
        line = s.scalars(select(InvoiceLine)).one()
        customer_id = s.scalar(select(Customer.id))
    assert row.customer_id == customer_id and str(row.due_date) == "2026-12-02"
    assert (line.position, line.quantity, line.amount_minor) == (1, 10, 120000)


def test_a_record_repeated_in_one_page_is_applied_in_order(connections):
    result = apply(connections, "stripe", customer("cus_1", "1"), customer("cus_1", "2", name="Renamed"))
    assert (result.created, result.updated) == (1, 1)
    with connections.session() as s:
        assert s.scalar(select(Customer.name)) == "Renamed"
        assert s.scalar(select(Link.remote_version)) == "2"


def test_timestamps_arrive_as_iso_strings_and_are_stored_as_utc(connections):
    payment = Change("payment", "ch_1", "1", dict(amount_minor=5000, currency="EUR", fee_minor=175, net_minor=4825,
                                                  received_at="2026-11-20T15:04:05+01:00", status="succeeded"))
    apply(connections, "stripe", payment)
    with connections.session() as s:
        from revhub.store import Payment

        received = s.scalar(select(Payment.received_at))
    assert received.isoformat() == "2026-11-20T14:04:05+00:00"


def test_a_payment_for_an_invoice_not_here_yet_waits_as_an_exception_instead_of_half_stored(connections):
    from revhub.store import Payment

    apply(connections, "stripe", customer("cus_1", "1"))
    result = apply(connections, "stripe", payment_of("in_1"))
    assert (result.created, result.exceptions) == (0, 1)
    with connections.session() as s:
        [parked] = s.scalars(select(SyncException)).all()
        assert s.scalar(select(func.count()).select_from(Payment)) == 0
    assert parked.kind == "waiting_for_reference" and "invoice in_1" in parked.message


def test_the_next_run_applies_a_parked_payment_once_its_invoice_has_arrived(connections):
    from revhub.store import PaymentAllocation
    from revhub.sync.parking import take_ready

    apply(connections, "stripe", customer("cus_1", "1"))
    apply(connections, "stripe", payment_of("in_1"))
    with connections.session(write=True) as s:
        assert take_ready(s, context_for(s, "stripe"), "payment") == []  # still waiting
    apply(connections, "stripe", stripe_invoice("in_1"))
    with connections.session(write=True) as s:
        ctx = context_for(s, "stripe")
        result = apply_changes(s, ctx, take_ready(s, ctx, "payment"))
    assert result.created == 1
    with connections.session() as s:
        allocation = s.scalars(select(PaymentAllocation)).one()
        invoice_id = s.scalar(select(Invoice.id))
        status = s.scalar(select(SyncException.status))
    assert allocation.invoice_id == invoice_id and status == "resolved"
