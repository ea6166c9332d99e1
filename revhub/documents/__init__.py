"""PO documents: checked by content, stored content-addressed by SHA-256 (a local directory or
S3-compatible object storage), attached to purchase orders with who uploaded them and when."""

from revhub.documents.content import DocumentRefused, sniff
from revhub.documents.settings import DocumentSettings
from revhub.documents.storage import DocumentStore, LocalDocumentStore, S3DocumentStore, store_for

__all__ = ["DocumentRefused", "DocumentSettings", "DocumentStore", "LocalDocumentStore", "S3DocumentStore",
           "sniff", "store_for"]
