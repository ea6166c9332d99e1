"""sync.apply and the echo of revhub's own writes: a copy carrying its revhub id links to that
record directly, and while revhub's first write of it is unfinished, changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from revhub.connectors.base import Change, Ref
from revhub.store import Invoice, Link, OutboxMessage
from revhub.sync.apply import apply_changes
from revhub.sync.context import revhub_context
from tests.sync.changes import apply, customer

pytestmark = pytest.mark.store

LINE = dict(description="Platform licence", quantity=3, unit_amount_minor=12025, amount_minor=36075)


@pytest.fixture
def ours(connections):
    """An invoice revhub raised (its writes to Stripe, Xero and Salesforce queued); its id."""
    apply(connections, "stripe", customer("cus_1", "0001"))
    with connections.session(write=True) as s:
        customer_id = s.scalar(select(Link.canonical_id).where(Link.external_id == "cus_1"))
        apply_changes(s, revhub_context(s, "test"), [Change("invoice", "po/1", "1", dict(
            number="RH-000001", po_number="4500070001", customer_id=str(customer_id), currency="EUR",
            issue_date="2026-11-27", due_date="2026-12-27", subtotal_minor=36075, tax_minor=0, total_minor=36075,
            amount_paid_minor=0, amount_due_minor=36075, status="open", lines=[LINE]))])
        return s.scalar(select(Invoice.id))


def stripe_copy(invoice_id, status: str, lines: list, total: int, number: str = "RH-000001",
                version: str = "0000000002.00.0000000000000000") -> Change:
    return Change("invoice", "in_9", version, dict(
        number=number, po_number="4500070001", customer_id=Ref("customer", "cus_1"), currency="EUR",
        issue_date="2026-11-27", due_date="2026-12-27", subtotal_minor=total, tax_minor=0, total_minor=total,
        amount_paid_minor=0, amount_due_minor=total, status=status, lines=lines), origin=str(invoice_id))


def state(db, invoice_id) -> tuple:
    with db.session() as s:
        invoice = s.get(Invoice, invoice_id)
        return (invoice.version, invoice.status, invoice.total_minor, len(invoice.lines))


def outbox_count(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(OutboxMessage))


def first_write_done(db) -> None:
    with db.session(write=True) as s:
        s.execute(update(OutboxMessage).values(status="sent"))


def test_the_empty_draft_of_an_invoice_revhub_is_still_writing_is_linked_and_changes_nothing(connections, ours):
    before, messages = state(connections, ours), outbox_count(connections)

    result = apply(connections, "stripe", stripe_copy(ours, "draft", [], 0))

    assert (result.unchanged, result.updated, result.created) == (1, 0, 0)
    assert state(connections, ours) == before and outbox_count(connections) == messages
    with connections.session() as s:
        link = s.scalar(select(Link).where(Link.system == "stripe", Link.external_id == "in_9"))
        assert (link.canonical_id, link.base_snapshot) == (ours, {})


def test_while_the_first_write_is_unfinished_even_a_finalized_copy_changes_nothing(connections, ours):
    before = state(connections, ours)

    apply(connections, "stripe", stripe_copy(ours, "open", [], 0))

    assert state(connections, ours) == before


def test_a_draft_copy_of_an_invoice_past_draft_changes_nothing_after_the_write_was_given_up(connections, ours):
    first_write_done(connections)  # sent, or dead and retried no more: nothing in flight
    before = state(connections, ours)

    apply(connections, "stripe", stripe_copy(ours, "draft", [], 0))

    assert state(connections, ours) == before


def test_once_revhub_has_written_it_the_copy_is_the_systems_word_and_is_merged(connections, ours):
    first_write_done(connections)

    apply(connections, "stripe", stripe_copy(ours, "open", [LINE, LINE], 72150))

    assert state(connections, ours)[1:] == ("open", 72150, 2)


def test_a_copy_carrying_a_revhub_id_links_to_that_record_whatever_its_number(connections, ours):
    first_write_done(connections)

    result = apply(connections, "stripe", stripe_copy(ours, "open", [LINE], 36075, number="RH-000001-A"))

    assert (result.created, result.updated) == (0, 1)
    with connections.session() as s:
        assert s.scalar(select(Invoice.number).where(Invoice.id == ours)) == "RH-000001-A"
