"""What a file is, read from its bytes (never its name): PDF, PNG or JPEG, and nothing else."""

from __future__ import annotations

ALLOWED = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}


class DocumentRefused(ValueError):
    """An upload revhub does not keep; the message says why in words a customer can act on."""

    def __init__(self, reason: str, code: str) -> None:
        super().__init__(reason)
        self.code = code  # a stable key for the portal's translated message


def sniff(data: bytes, *, max_bytes: int) -> str:
    """The content type of ``data`` (one of ALLOWED), or DocumentRefused."""
    if not data:
        raise DocumentRefused("the file is empty", "empty")
    if len(data) > max_bytes:
        raise DocumentRefused(f"the file is {len(data):,} bytes; at most {max_bytes:,} are accepted", "too_large")
    if data.startswith(b"%PDF-"):
        # A PDF ends with %%EOF (an incremental update may add a newline or a few bytes after it):
        # a truncated upload is refused rather than kept as a document nobody can open.
        if b"%%EOF" not in data[-1024:]:
            raise DocumentRefused("the PDF is incomplete (it has no %%EOF end marker)", "truncated")
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        if b"IEND" not in data[-32:]:
            raise DocumentRefused("the PNG image is incomplete (no IEND chunk)", "truncated")
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        if not data.rstrip(b"\x00").endswith(b"\xff\xd9"):
            raise DocumentRefused("the JPEG image is incomplete (no end-of-image marker)", "truncated")
        return "image/jpeg"
    raise DocumentRefused("only PDF documents and PNG or JPEG scans are accepted (checked by content)", "type")
