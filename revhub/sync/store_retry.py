"""More tries for a transaction whose database connection dropped under it, or that lost a
race for a unique key to another process."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

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


# Unique keys two processes can each claim at once, neither seeing the other's uncommitted row:
# a pull linking a record it found while the outbox links the copy it has just written there;
# two systems' pulls each creating the record their natural key names (a product's SKU from
# Salesforce and from Stripe, a PO's number, an invoice's number). The loser's transaction is
# refused whole; run again, it reads the winner's row or link and matches or uses it.
RACED_KEYS = frozenset({"uq_links_entity_canonical_id_system", "uq_links_entity_system_external_id",
                        "uq_products_sku", "uq_purchase_orders_customer_id_po_number",
                        "uq_invoices_customer_id_number"})
RACE_ATTEMPTS = 3


def raced_key(exc: BaseException) -> str | None:
    """The name of the raced unique key ``exc`` violates, or None for any other error.

    Only PostgreSQL names the constraint; SQLite cannot race here (a writer holds its one write
    lock from its first read), so a violation there is a bug to raise, not a race to retry."""
    if not isinstance(exc, IntegrityError):
        return None
    name = getattr(getattr(getattr(exc, "orig", None), "diag", None), "constraint_name", None)
    return name if name in RACED_KEYS else None


def retrying_races(step: Callable[[], T], what: str) -> T:
    """Run ``step`` (one whole transaction that reads what it writes from), again when another
    process committed a raced unique key first (up to ``RACE_ATTEMPTS`` in all). The last
    failure is raised."""
    for attempt in range(1, RACE_ATTEMPTS):
        try:
            return step()
        except IntegrityError as exc:
            key = raced_key(exc)
            if key is None:
                raise
            log.warning("%s: another process wrote %s first (try %d of %d); reading it and trying again",
                        what, key, attempt, RACE_ATTEMPTS)
    return step()
