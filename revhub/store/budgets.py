"""What each provider last said about a connection's API budget (from its response headers)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from revhub.store.base import Base, utcnow


class ApiBudget(Base):
    """The latest reading per connection: Xero's X-MinLimit-Remaining / X-DayLimit-Remaining,
    Salesforce's Sforce-Limit-Info ``api-usage=used/total``. NULL where the provider says nothing."""

    __tablename__ = "api_budgets"

    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True)
    observed_at: Mapped[datetime] = mapped_column(default=utcnow)
    minute_remaining: Mapped[int | None] = mapped_column(Integer)
    minute_limit: Mapped[int | None] = mapped_column(Integer)
    day_remaining: Mapped[int | None] = mapped_column(Integer)
    day_limit: Mapped[int | None] = mapped_column(Integer)
