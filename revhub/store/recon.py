"""Matches the reconciliation engine made: which receipt paid which invoices, by which rule,
on what evidence; kept so a person can see why and take a match back."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from revhub.store.base import Base, BigIntId, utcnow

MATCH_STATUSES = ("applied", "reversed")


class ReconMatch(Base):
    __tablename__ = "recon_matches"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    # A payment, or a refund (``receipt_kind``) that names the invoice it gives money back on.
    receipt_kind: Mapped[str] = mapped_column(String(16))
    receipt_id: Mapped[uuid.UUID] = mapped_column(index=True)
    rule: Mapped[str] = mapped_column(String(32))
    evidence: Mapped[dict[str, Any]] = mapped_column()
    # [{"invoice_id": "...", "amount_minor": n}], in each invoice's currency
    allocations: Mapped[list[Any]] = mapped_column()
    unapplied_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    rate: Mapped[Any | None] = mapped_column(Numeric(24, 12))
    status: Mapped[str] = mapped_column(String(16), default="applied", index=True)
    matched_by: Mapped[str] = mapped_column(String(128))
    matched_at: Mapped[datetime] = mapped_column(default=utcnow)
    reversed_by: Mapped[str | None] = mapped_column(String(128))
    reversed_at: Mapped[datetime | None] = mapped_column()
    exception_id: Mapped[int | None] = mapped_column(ForeignKey("exceptions.id"))


class Policy(Base):
    """A setting an admin owns (the three-way match tolerances, say), kept with who set it."""

    __tablename__ = "policies"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column()
    updated_by: Mapped[str] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
