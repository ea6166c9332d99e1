"""Salesforce Files: a ContentVersion insert makes its ContentDocument and, given
``FirstPublishLocationId``, the ContentDocumentLink that shares it with that record.

https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contentversion.htm
``VersionData`` is sent base64-encoded in JSON; a read of the record shows it as the URL of
the blob (``/sobjects/ContentVersion/{id}/VersionData``), which answers the raw bytes.
"""

from __future__ import annotations

import hashlib


def derive_version(record: dict) -> None:
    """Fields Salesforce computes on a new version (in place); the bytes stay in ``VersionData``."""
    data = record.get("VersionData") or b""
    path = record.get("PathOnClient") or ""
    record["ContentSize"] = len(data)
    record["Checksum"] = hashlib.md5(data).hexdigest()  # noqa: S324 (Salesforce's own checksum is MD5)
    record["FileExtension"] = path.rsplit(".", 1)[1].lower() if "." in path else None
    record["IsLatest"] = True
    if not record.get("Title"):
        record["Title"] = path.rsplit(".", 1)[0] if "." in path else path


def blob_url(version: str, record_id: str) -> str:
    return f"/services/data/v{version}/sobjects/ContentVersion/{record_id}/VersionData"


def publish(store, version_id: str) -> None:
    """The ContentDocument of a new version and its link to the first publish location."""
    record = store.find(version_id)
    document_id = store.create("ContentDocument", {})
    store.tables["ContentDocument"].rows[store.tables["ContentDocument"].position[document_id]].update(
        Title=record["Title"], LatestPublishedVersionId=version_id, FileExtension=record["FileExtension"],
        ContentSize=record["ContentSize"])
    record["ContentDocumentId"] = document_id
    if record.get("FirstPublishLocationId"):
        store.create("ContentDocumentLink", {"LinkedEntityId": record["FirstPublishLocationId"],
                                             "ContentDocumentId": document_id, "ShareType": "I"})
