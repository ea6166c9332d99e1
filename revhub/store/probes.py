"""The readiness probe's scratch row: ``/healthz/ready`` upserts one row per process and
commits, so a store that is full or read-only fails readiness instead of answering ok."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from revhub.store.base import Base, utcnow


class ReadinessProbe(Base):
    __tablename__ = "readiness_probes"

    holder: Mapped[str] = mapped_column(String(128), primary_key=True)
    probed_at: Mapped[datetime] = mapped_column(default=utcnow)
