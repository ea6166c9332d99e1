"""Reminders hold while a dispute on the invoice's payment is undecided, and resume when it is
won; a paid invoice whose payment was lost in a dispute is named, not re-opened."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from revhub.dunning import payment_failed
from revhub.dunning.planner import plan
from tests.dunning.books import DUE, customer, dispute, invoice, payment, payment_failed_event

pytestmark = pytest.mark.store


@pytest.fixture
def books(connections):
    customer(connections)
    invoice(connections, total=200000, paid=123450)  # partly paid: a balance is still due
    payment(connections)
    return connections


def planned(db, day, **kw):
    with db.session() as s:
        return [(p.step, p.action, p.reason) for p in plan(s, day, **kw)]


def test_an_open_dispute_holds_the_reminder_and_a_won_one_resumes_it(books):
    assert planned(books, DUE + timedelta(days=7))[0][1] == "send"
    dispute(books)
    [(step, action, reason)] = planned(books, DUE + timedelta(days=7))
    assert (step, action) == ("d+7", "hold")
    assert reason == ("a dispute is open on its payment (du_1, EUR 1,234.50, product_not_received, evidence due "
                      "2026-12-20): no reminder until it is decided")
    dispute(books, status="under_review", version="2")
    assert "a dispute is under review" in planned(books, DUE + timedelta(days=7))[0][2]
    dispute(books, status="won", version="3")
    assert planned(books, DUE + timedelta(days=7))[0][1] == "send"


def test_the_failed_card_mail_holds_too(books):
    dispute(books)
    payment_failed_event(books, attempt=2)
    with books.session() as s:
        [entry] = payment_failed.plan(s, datetime.now(UTC))
    assert entry.action == "hold" and entry.reason.startswith("a dispute is open on its payment (du_1")


def test_a_lost_dispute_on_a_paid_invoice_is_named_not_reopened(connections):
    customer(connections)
    invoice(connections, paid=123450, status="paid")
    payment(connections)
    assert planned(connections, DUE + timedelta(days=7)) == []  # paid: nothing to chase
    dispute(connections, status="lost", version="2")
    [(_, action, reason)] = planned(connections, DUE + timedelta(days=7))
    assert action == "hold" and reason.startswith("paid, but the payment was lost in a dispute (du_1 EUR 1,234.50)")
