"""The one small interface every provider connector implements.

A connector turns a provider's API into pages of :class:`Change` (canonical field values,
already normalized) and takes canonical writes back out. Everything about the store —
links, merge, conflicts, audit, outbox — lives in ``revhub.sync``, written once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Ref:
    """A reference to another record by its id in the same system (resolved through links)."""

    entity: str
    external_id: str


@dataclass(frozen=True)
class Stream:
    """One entity as a provider serves it: declared as data, run by one generic loop."""

    entity: str                 # canonical entity name: customer, invoice, ...
    remote: str                 # provider object / endpoint name
    primary_key: str            # provider field holding the id
    cursor_field: str | None    # provider field ordering changes, if any
    sorted: bool                # changes arrive in cursor order (cursor may move per page)


@dataclass
class Change:
    """One record as a system has it now (or its deletion), in canonical fields.

    ``remote_version`` orders the system's changes to the record: strings that compare in
    time order (ISO timestamps, or zero-padded epoch seconds plus a tie-breaker).
    ``record`` values are JSON-ready (ISO dates, integer minor units) or :class:`Ref`;
    lists of dicts hold child rows (``lines``, ``allocations``).
    """

    entity: str
    external_id: str
    remote_version: str
    record: dict[str, Any] = field(default_factory=dict)
    deleted: bool = False
    changed_at: str | None = None
    # The canonical id revhub stamped on the system's copy when revhub wrote it (Stripe
    # metadata.revhub_id): the echo of revhub's own write links to that record directly.
    origin: str | None = None


@dataclass
class Page:
    """Changes plus the cursor that is safe to store once they are applied."""

    changes: list[Change]
    cursor: dict[str, Any]
    api_calls: int = 1
    note: str | None = None


class Connector(Protocol):
    """What ``revhub.sync`` needs from a provider."""

    provider: str
    streams: dict[str, Stream]

    def pull(self, entity: str, cursor: dict[str, Any] | None, full: bool = False) -> Iterator[Page]:
        """Pages of changes since ``cursor`` (everything when ``full`` or no cursor)."""
        ...

    def fetch(self, entity: str, external_id: str) -> Change | None:
        """The record as the provider has it now; None when it does not exist."""
        ...
