"""Money between the payment processor and the bank: processor fees and payouts.

A fee is what the processor kept of one charge, in the currency the charge settled in (the
balance transaction's currency, which need not be the charge's). A payout is money moved from
the processor's balance to the company's bank account. Booked in the ledger, fees and payouts
make the clearing account's balance equal the processor's balance.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from revhub.store.base import Base, CanonicalRecord, currency_column, money_column

PAYOUT_STATUSES = ("pending", "in_transit", "paid", "failed", "canceled")


class Fee(CanonicalRecord, Base):
    __entity__ = "fee"
    __tablename__ = "fees"

    # The processor's balance transaction id (Stripe ``txn_…``): the fee's natural key.
    reference: Mapped[str] = mapped_column(String(255), index=True)
    payment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payments.id"), index=True)
    amount_minor: Mapped[int] = money_column()
    currency: Mapped[str] = currency_column()
    incurred_at: Mapped[datetime | None] = mapped_column()


class Payout(CanonicalRecord, Base):
    __entity__ = "payout"
    __tablename__ = "payouts"

    # The processor's payout id (Stripe ``po_…``): the payout's natural key.
    reference: Mapped[str] = mapped_column(String(255), index=True)
    amount_minor: Mapped[int] = money_column()          # what reaches the bank
    fee_minor: Mapped[int] = money_column()             # fees of the transactions it settles
    currency: Mapped[str] = currency_column()
    status: Mapped[str] = mapped_column(String(16), default="pending")
    initiated_at: Mapped[datetime | None] = mapped_column()
    arrival_date: Mapped[date | None] = mapped_column(Date)
