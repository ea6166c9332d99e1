"""A PO's documents: kept in the document store, listed on the PO with who uploaded them and when."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from revhub.console.audit_trail import record
from revhub.documents.content import ALLOWED, sniff
from revhub.documents.storage import DocumentMissing, DocumentStore
from revhub.store import PurchaseOrderDocument


def safe_filename(name: str | None, content_type: str) -> str:
    """A file name fit for a download header and a provider's attachment name: the customer's
    name without its path, odd characters replaced, and the extension its content really has."""
    base = re.sub(r"[^A-Za-z0-9._ -]+", "_", (name or "").replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{(stem or 'purchase-order')[:120]}{ALLOWED[content_type]}"


def attach(session: Session, store: DocumentStore, *, purchase_order_id: uuid.UUID, data: bytes,
           filename: str | None, uploader: str, max_bytes: int) -> PurchaseOrderDocument:
    """Check ``data`` by content, keep it under its SHA-256 and list it on the PO (audited).

    The same bytes attached to the same PO again are the same document: the row is returned, not repeated.
    """
    content_type = sniff(data, max_bytes=max_bytes)
    sha256 = store.put(data, content_type)
    existing = session.scalar(select(PurchaseOrderDocument).where(
        PurchaseOrderDocument.purchase_order_id == purchase_order_id, PurchaseOrderDocument.sha256 == sha256))
    if existing is not None:
        return existing
    document = PurchaseOrderDocument(purchase_order_id=purchase_order_id,
                                     filename=safe_filename(filename, content_type), content_type=content_type,
                                     sha256=sha256, size_bytes=len(data), uploader=uploader)
    session.add(document)
    session.flush()
    record(session, actor=uploader, source="documents", action="attach", record_id=purchase_order_id,
           entity="purchase_order", details={"document": str(document.id), "filename": document.filename,
                                             "sha256": sha256, "bytes": len(data), "content_type": content_type})
    return document


def read(store: DocumentStore, document: PurchaseOrderDocument) -> bytes:
    """A document's bytes: from the store by digest, or from the row for documents kept before it."""
    if document.content is not None:
        return document.content
    data = store.get(document.sha256)
    if len(data) != (document.size_bytes or len(data)):
        raise DocumentMissing(f"stored document {document.sha256} has the wrong size")
    return data
