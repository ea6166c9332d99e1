"""PO documents attached to their Xero invoice (the Attachments API), once.

The file name carries the start of the document's SHA-256, so the same name means the same
bytes: the invoice's attachments are listed first and a file already there is not sent again
(an upload whose answer was lost is found on the next run, not repeated).
"""

from __future__ import annotations

from revhub.connectors.xero.client import XeroAPI


def attachment_name(sha256: str, filename: str) -> str:
    """The file name the document has on the invoice: ``<sha256[:12]>-<filename>``."""
    return f"{sha256[:12]}-{filename}"[:255]


def attach_to_invoice(api: XeroAPI, invoice_id: str, file_name: str, content: bytes, *,
                      idempotency_key: str) -> str:
    """The AttachmentID of ``file_name`` on the invoice, uploading ``content`` only if it is not there."""
    # https://developer.xero.com/documentation/api/accounting/attachments#get-attachments
    listed = api.call("get_invoice_attachments", "invoice", invoice_id=invoice_id)
    for attachment in listed.get("Attachments") or ():
        if attachment.get("FileName") == file_name and attachment.get("ContentLength") == len(content):
            return attachment["AttachmentID"]
    # https://developer.xero.com/documentation/api/accounting/attachments#put-attachments
    answer = api.call("create_invoice_attachment_by_file_name", "invoice", invoice_id=invoice_id,
                      file_name=file_name, body=content, include_online=True, idempotency_key=idempotency_key)
    return answer["Attachments"][0]["AttachmentID"]
