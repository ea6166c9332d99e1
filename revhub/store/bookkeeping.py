"""Tables that record how the canonical records came to be: connections, identity
links, cursors, runs, leases, the audit log, conflicts and exceptions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from revhub.store.base import Base, BigIntId, utcnow
from revhub.store.ids import new_id


class Connection(Base):
    """One account at one provider (a Stripe account, a Xero tenant, a Salesforce org)."""

    __tablename__ = "connections"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    provider: Mapped[str] = mapped_column(String(16))
    # Fernet token; never read outside revhub.connections.
    credentials: Mapped[bytes | None] = mapped_column(LargeBinary)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(default=True)
    # Paused by an admin: no scheduled syncs and nothing written to it, while webhooks are still
    # taken and writes still queued, so that resuming loses nothing.
    paused_at: Mapped[datetime | None] = mapped_column()
    paused_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Link(Base):
    """Identity map: canonical record ↔ one system's record, with what we last saw of it."""

    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint("entity", "system", "external_id"),
        UniqueConstraint("entity", "canonical_id", "system"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(32))
    canonical_id: Mapped[uuid.UUID] = mapped_column(index=True)
    system: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(255))
    remote_version: Mapped[str | None] = mapped_column(String(64))
    # The canonical field values as this system last had them: the base of three-way merges.
    base_snapshot: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_synced_at: Mapped[datetime] = mapped_column(default=utcnow)


class SyncCursor(Base):
    __tablename__ = "sync_cursors"
    __table_args__ = (UniqueConstraint("connection_id", "entity"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    entity: Mapped[str] = mapped_column(String(32))
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SyncRun(Base):
    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"), index=True)
    entity: Mapped[str] = mapped_column(String(32))
    mode: Mapped[str] = mapped_column(String(16), default="incremental")
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    conflicts: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    stale: Mapped[int] = mapped_column(Integer, default=0)
    exceptions: Mapped[int] = mapped_column(Integer, default=0)
    api_calls: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(Text)
    # The process and lease token the run works under: a run still ``running`` whose lease
    # has passed to another token (or whose process is gone) is reaped as ``abandoned``.
    holder: Mapped[str | None] = mapped_column(String(128))
    lease_token: Mapped[int | None] = mapped_column(Integer)


class JobLease(Base):
    """Who runs a scheduled job right now (see ``revhub.sync.lease``): the expiry is renewed by
    the holder's heartbeat; the token grows on every take and fences off a former holder."""

    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(128))
    expires_at: Mapped[datetime | None] = mapped_column()
    token: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AuditEntry(Base):
    """Append-only: the migration installs triggers refusing UPDATE and DELETE."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[uuid.UUID] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(16))
    version: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict[str, Any] | None] = mapped_column()
    after: Mapped[dict[str, Any] | None] = mapped_column()


class Conflict(Base):
    __tablename__ = "conflicts"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[uuid.UUID] = mapped_column(index=True)
    field: Mapped[str] = mapped_column(String(64))
    base_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    current_system: Mapped[str] = mapped_column(String(64))
    current_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    current_changed_at: Mapped[datetime | None] = mapped_column()
    incoming_system: Mapped[str] = mapped_column(String(64))
    incoming_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    incoming_changed_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    resolution: Mapped[str | None] = mapped_column(String(255))
    resolved_by: Mapped[str | None] = mapped_column(String(128))
    resolved_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SyncException(Base):
    """Something a person must decide: an ambiguous match, a record that cannot be mapped."""

    __tablename__ = "exceptions"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    system: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str | None] = mapped_column(String(255))
    message: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column()
    candidates: Mapped[list[Any] | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    resolved_by: Mapped[str | None] = mapped_column(String(128))
    resolved_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# On PostgreSQL the status index holds only the rows the workers, drains, console and metrics
# look up by status; processed and ignored ones (nearly all of them, in time) stay out of it.
# SQLite cannot prove that ``status IN ('pending', 'failed')`` implies this predicate, so there
# the index stays whole.
_INBOX_WAITING = text("status IN ('pending', 'processing', 'failed', 'parked')")


class InboxEvent(Base):
    """A provider event exactly as received, stored before it is acknowledged.

    ``connection_id`` names the connection whose endpoint received it, with no foreign key:
    connections are never deleted (only disabled), the endpoint read the id from that table,
    and the key's check locked the connection row in every acknowledgement's transaction.
    """

    __tablename__ = "inbox_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),
                      Index("ix_inbox_events_status", "status", postgresql_where=_INBOX_WAITING))

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    provider: Mapped[str] = mapped_column(String(16))
    connection_id: Mapped[uuid.UUID | None] = mapped_column()
    event_id: Mapped[str] = mapped_column(String(255))
    event_type: Mapped[str | None] = mapped_column(String(128))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    locked_by: Mapped[str | None] = mapped_column(String(128))
    locked_until: Mapped[datetime | None] = mapped_column()
    processed_at: Mapped[datetime | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)


class OutboxMessage(Base):
    """One write owed to one target system, keyed so that a retry is never a second write."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    target_system: Mapped[str] = mapped_column(String(64), index=True)
    connection_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("connections.id"))
    entity: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[uuid.UUID] = mapped_column(index=True)
    record_version: Mapped[int] = mapped_column(Integer)
    operation: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    locked_by: Mapped[str | None] = mapped_column(String(128))
    locked_until: Mapped[datetime | None] = mapped_column()
    remote_id: Mapped[str | None] = mapped_column(String(255))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
