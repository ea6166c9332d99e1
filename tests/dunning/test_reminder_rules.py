"""Every reminder rule: the schedule's steps, the holds (paid, payment in flight, paused, voided),
partial payments, the failed-card message in step with Stripe's retries, and the mail itself."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from revhub.dunning import payment_failed, schedule
from revhub.dunning.pauses import set_paused
from revhub.dunning.planner import plan
from revhub.dunning.sender import send_due
from revhub.mail import send
from revhub.store import AuditEntry, Customer, Reminder
from tests.dunning.books import DUE, customer, invoice, payment, payment_failed_event

pytestmark = pytest.mark.store


@pytest.fixture
def books(connections):
    customer(connections)
    invoice(connections)
    return connections


def planned(db, day: date, **kw):
    with db.session() as s:
        return [(p.step, p.action, p.reason) for p in plan(s, day, **kw)]


@pytest.mark.parametrize(("day", "step", "tone"), [
    (DUE - timedelta(days=3), "d-3", "friendly"), (DUE, "d+0", "due"), (DUE + timedelta(days=7), "d+7", "reminder"),
    (DUE + timedelta(days=20), "d+14", "reminder"), (DUE + timedelta(days=30), "d+30", "escalation"),
    (DUE + timedelta(days=45), "d+45", "final")])
def test_the_default_schedule_picks_the_latest_step_that_has_come(books, day, step, tone):
    with books.session() as s:
        [item] = plan(s, day)
    assert (item.step, item.tone, item.action) == (step, tone, "send")


def test_nothing_before_the_first_step(books):
    assert planned(books, DUE - timedelta(days=4)) == []


def test_the_schedule_is_editable_per_payment_term(books):
    with books.session(write=True) as s:
        schedule.set_step(s, "NET30", 3, "reminder")
        schedule.remove_step(s, "NET30", 7)
    assert planned(books, DUE + timedelta(days=8))[0][0] == "d+3"
    with books.session(write=True) as s, pytest.raises(schedule.ScheduleError, match="^tone:"):
        schedule.set_step(s, "NET30", 5, "angry")


@pytest.mark.parametrize(("setup", "reason"), [
    (lambda db: invoice(db, paid=123450, status="paid", version="2"), "the invoice is paid"),
    (lambda db: invoice(db, status="void", version="2"), "the invoice is voided"),
    (lambda db: payment(db, status="pending"), "a payment is in flight"),
])
def test_held_back_with_the_reason(books, setup, reason):
    setup(books)
    assert planned(books, DUE + timedelta(days=7), everything=True) == [("d+7", "hold", reason)]


def test_a_paused_customer_is_not_reminded_until_resumed(books):
    with books.session(write=True) as s:
        set_paused(s, "AP@acmelabs.example", paused=True, actor="console:dana")
    assert planned(books, DUE) == [("d+0", "hold", "reminders are paused for this customer")]
    with books.session() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.entity == "customer", AuditEntry.action == "update")
                         .order_by(AuditEntry.id.desc()))
        assert (entry.actor, entry.after) == ("console:dana", {"dunning_paused": True})
    with books.session(write=True) as s:
        set_paused(s, "ap@acmelabs.example", paused=False, actor="console:dana")
    assert planned(books, DUE)[0][1] == "send"


def test_a_partial_payment_reminds_only_of_the_balance(books, smtp_server):
    invoice(books, paid=23450, version="2")
    send_due(books, send, today=DUE + timedelta(days=7))
    [mail] = smtp_server.received()
    body = mail.body_text()
    assert "EUR 1,000.00 outstanding" in body and "1,234.50" not in body


def test_the_mail_is_personalised_and_the_timeline_says_it_was_sent(books, smtp_server):
    report = send_due(books, send, today=DUE + timedelta(days=7))
    [mail] = smtp_server.received()
    assert mail.rcpt_tos == ("ap@acmelabs.example",)
    assert mail.subject == "Reminder: invoice RH-000001 is overdue"
    assert mail.message["Content-Language"] == "en"
    body = mail.body_text()
    for part in ("Dear Acme Labs B.V.", "RH-000001", "your PO 4500012345", "EUR 1,234.50", "1 December 2026",
                 "https://invoice.stripe.com/i/acct_sandbox/test_in_1"):
        assert part in body
    with books.session() as s:
        reminder = s.scalar(select(Reminder))
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "reminder"))
    assert report.sent == [reminder.key] and reminder.status == "sent"
    assert (entry.entity, entry.record_id, entry.after["step"]) == ("invoice", reminder.invoice_id, "d+7")
    again = send_due(books, send, today=DUE + timedelta(days=8))
    assert again.sent == [] and len(smtp_server.received()) == 1


def test_dutch_customers_get_dutch_mail_with_dutch_amounts(books, smtp_server):
    with books.session(write=True) as s:
        s.scalar(select(Customer)).language = "nl"
    send_due(books, send, today=DUE + timedelta(days=7))
    [mail] = smtp_server.received()
    assert mail.subject == "Herinnering: factuur RH-000001 is vervallen"
    assert mail.message["Content-Language"] == "nl" and "Beste Acme Labs B.V." in mail.body_text()
    assert "EUR 1.234,50" in mail.body_text() and "1 december 2026" in mail.body_text()


def test_dutch_template_and_amounts():
    from revhub.dunning.messages import ReminderFacts, compose

    facts = ReminderFacts("Acme Labs B.V.", "ap@acme.test", "RH-1", None, 123450, "EUR", DUE, None, "nl")
    message = compose(facts, "final")
    assert message["Subject"] == "Laatste aanmaning: factuur RH-1"
    assert "EUR 1.234,50" in message.get_content() and "per overschrijving" in message.get_content()
    yen = compose(ReminderFacts("K.K.", "a@b.test", "RH-2", "PO-9", 2205000, "JPY", DUE, None), "due")
    assert "JPY 2,205,000" in yen.get_content()


def test_an_smtp_refusal_marks_it_failed_and_the_next_run_retries(books, smtp_server, monkeypatch):
    monkeypatch.setenv("REVHUB_SMTP_PORT", "1")  # nothing listens there: the mail does not leave
    first = send_due(books, send, today=DUE)
    assert first.sent == [] and len(first.failed) == 1
    monkeypatch.setenv("REVHUB_SMTP_PORT", str(smtp_server.port))
    second = send_due(books, send, today=DUE)
    assert len(second.sent) == 1 and len(smtp_server.received()) == 1


NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def test_a_failed_card_payment_asks_to_update_the_payment_method_once_per_attempt(books, smtp_server):
    payment_failed_event(books, attempt=1, next_attempt=int((NOW + timedelta(days=3)).timestamp()))
    with books.session() as s:
        [item] = payment_failed.plan(s, NOW)
    assert (item.step, item.action) == ("payment_failed:1", "send")
    from revhub.dunning.sender import send_planned

    send_planned(books, [item], send)
    with books.session() as s:
        assert payment_failed.plan(s, NOW) == []  # this attempt's message went out
    [mail] = smtp_server.received()
    assert mail.subject == "Payment of invoice RH-000001 failed: please update your payment method"
    assert "https://invoice.stripe.com/i/acct_sandbox/test_in_1" in mail.body_text()
    payment_failed_event(books, attempt=2, next_attempt=None)  # Stripe's last attempt failed too
    with books.session() as s:
        assert [(p.step, p.action) for p in payment_failed.plan(s, NOW)] == [("payment_failed:2", "send")]


def test_no_message_when_stripe_retries_within_the_quiet_hours(books):
    payment_failed_event(books, attempt=1, next_attempt=int((NOW + timedelta(hours=5)).timestamp()))
    with books.session() as s:
        [item] = payment_failed.plan(s, NOW)
    assert item.action == "hold" and "within 24 hours" in item.reason


def test_no_payment_failed_message_once_the_invoice_is_paid(books):
    payment_failed_event(books, attempt=1)
    invoice(books, paid=123450, status="paid", version="2")
    with books.session() as s:
        [item] = payment_failed.plan(s, NOW)
    assert (item.action, item.reason) == ("hold", "the invoice is paid")
