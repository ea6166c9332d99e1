"""The small error hierarchy every connector raises (STYLE.md, habit 6).

Each connector reads its provider's status codes in exactly one place and turns them into
one of these, with the provider, entity, status and request id attached.
"""

from __future__ import annotations


class ConnectorError(Exception):
    def __init__(self, message: str, *, provider: str, entity: str | None = None,
                 status: int | None = None, request_id: str | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.provider, self.entity, self.status = provider, entity, status
        self.request_id, self.retry_after = request_id, retry_after

    def __str__(self) -> str:
        parts = [f"{self.provider}"]
        if self.entity:
            parts.append(self.entity)
        if self.status:
            parts.append(f"HTTP {self.status}")
        if self.request_id:
            parts.append(f"request {self.request_id}")
        return f"{super().__str__()} ({', '.join(parts)})"


class ConfigError(ConnectorError):
    """Credentials or settings are wrong; retrying will not help."""


class RetriableError(ConnectorError):
    """Rate limits, 5xx, timeouts, dropped connections: try again, after ``retry_after`` if given."""


class FatalError(ConnectorError):
    """The provider refused the request for good (validation, permissions, not found)."""


class SkippableRecordError(ConnectorError):
    """One record cannot be normalized; the run goes on and counts it as an error."""
