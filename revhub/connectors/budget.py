"""API budget readings: what a provider's response headers say is left, kept by the client at
call time and saved per connection after each sync (``record_budget``) for the console."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from revhub.store import ApiBudget, Database

log = logging.getLogger(__name__)

# Xero's published per-tenant limits: 60 calls a minute, 5,000 a day.
# https://developer.xero.com/documentation/guides/oauth2/limits/
XERO_PER_MINUTE, XERO_PER_DAY = 60, 5000


@dataclass(frozen=True)
class BudgetReading:
    """One provider answer's figures; None where that provider does not say."""

    minute_remaining: int | None = None
    minute_limit: int | None = None
    day_remaining: int | None = None
    day_limit: int | None = None
    observed_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def header_int(headers: Any, name: str) -> int | None:
    """An integer response header, or None when absent or not a number."""
    value = headers.get(name) if headers is not None else None
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def connector_budget(connector: Any) -> BudgetReading | None:
    """The latest reading a connector's API client took, if it takes any."""
    return getattr(getattr(connector, "api", None), "budget", None)


def record_budget(session: Session, connection_id: uuid.UUID, reading: BudgetReading | None) -> None:
    """Keep ``reading`` as the connection's latest (nothing when there is none)."""
    if reading is None:
        return
    row = session.get(ApiBudget, connection_id) or ApiBudget(connection_id=connection_id)
    row.observed_at = reading.observed_at
    row.minute_remaining, row.minute_limit = reading.minute_remaining, reading.minute_limit
    row.day_remaining, row.day_limit = reading.day_remaining, reading.day_limit
    session.add(row)


def save_budget(db: Database, connection_id: uuid.UUID, connector: Any) -> None:
    """After a sync: keep what the provider last said of the budget. Never fails the sync it
    follows (a store that cannot take it now gets the next run's reading)."""
    reading = connector_budget(connector)
    if reading is None:
        return
    try:
        with db.session(write=True) as s:
            record_budget(s, connection_id, reading)
    except SQLAlchemyError as exc:
        log.warning("API budget of connection %s not recorded: %s", connection_id, type(exc).__name__)
