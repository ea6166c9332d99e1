"""What a pusher is given and what it answers: one item per outbox message."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class WriteItem:
    message_id: int
    idempotency_key: str
    operation: str                       # upsert | delete
    entity: str
    record_id: uuid.UUID
    version: int
    record: dict[str, Any]               # canonical fields, JSON-ready, children included
    external_id: str | None              # the record's id in the target system, if linked
    base: dict[str, Any] | None          # what the target was last sent or seen with
    refs: dict[str, str | None] = field(default_factory=dict)        # e.g. "customer" -> target id
    related: dict[str, dict[str, Any]] = field(default_factory=dict)  # e.g. "customer" -> its record


@dataclass
class WriteResult:
    message_id: int
    status: str                          # sent | retry | dead | skipped
    external_id: str | None = None
    error: str | None = None
    retry_after: float | None = None
    links: list[tuple[str, uuid.UUID, str]] = field(default_factory=list)  # extra (entity, id, external id)
    pushed: dict[str, Any] | None = None  # the canonical state the target now has
    notices: list[dict[str, Any]] = field(default_factory=list)  # exception-queue entries: kind, message, payload


class Pusher(Protocol):
    """A provider's write-back: batches to the provider's limits, one result per item."""

    def push(self, entity: str, items: list[WriteItem]) -> list[WriteResult]:
        ...

    def describe(self, entity: str, item: WriteItem) -> dict[str, Any]:
        """The provider payload this item would send (for the dry run)."""
        ...


def push_in_batches(items: list[WriteItem], size: int,
                    handler: Callable[[list[WriteItem]], list[WriteResult]]) -> list[WriteResult]:
    """``items`` through ``handler`` ``size`` at a time (a provider's batch limit). A batch whose
    call failed as a whole fails alone: retried later when the error is retriable, dead
    otherwise; the other batches stand."""
    from revhub.connectors.errors import ConnectorError, RetriableError

    results: list[WriteResult] = []
    for start in range(0, len(items), size):
        batch = items[start:start + size]
        try:
            results += handler(batch)
        except RetriableError as exc:
            results += [WriteResult(i.message_id, "retry", error=str(exc), retry_after=exc.retry_after)
                        for i in batch]
        except ConnectorError as exc:
            results += [WriteResult(i.message_id, "dead", error=str(exc)) for i in batch]
    return results
