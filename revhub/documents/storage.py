"""The document store: bytes kept under their SHA-256, so the same file uploaded twice is kept once
and a stored file can be checked against its name."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from revhub.documents.settings import DocumentSettings

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class DocumentMissing(LookupError):
    """No document with that digest is stored (or the stored bytes no longer match it)."""


class DocumentStore(Protocol):
    def put(self, data: bytes, content_type: str) -> str: ...

    def get(self, sha256: str) -> bytes: ...


def digest(data: bytes) -> str:
    """The SHA-256 of ``data`` in lowercase hex: a document's address."""
    return hashlib.sha256(data).hexdigest()


def _checked(sha256: str) -> str:
    if not _SHA256.match(sha256 or ""):
        raise DocumentMissing(f"{sha256!r} is not a SHA-256 digest")
    return sha256


class LocalDocumentStore:
    """Files in a directory (default ``REVHUB_HOME/documents``), fanned out by the digest's first bytes."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def _path(self, sha256: str) -> Path:
        sha256 = _checked(sha256)
        return self.directory / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes, content_type: str) -> str:
        """Keep ``data``; return its digest. Written to a temporary file and renamed, so a crash
        never leaves a half-written file under a digest."""
        sha256 = digest(data)
        path = self._path(sha256)
        if path.exists():
            return sha256
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        return sha256

    def get(self, sha256: str) -> bytes:
        """The bytes stored under ``sha256``, checked against it."""
        try:
            data = self._path(sha256).read_bytes()
        except FileNotFoundError:
            raise DocumentMissing(f"no stored document {sha256}") from None
        if digest(data) != sha256:
            raise DocumentMissing(f"stored document {sha256} is damaged (its bytes no longer match)")
        return data


class S3DocumentStore:
    """Objects in an S3-compatible bucket, keyed ``<prefix><sha256>``, through boto3."""

    def __init__(self, bucket: str, *, endpoint_url: str | None = None, region: str | None = None,
                 prefix: str = "documents/", client=None) -> None:
        import boto3

        self.bucket, self.prefix = bucket, prefix
        self.client = client or boto3.client("s3", endpoint_url=endpoint_url, region_name=region)

    def put(self, data: bytes, content_type: str) -> str:
        """Keep ``data``; return its digest (a second upload of the same bytes overwrites them with themselves)."""
        sha256 = digest(data)
        # https://boto3.amazonaws.com/v1/documentation/api/latest/reference/services/s3/client/put_object.html
        self.client.put_object(Bucket=self.bucket, Key=self.prefix + sha256, Body=data, ContentType=content_type,
                               ChecksumAlgorithm="SHA256")
        return sha256

    def get(self, sha256: str) -> bytes:
        """The bytes stored under ``sha256``, checked against it."""
        from botocore.exceptions import ClientError

        try:
            # https://boto3.amazonaws.com/v1/documentation/api/latest/reference/services/s3/client/get_object.html
            data = self.client.get_object(Bucket=self.bucket, Key=self.prefix + _checked(sha256))["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise DocumentMissing(f"no stored document {sha256}") from None
            raise
        if digest(data) != sha256:
            raise DocumentMissing(f"stored document {sha256} is damaged (its bytes no longer match)")
        return data


def store_for(settings: DocumentSettings) -> DocumentStore:
    """S3-compatible storage when a bucket is configured, else the local directory."""
    if settings.s3_bucket:
        return S3DocumentStore(settings.s3_bucket, endpoint_url=settings.s3_endpoint_url,
                               region=settings.s3_region, prefix=settings.s3_prefix)
    return LocalDocumentStore(settings.directory)
