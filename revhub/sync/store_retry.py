"""More tries for a transaction whose database connection dropped under it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import InterfaceError, OperationalError

log = logging.getLogger(__name__)
T = TypeVar("T")
# What a terminated backend, a pooler restart or a failover raises mid-transaction.
DROPPED = (OperationalError, InterfaceError)
ATTEMPTS = 3


def reconnecting(step: Callable[[], T], what: str) -> T:
    """Run ``step`` (one whole transaction), again if the store dropped the connection under it
    (up to ``ATTEMPTS`` in all): the transaction rolled back whole, and the pool hands out a
    fresh connection. Steps are idempotent, so a commit that went through before the drop is
    harmless to redo. The last failure is raised."""
    for _ in range(ATTEMPTS - 1):
        try:
            return step()
        except DROPPED as exc:
            log.warning("%s: the store connection failed (%s); trying the transaction again", what,
                        getattr(exc, "orig", None) or exc)
    return step()
