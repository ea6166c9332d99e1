"""PO documents as Salesforce Files on the PO record, once.

A ContentVersion inserted with ``FirstPublishLocationId`` becomes a file shared with that record
(Salesforce makes the ContentDocument and its ContentDocumentLink). Its title carries the start
of the document's SHA-256, so the PO's versions are read first and a file already there is not
sent again.
https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contentversion.htm
"""

from __future__ import annotations

import base64

from revhub.connectors.salesforce.client import SalesforceAPI


def file_title(sha256: str, filename: str) -> str:
    """The file's title on the record: ``<sha256[:12]>-<name without extension>``."""
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    return f"{sha256[:12]}-{stem}"[:255]


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def attach_to_record(api: SalesforceAPI, record_id: str, sha256: str, filename: str, content: bytes) -> str:
    """The ContentDocumentId of the document's file on ``record_id``, uploading it only if absent."""
    title = file_title(sha256, filename)
    found = api.query_all_rows(
        "SELECT Id, ContentDocumentId, ContentSize FROM ContentVersion "
        f"WHERE FirstPublishLocationId = '{_quoted(record_id)}' AND Title = '{_quoted(title)}' AND IsDeleted = false")
    same = [row for row in found if row.get("ContentSize") == len(content)]
    if same:
        return same[0]["ContentDocumentId"]
    # https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_sobject_insert_update_blob.htm
    created = api.request(lambda sf: sf.ContentVersion.create({
        "Title": title, "PathOnClient": filename, "FirstPublishLocationId": record_id,
        "VersionData": base64.b64encode(content).decode("ascii")}), "purchase_order")
    version = api.request(lambda sf: sf.ContentVersion.get(created["id"]), "purchase_order")
    return version["ContentDocumentId"]
