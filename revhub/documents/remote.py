"""PO documents written to the other systems once their invoice (Xero) or PO (Salesforce) is there:
the Xero invoice gets the file as an attachment, the Salesforce PO a file linked to the record.

Runs after the outbox has written the invoice/PO (it needs their ids in the links). A
``DocumentPush`` row per (document, connection) makes it once; the providers' own listings make
a crash between the upload and that row harmless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from revhub.connections import Vault, update_credentials
from revhub.connectors.errors import ConnectorError
from revhub.connectors.registry import build_connector
from revhub.documents.records import read
from revhub.documents.storage import DocumentMissing, DocumentStore
from revhub.store import Connection, Database, DocumentPush, Invoice, Link, PurchaseOrderDocument

log = logging.getLogger(__name__)
# Which record of each provider a PO document is attached to.
ATTACHED_TO = {"xero": "invoice", "salesforce": "purchase_order"}


@dataclass
class PushOutcome:
    document_id: str
    system: str
    status: str  # "sent" or "failed"
    detail: str = ""


def _pending(session, connection: Connection) -> list[tuple[PurchaseOrderDocument, str]]:
    """(document, the record's id in ``connection``) for documents not yet written there."""
    done = select(DocumentPush.document_id).where(DocumentPush.system == connection.name)
    entity = ATTACHED_TO[connection.provider]
    if entity == "invoice":
        record = select(Invoice.id.label("rid"), Invoice.purchase_order_id.label("po")).where(
            Invoice.status != "void", Invoice.deleted_at.is_(None)).subquery()
    else:
        record = select(PurchaseOrderDocument.purchase_order_id.label("rid"),
                        PurchaseOrderDocument.purchase_order_id.label("po")).distinct().subquery()
    rows = session.execute(
        select(PurchaseOrderDocument, Link.external_id)
        .join(record, record.c.po == PurchaseOrderDocument.purchase_order_id)
        .join(Link, (Link.canonical_id == record.c.rid) & (Link.entity == entity) & (Link.system == connection.name))
        .where(PurchaseOrderDocument.id.not_in(done)).order_by(PurchaseOrderDocument.uploaded_at).limit(200)).all()
    return [(doc, external_id) for doc, external_id in rows]


def _send(connector, provider: str, doc: PurchaseOrderDocument, target_id: str, data: bytes) -> str:
    if provider == "xero":
        from revhub.connectors.xero.push_attachments import attach_to_invoice, attachment_name

        return attach_to_invoice(connector.api, target_id, attachment_name(doc.sha256, doc.filename), data,
                                 idempotency_key=f"document/{doc.id}/{target_id}")
    from revhub.connectors.salesforce.push_files import attach_to_record

    return attach_to_record(connector.api, target_id, doc.sha256, doc.filename, data)


def push_documents(db: Database, vault: Vault, store: DocumentStore) -> list[PushOutcome]:
    """Write every pending PO document to every Xero and Salesforce connection (once each)."""
    outcomes: list[PushOutcome] = []
    with db.session() as s:
        connections = [c for c in s.scalars(select(Connection).where(Connection.enabled.is_(True)))
                       if c.provider in ATTACHED_TO]
        work = [(c, _pending(s, c)) for c in connections]
        for _connection, pending in work:
            for doc, _target in pending:
                s.expunge(doc)
    for connection, pending in work:
        if not pending:
            continue

        def save(changes: dict, name: str = connection.name) -> None:
            with db.session(write=True) as s:
                update_credentials(s, vault, name, changes)

        connector = build_connector(connection, vault, save)
        for doc, target_id in pending:
            try:
                external_id = _send(connector, connection.provider, doc, target_id, read(store, doc))
            except (ConnectorError, DocumentMissing) as exc:
                log.warning("document %s not written to %s: %s", doc.id, connection.name, exc)
                outcomes.append(PushOutcome(str(doc.id), connection.name, "failed", str(exc)))
                continue
            with db.session(write=True) as s:
                s.add(DocumentPush(document_id=doc.id, system=connection.name, target_id=target_id,
                                   external_id=external_id))
            outcomes.append(PushOutcome(str(doc.id), connection.name, "sent", external_id))
    return outcomes
