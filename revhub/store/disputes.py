"""Disputes (chargebacks): a customer's bank taking a payment back until the dispute is decided.

Provider-neutral: Stripe's ``needs_response``/``warning_needs_response`` read as ``open``, its
two ``*_under_review`` as ``under_review``, ``warning_closed`` and ``prevented`` (no money moved
for good) as ``closed``. What left the processor's balance is kept in its settlement currency,
as on payments and refunds, so the ledger books what the processor moved.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from revhub.store.base import Base, CanonicalRecord, currency_column, money_column

DISPUTE_STATUSES = ("open", "under_review", "won", "lost", "closed")
# A dispute in these holds the money back from the merchant until it is decided.
UNDECIDED = ("open", "under_review")


class Dispute(CanonicalRecord, Base):
    __entity__ = "dispute"
    __tablename__ = "disputes"
    __table_args__ = (CheckConstraint("status IN ('open', 'under_review', 'won', 'lost', 'closed')",
                                      name="status"),)

    # The processor's dispute id (Stripe ``du_…``): the dispute's natural key.
    reference: Mapped[str] = mapped_column(String(255), index=True)
    payment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payments.id"), index=True)
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("customers.id"), index=True)
    amount_minor: Mapped[int] = money_column()
    currency: Mapped[str] = currency_column()
    reason: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="open")
    evidence_due_by: Mapped[datetime | None] = mapped_column()
    opened_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    # Balance movements in the settlement currency: the amount withdrawn at opening and the
    # dispute fee charged with it, and what a won dispute gave back of each.
    settled_currency: Mapped[str | None] = mapped_column(String(3))
    withdrawn_minor: Mapped[int | None] = money_column(nullable=True)
    reinstated_minor: Mapped[int | None] = money_column(nullable=True)
    fee_minor: Mapped[int | None] = money_column(nullable=True)
    fee_returned_minor: Mapped[int | None] = money_column(nullable=True)
