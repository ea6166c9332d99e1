"""Files attached to documents: ``/{Invoices,CreditNotes,BankTransactions}/{id}/Attachments/{FileName}``.

The body of a PUT/POST is the file itself (raw bytes, not JSON). Xero keeps the file name
as sent, guesses the MIME type from it, counts the bytes and answers ``{"Attachments":
[...]}``; a GET of the file name (or the attachment id) returns the bytes. A second upload
under the same file name replaces the first. At most ``MAX_PER_DOCUMENT`` per document.
"""

from __future__ import annotations

import mimetypes
from urllib.parse import quote

from revhub.sandbox.xero import documents as docs
from revhub.sandbox.xero.errors import NotFound, ValidationFailed
from revhub.sandbox.xero.ledger import Write
from revhub.sandbox.xero.listing import parse_bool
from revhub.sandbox.xero.store import Record

MAX_PER_DOCUMENT = 10
API_BASE = "https://api.xero.com/api.xro/2.0"


def listed(w: Write, resource: str, record: Record) -> list[dict]:
    """The document's attachments as Xero lists them (without their bytes)."""
    return [dict(a) for a in w.books.attachments.get(record.id, [])]


def upload(
    w: Write, resource: str, record: Record, file_name: str, content: bytes, args: dict
) -> dict:
    """Attach ``content`` under ``file_name``; returns the attachment as Xero shows it."""
    if not file_name or "/" in file_name:
        raise ValidationFailed("The file name must be given in the URL.")
    if not content:
        raise ValidationFailed("The attachment has no content.")
    existing = [a for a in w.books.attachments.get(record.id, []) if a["FileName"] != file_name]
    if len(existing) >= MAX_PER_DOCUMENT:
        raise ValidationFailed(f"A document can have at most {MAX_PER_DOCUMENT} attachments.")
    include = parse_bool("IncludeOnline", args["IncludeOnline"]) if "IncludeOnline" in args else False
    attachment = {
        "AttachmentID": docs.new_id(),
        "FileName": file_name,
        "Url": f"{API_BASE}/{resource}/{record.id}/Attachments/{quote(file_name)}",
        "MimeType": mimetypes.guess_type(file_name)[0] or "application/octet-stream",
        "ContentLength": len(content),
        "IncludeOnline": include,
    }
    w.books.attachments[record.id] = existing + [attachment]
    w.books.files[attachment["AttachmentID"]] = content
    record.data["HasAttachments"] = True
    w.save(resource, record, created=False)
    return attachment


def content(w: Write, record: Record, name_or_id: str) -> tuple[bytes, str]:
    """The bytes and MIME type of one attachment, by file name or attachment id."""
    for attachment in w.books.attachments.get(record.id, []):
        if name_or_id in (attachment["FileName"], attachment["AttachmentID"]):
            return w.books.files[attachment["AttachmentID"]], attachment["MimeType"]
    raise NotFound()
