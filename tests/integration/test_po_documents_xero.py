"""A PO document reaches its Xero invoice as an attachment, once: real sandbox, real xero-python."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import delete, select

from revhub.documents import LocalDocumentStore
from revhub.documents.records import attach
from revhub.documents.remote import push_documents
from revhub.mappings.outbox import OutboxWorker
from revhub.store import DocumentPush, Invoice
from revhub.sync.jobs import plan, sync_all
from tests.integration.purchase_orders import linked, submit_po, xero_get
from tests.integration.test_ledger_wire import first_customer_email

pytestmark = pytest.mark.store
PDF = b"%PDF-1.4\n% the customer's signed PO\n1 0 obj << >> endobj\n%%EOF\n"


def _raw(running, path: str) -> bytes:
    xero = running["xero"]
    token = requests.post(f"{xero.url}/__sandbox/tokens").json()["access_token"]
    response = requests.get(f"{xero.url}/api.xro/2.0/{path}", headers={
        "Authorization": f"Bearer {token}", "xero-tenant-id": xero.settings["tenant_id"]})
    assert response.status_code == 200, response.text
    return response.content


def test_document_is_attached_to_the_xero_invoice_once(db, vault, sandboxes, tmp_path):
    running = sandboxes("xero", companies=3)
    assert all(r.status == "succeeded" for r in sync_all(db, vault, plan(db)))
    po_id = submit_po(db, first_customer_email(db), "EUR", 3, "100.00", "300.00", number="PO-DOC-1", terms="NET30")
    store = LocalDocumentStore(tmp_path / "docs")
    with db.session(write=True) as s:
        doc = attach(s, store, purchase_order_id=po_id, data=PDF, filename="signed po.pdf",
                     uploader="portal:ap@example", max_bytes=10**6)
        name = f"{doc.sha256[:12]}-signed po.pdf"
    assert push_documents(db, vault, store) == []  # the invoice is not in Xero yet: nothing to attach to
    OutboxWorker(db, vault, "test").drain()
    with db.session() as s:
        invoice_id = s.scalar(select(Invoice.id).where(Invoice.purchase_order_id == po_id))
    xero_invoice = linked(db, "invoice", invoice_id, "xero")

    [sent] = push_documents(db, vault, store)
    assert sent.status == "sent"
    listed = xero_get(running, f"Invoices/{xero_invoice}/Attachments")["Attachments"]
    assert [(a["FileName"], a["ContentLength"]) for a in listed] == [(name, len(PDF))]
    assert _raw(running, f"Invoices/{xero_invoice}/Attachments/{requests.utils.quote(name)}") == PDF

    assert push_documents(db, vault, store) == []  # written once
    with db.session(write=True) as s:  # as if the run crashed after the upload, before recording it
        s.execute(delete(DocumentPush))
    [again] = push_documents(db, vault, store)
    assert again.detail == sent.detail
    assert len(xero_get(running, f"Invoices/{xero_invoice}/Attachments")["Attachments"]) == 1
