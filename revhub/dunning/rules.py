"""Why a reminder is held back. Each rule returns a reason, or None when it does not apply.

Disputes (revhub.dunning.disputes): no reminder while a dispute on the invoice's payment is
undecided; a paid invoice whose payment was lost in a dispute is named, not re-opened.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from revhub.dunning.disputes import disputes_of, lost_dispute_reason, open_dispute_reason
from revhub.store import Customer, Invoice, Payment, PaymentAllocation


def hold_reason(session: Session, invoice: Invoice, customer: Customer | None, *,
                need_due_date: bool = True) -> str | None:
    """The first reason not to remind of ``invoice`` today, or None."""
    if invoice.deleted_at is not None:
        return "the invoice was deleted"
    if invoice.status == "void":
        return "the invoice is voided"
    disputes = disputes_of(session, invoice)
    disputed = open_dispute_reason(disputes)
    if invoice.status == "paid" or (invoice.amount_due_minor <= 0 < invoice.total_minor):
        return disputed or lost_dispute_reason(disputes) or "the invoice is paid"
    if invoice.status in ("draft", "uncollectible"):
        return f"the invoice is {invoice.status}"
    if disputed:
        return disputed
    if need_due_date and invoice.due_date is None:
        return "the invoice has no due date"
    if customer is None:
        return "the invoice has no customer"
    if getattr(customer, "dunning_paused", False):
        return "reminders are paused for this customer"
    pending = session.scalar(select(Payment.id).join(PaymentAllocation, PaymentAllocation.payment_id == Payment.id)
                             .where(PaymentAllocation.invoice_id == invoice.id, Payment.status == "pending",
                                    Payment.deleted_at.is_(None)).limit(1))
    if pending is not None:
        return "a payment is in flight"
    return None
