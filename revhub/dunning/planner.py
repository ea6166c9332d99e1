"""What goes out today and why (or why not): one entry per invoice with a step due.

Per invoice at most one reminder a day: the latest step whose day has come. Earlier steps not
sent (the job did not run, or the invoice was held) are skipped, not sent late in a burst.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from revhub.dunning import rules
from revhub.dunning.messages import ReminderFacts, language_of
from revhub.dunning.schedule import Step, payment_terms_of, steps_for
from revhub.store import Contact, Customer, Invoice, Reminder

# Shown only with --all: invoices with nothing to chase.
QUIET_HOLDS = ("the invoice is paid", "the invoice is voided", "the invoice was deleted")


@dataclass(frozen=True)
class PlannedReminder:
    invoice_id: object
    invoice_number: str
    step: str  # "d+7", or "payment_failed:2"
    tone: str
    day: date
    action: str  # send | hold | done | uncertain
    reason: str
    facts: ReminderFacts | None = None

    @property
    def key(self) -> str:
        return reminder_key(self.invoice_id, self.step)


def reminder_key(invoice_id: object, step: str) -> str:
    """The unique key of one reminder: the invoice and the step."""
    return f"invoice:{invoice_id}:{step}"


def recipient_of(session: Session, customer: Customer) -> str | None:
    """The accounts-payable address: a billing contact's, else the customer's own."""
    billing = session.scalar(select(Contact.email).where(
        Contact.customer_id == customer.id, Contact.role == "billing", Contact.email.is_not(None),
        Contact.deleted_at.is_(None)).order_by(Contact.created_at).limit(1))
    return billing or customer.email


def facts_for(session: Session, invoice: Invoice, customer: Customer) -> ReminderFacts | None:
    """What the mail says; None when the customer has no address to write to."""
    recipient = recipient_of(session, customer)
    if not recipient:
        return None
    return ReminderFacts(customer_name=customer.name, recipient=recipient,
                         invoice_number=invoice.number or str(invoice.id), po_number=invoice.po_number,
                         amount_due_minor=invoice.amount_due_minor, currency=invoice.currency,
                         due_date=invoice.due_date, pay_url=invoice.hosted_invoice_url,
                         language=language_of(customer))


def plan(session: Session, today: date, *, everything: bool = False) -> list[PlannedReminder]:
    """Today's reminders: ``send`` ones and those held back with the reason. With
    ``everything``, also invoices that are paid or voided and steps already sent."""
    invoices = session.scalars(select(Invoice).where(Invoice.due_date.is_not(None), Invoice.status != "draft")
                               .order_by(Invoice.due_date, Invoice.number))
    schedules: dict[str, list[Step]] = {}
    out = []
    for invoice in invoices:
        terms = payment_terms_of(session, invoice)
        steps = schedules.setdefault(terms, steps_for(session, terms))
        come = [s for s in steps if s.day(invoice.due_date) <= today]
        if not come:
            continue
        entry = _entry(session, invoice, come[-1], today)
        if everything or (entry.action in ("send", "uncertain")
                          or (entry.action == "hold" and entry.reason not in QUIET_HOLDS)):
            out.append(entry)
    return out


def _entry(session: Session, invoice: Invoice, step: Step, today: date) -> PlannedReminder:
    day = step.day(invoice.due_date)
    base = {"invoice_id": invoice.id, "invoice_number": invoice.number or str(invoice.id), "step": step.name,
            "tone": step.tone, "day": day}
    earlier = session.scalar(select(Reminder).where(Reminder.key == reminder_key(invoice.id, step.name)))
    if earlier is not None and earlier.status == "sent":
        return PlannedReminder(**base, action="done", reason=f"sent on {earlier.sent_at:%Y-%m-%d}")
    if earlier is not None and earlier.status == "uncertain":
        return PlannedReminder(**base, action="uncertain", reason="a send was interrupted: check the mail server's "
                               "log, then `revhub reminders resolve` (never re-sent on its own)")
    if earlier is not None and earlier.status == "sending":
        return PlannedReminder(**base, action="done", reason="being sent right now")
    customer = session.get(Customer, invoice.customer_id) if invoice.customer_id else None
    reason = rules.hold_reason(session, invoice, customer)
    if reason is None:
        facts = facts_for(session, invoice, customer)
        if facts is None:
            reason = "the customer has no e-mail address (no billing contact either)"
        else:
            why = f"{step.tone} step {step.name} of the due date {invoice.due_date}, {_owed(invoice)}"
            return PlannedReminder(**base, action="send", reason=why, facts=facts)
    return PlannedReminder(**base, action="hold", reason=reason)


def _owed(invoice: Invoice) -> str:
    from revhub.console.formatting import money_text

    if 0 < invoice.amount_paid_minor and invoice.amount_due_minor < invoice.total_minor:
        return (f"balance {money_text(invoice.amount_due_minor, invoice.currency)} of "
                f"{money_text(invoice.total_minor, invoice.currency)} (partly paid)")
    return f"{money_text(invoice.amount_due_minor, invoice.currency)} due"
