"""The sandbox's record of its Accounting calls with their bodies, so tests can hold what the
hub sent and what the sandbox answered to xero-python's models."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from flask import Request, Response

EXCHANGES_KEPT = 2000
EXCHANGE_BODY_LIMIT = 1024 * 1024  # larger answers are logged without their body


@dataclass(frozen=True)
class Exchange:
    """One Accounting API call as the sandbox saw it: what was sent and what it answered."""

    method: str
    path: str
    query: str
    request_body: bytes
    status: int
    content_type: str
    response_body: bytes | None


class ExchangeLog:
    """The last ``EXCHANGES_KEPT`` calls, oldest first; safe across request threads."""

    def __init__(self) -> None:
        self._items: deque[Exchange] = deque(maxlen=EXCHANGES_KEPT)
        self._lock = threading.Lock()

    def record(self, request: Request, response: Response) -> None:
        """Keep one answered call (its answer's body only when small enough)."""
        body = None if response.direct_passthrough else response.get_data()
        exchange = Exchange(
            request.method,
            request.path,
            request.query_string.decode(),
            request.get_data(cache=True),
            response.status_code,
            response.content_type or "",
            body if body is not None and len(body) <= EXCHANGE_BODY_LIMIT else None,
        )
        with self._lock:
            self._items.append(exchange)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __iter__(self) -> Iterator[Exchange]:
        with self._lock:
            return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)
