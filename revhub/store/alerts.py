"""The alert log: one row per dedupe key, the deliveries made for it, and the marks of the periodic check."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from revhub.store.base import Base, BigIntId, utcnow


class AlertLog(Base):
    """An alert by its dedupe key: when it was last sent and how many raises were held back since."""

    __tablename__ = "alert_log"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16), default="warning")
    title: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(512))
    first_raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_raised_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_sent_at: Mapped[datetime | None] = mapped_column()
    # Raises inside the dedupe window since the last send; reported with the next send, then reset.
    suppressed: Mapped[int] = mapped_column(Integer, default=0)
    suppressed_total: Mapped[int] = mapped_column(Integer, default=0)
    sent_count: Mapped[int] = mapped_column(Integer, default=0)


class AlertDelivery(Base):
    """One attempt to hand one alert to one channel (the per-channel rate limit counts these)."""

    __tablename__ = "alert_deliveries"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("alert_log.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # sent, failed, or rate_limited (not attempted: the channel's hourly allowance was used up).
    outcome: Mapped[str] = mapped_column(String(16))
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)


class AlertMark(Base):
    """How far the periodic check has looked at one source, so only new rows raise an alert."""

    __tablename__ = "alert_marks"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer, default=0)
    seen: Mapped[int] = mapped_column(Integer, default=0)
    checked_at: Mapped[datetime | None] = mapped_column()
