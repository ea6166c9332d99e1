"""Disputes on an invoice's payments, as the reminder rules read them.

A dispute concerns an invoice when it names the invoice, or when its payment was allocated to
the invoice. While one is undecided (open or under review) the customer's bank holds the
money: a reminder, or a "please update your card" mail, would chase money under dispute.

A lost dispute does not re-open the invoice in revhub. The invoice's status and amount paid
belong to Stripe (and Xero), and Stripe keeps an invoice ``paid`` after a lost chargeback;
revhub changing them alone would be undone by the next sync. Whether to invoice the customer
again or write the loss off is a collector's decision: the plan names the lost dispute,
the ledger books the loss to chargeback losses, and the receivables report shows
it per customer.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from revhub.store import Dispute, Invoice, Payment, PaymentAllocation
from revhub.store.disputes import UNDECIDED


def disputes_of(session: Session, invoice: Invoice) -> list[Dispute]:
    """The disputes on ``invoice`` or on a payment allocated to it, oldest first."""
    paid_by = select(PaymentAllocation.payment_id).join(Payment, Payment.id == PaymentAllocation.payment_id).where(
        PaymentAllocation.invoice_id == invoice.id, Payment.deleted_at.is_(None))
    return list(session.scalars(select(Dispute).where(
        Dispute.deleted_at.is_(None), or_(Dispute.invoice_id == invoice.id, Dispute.payment_id.in_(paid_by)))
        .order_by(Dispute.opened_at, Dispute.reference)))


def open_dispute_reason(disputes: list[Dispute]) -> str | None:
    """Why not to remind while one of ``disputes`` is undecided; None when none is."""
    from revhub.console.formatting import money_text

    for dispute in disputes:
        if dispute.status in UNDECIDED:
            due = f", evidence due {dispute.evidence_due_by:%Y-%m-%d}" if dispute.evidence_due_by else ""
            state = "under review" if dispute.status == "under_review" else "open"
            return (f"a dispute is {state} on its payment ({dispute.reference}, "
                    f"{money_text(dispute.amount_minor, dispute.currency)}, {dispute.reason or 'no reason given'}"
                    f"{due}): no reminder until it is decided")
    return None


def lost_dispute_reason(disputes: list[Dispute]) -> str | None:
    """A paid invoice whose payment was lost in a dispute: named for a collector to decide."""
    from revhub.console.formatting import money_text

    lost = [d for d in disputes if d.status == "lost"]
    if not lost:
        return None
    named = ", ".join(f"{d.reference} {money_text(d.amount_minor, d.currency)}" for d in lost)
    return (f"paid, but the payment was lost in a dispute ({named}): revhub does not re-open it; invoice "
            "the customer again or write the loss off")
