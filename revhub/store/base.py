"""Declarative base, column types and mixins shared by every table."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer, MetaData, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from revhub.store.ids import new_id

# Stable constraint names: migrations on SQLite (batch mode) and PostgreSQL need them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on every engine; naive datetimes are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: revhub stores timezone-aware UTC only")
        value = value.astimezone(UTC)
        # SQLite has no timezone type: store UTC wall time, restore tzinfo on read.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect):
        process = super().bind_processor(dialect)
        last: list[tuple[Any, Any]] = [(None, None)]

        def remembering(value):
            # A page of sync writes stamps hundreds of rows with the same datetime object:
            # convert it once. The (value, result) pair is swapped whole, so threads sharing
            # this processor never see one value's result for another.
            seen, result = last[0]
            if value is seen and value is not None:
                return result
            result = process(value) if process else self.process_bind_param(value, dialect)
            last[0] = (value, result)
            return result

        return remembering

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# BigInteger ids that are still auto-incrementing on SQLite (which only does so for INTEGER).
BigIntId = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class CanonicalRecord:
    """Columns every canonical entity carries.

    ``version`` counts changes (it is what the audit log and outbox keys refer to);
    ``deleted_at`` makes deletes tombstones, so a deleted record still has its history.
    """

    __audited__ = True

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, nullable=False)
    deleted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Provenance per field: {"name": {"system": "salesforce", "at": "2026-11-02T10:00:00+00:00"}}.
    # It makes every value traceable and gives conflicts the other side's system and time.
    field_sources: Mapped[dict[str, Any]] = mapped_column(default=dict, nullable=False)



def money_column(nullable: bool = False) -> Mapped[int]:
    """An amount in minor units; the currency lives in the row's ``currency`` column."""
    return mapped_column(BigInteger, nullable=nullable, default=None if nullable else 0)


def currency_column() -> Mapped[str]:
    return mapped_column(String(3), nullable=False)


def jsonable(value: Any) -> Any:
    """A column value as it is written into audit and snapshot JSON."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value
