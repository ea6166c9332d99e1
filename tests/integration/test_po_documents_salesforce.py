"""A PO document reaches its Salesforce PO as a file linked to the record, once: real sandbox,
real simple-salesforce."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from revhub.documents import LocalDocumentStore
from revhub.documents.records import attach
from revhub.documents.remote import push_documents
from revhub.mappings.outbox import OutboxWorker
from revhub.sandbox.tls import trusting_session
from revhub.store import DocumentPush
from revhub.sync.jobs import plan, sync_all
from tests.integration.purchase_orders import linked, submit_po
from tests.integration.test_ledger_wire import first_customer_email

pytestmark = pytest.mark.store
PNG = b"\x89PNG\r\n\x1a\n" + b"scan" * 40 + b"IEND\xaeB`\x82"


def _get(running, path: str):
    sf = running["salesforce"]
    session = trusting_session(sf.settings["ca_bundle"])
    response = session.get(f"{sf.url}/services/data/v62.0/{path}",
                           headers={"Authorization": f"Bearer {sf.sandbox.sessions.static_token}"})
    assert response.status_code == 200, response.text
    return response


def test_document_is_a_file_on_the_salesforce_po_once(db, vault, sandboxes, tmp_path):
    running = sandboxes("salesforce", companies=3)
    assert all(r.status == "succeeded" for r in sync_all(db, vault, plan(db)))
    po_id = submit_po(db, first_customer_email(db), "EUR", 2, "50.00", "100.00", number="PO-DOC-SF", terms="NET30")
    store = LocalDocumentStore(tmp_path / "docs")
    with db.session(write=True) as s:
        attach(s, store, purchase_order_id=po_id, data=PNG, filename="scan.png", uploader="portal:ap@example",
               max_bytes=10**6)
    OutboxWorker(db, vault, "test").drain()
    sf_po = linked(db, "purchase_order", po_id, "salesforce")
    assert sf_po

    [sent] = push_documents(db, vault, store)
    assert sent.status == "sent", sent.detail
    links = _get(running, "query?q=" + f"SELECT ContentDocumentId FROM ContentDocumentLink WHERE LinkedEntityId = "
                                       f"'{sf_po}'").json()["records"]
    assert [row["ContentDocumentId"] for row in links] == [sent.detail]
    version_id = _get(running, f"sobjects/ContentDocument/{sent.detail}").json()["LatestPublishedVersionId"]
    assert _get(running, f"sobjects/ContentVersion/{version_id}/VersionData").content == PNG

    assert push_documents(db, vault, store) == []
    with db.session(write=True) as s:  # the record of the upload lost, as in a crash right after it
        s.execute(delete(DocumentPush))
    [again] = push_documents(db, vault, store)
    assert again.detail == sent.detail
    links = _get(running, "query?q=" + f"SELECT Id FROM ContentDocumentLink WHERE LinkedEntityId = '{sf_po}'")
    assert len(links.json()["records"]) == 1
