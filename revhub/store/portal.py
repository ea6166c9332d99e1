"""Invitations to the customer PO portal: one row per link, so a link can expire and be revoked."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from revhub.store.base import Base, utcnow
from revhub.store.ids import new_id


class PortalInvitation(Base):
    __tablename__ = "portal_invitations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customers.id"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_by: Mapped[str | None] = mapped_column(String(128))


class DocumentPush(Base):
    """A PO document written to another system (a Xero invoice attachment, a Salesforce file):
    one row per document and system, so it is written once."""

    __tablename__ = "document_pushes"
    __table_args__ = (UniqueConstraint("document_id", "system"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("purchase_order_documents.id", ondelete="CASCADE"))
    system: Mapped[str] = mapped_column(String(64))  # the connection's name
    target_id: Mapped[str] = mapped_column(String(64))  # the invoice / PO record it is attached to
    external_id: Mapped[str] = mapped_column(String(64))  # the attachment's (file's) own id there
    pushed_at: Mapped[datetime] = mapped_column(default=utcnow)
