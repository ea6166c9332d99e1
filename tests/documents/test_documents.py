"""PO documents: kinds read from the bytes, the size limit, content-addressed storage, old rows readable."""

from __future__ import annotations

import pytest

from revhub.documents import DocumentRefused, LocalDocumentStore, sniff
from revhub.documents.records import read, safe_filename
from revhub.documents.storage import DocumentMissing, digest
from revhub.store import PurchaseOrderDocument

PDF = b"%PDF-1.7\n...\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16 + b"IEND\xaeB`\x82"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16 + b"\xff\xd9"


@pytest.mark.parametrize(("data", "kind"), [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")])
def test_kinds_are_read_from_content(data, kind):
    assert sniff(data, max_bytes=1000) == kind


@pytest.mark.parametrize(("data", "code"), [
    (b"", "empty"), (b"<html>%PDF-</html>", "type"), (b"%PDF-1.7\nno end", "truncated"),
    (PNG[:-8], "truncated"), (PDF + b"x" * 2000, "too_large"),
])
def test_refusals_say_why(data, code):
    with pytest.raises(DocumentRefused) as refused:
        sniff(data, max_bytes=1000)
    assert refused.value.code == code


def test_local_store_is_content_addressed_and_detects_damage(tmp_path):
    store = LocalDocumentStore(tmp_path)
    sha = store.put(PDF, "application/pdf")
    assert sha == digest(PDF) and store.put(PDF, "application/pdf") == sha
    assert store.get(sha) == PDF
    path = tmp_path / sha[:2] / sha[2:4] / sha
    path.write_bytes(PDF + b"tampered")
    with pytest.raises(DocumentMissing):
        store.get(sha)
    with pytest.raises(DocumentMissing):
        store.get("../../etc/passwd")


def test_rows_kept_before_the_store_stay_readable(tmp_path):
    old = PurchaseOrderDocument(filename="po.pdf", content_type="application/pdf", sha256=digest(PDF), content=PDF)
    assert read(LocalDocumentStore(tmp_path), old) == PDF


def test_file_names_lose_their_path_and_get_the_real_extension():
    assert safe_filename("C:\\Users\\x\\scan.pdf", "image/png") == "scan.png"
    assert safe_filename("../../", "application/pdf") == "purchase-order.pdf"
