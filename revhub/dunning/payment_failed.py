"""A failed card payment (Stripe ``invoice.payment_failed``): ask the customer to update their
payment method, with the hosted invoice link, in step with Stripe's own retries.

Read from the stored webhook events (the inbox keeps every event as received). At most one
message per failed attempt (key ``payment_failed:<attempt_count>``), and none when Stripe's
next attempt is less than ``QUIET_HOURS`` away (``REVHUB_DUNNING_RETRY_QUIET_HOURS``, default
24): a retry that soon may well succeed, and the customer would be asked for nothing.

https://docs.stripe.com/api/events/types#event_types-invoice.payment_failed
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from revhub.dunning import rules
from revhub.dunning.planner import PlannedReminder, facts_for, reminder_key
from revhub.store import Customer, InboxEvent, Invoice, Link, Reminder

EVENT_TYPE = "invoice.payment_failed"
LOOKBACK = timedelta(days=30)


def quiet_hours() -> float:
    return float(os.environ.get("REVHUB_DUNNING_RETRY_QUIET_HOURS") or 24)


def plan(session: Session, now: datetime) -> list[PlannedReminder]:
    """The payment-failed messages due now (send) and those held back (hold), newest attempt per invoice."""
    latest: dict[str, dict] = {}
    for body in session.scalars(select(InboxEvent.body).where(InboxEvent.provider == "stripe",
                                                              InboxEvent.event_type == EVENT_TYPE,
                                                              InboxEvent.received_at >= now - LOOKBACK)):
        invoice = (json.loads(body).get("data") or {}).get("object") or {}
        if invoice.get("id") and invoice.get("attempt_count", 0) >= latest.get(invoice["id"], {}).get(
                "attempt_count", 0):
            latest[invoice["id"]] = invoice
    return [entry for stripe_invoice in latest.values() if (entry := _entry(session, stripe_invoice, now))]


def _entry(session: Session, stripe_invoice: dict, now: datetime) -> PlannedReminder | None:
    invoice_id = session.scalar(select(Link.canonical_id).where(Link.entity == "invoice",
                                                                Link.external_id == stripe_invoice["id"]))
    invoice = session.get(Invoice, invoice_id) if invoice_id else None
    if invoice is None:
        return None  # not synced yet: the next run finds it
    step = f"payment_failed:{stripe_invoice.get('attempt_count') or 1}"
    base = {"invoice_id": invoice.id, "invoice_number": invoice.number or str(invoice.id), "step": step,
            "tone": "payment_failed", "day": now.date()}
    taken = session.scalar(select(Reminder.status).where(Reminder.key == reminder_key(invoice.id, step)))
    if taken is not None and taken != "failed":
        return None  # this attempt's message exists (sent, being sent, or uncertain: see the plan)
    customer = session.get(Customer, invoice.customer_id) if invoice.customer_id else None
    reason = rules.hold_reason(session, invoice, customer, need_due_date=False)
    retry_at = stripe_invoice.get("next_payment_attempt")
    if reason is None and retry_at:
        retry = datetime.fromtimestamp(int(retry_at), UTC)
        if retry - now < timedelta(hours=quiet_hours()):
            reason = f"Stripe retries the card at {retry:%Y-%m-%d %H:%M} UTC, within {quiet_hours():g} hours"
    facts = None
    if reason is None:
        facts = facts_for(session, invoice, customer)
        if facts is not None and not facts.pay_url and stripe_invoice.get("hosted_invoice_url"):
            facts = facts.__class__(**{**facts.__dict__, "pay_url": stripe_invoice["hosted_invoice_url"]})
        if facts is not None and facts.due_date is None:
            facts = facts.__class__(**{**facts.__dict__, "due_date": now.date()})
        reason = None if facts else "the customer has no e-mail address (no billing contact either)"
    if reason:
        return PlannedReminder(**base, action="hold", reason=reason)
    attempt = stripe_invoice.get("attempt_count") or 1
    return PlannedReminder(**base, action="send", facts=facts,
                           reason=f"card payment attempt {attempt} failed; Stripe's next attempt is "
                                  f"{'not scheduled' if not retry_at else 'later'}")
