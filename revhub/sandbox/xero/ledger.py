"""The write context every resource handler gets: the tenant's books, the time of the write,
and the one place a record is saved (which stamps ``UpdatedDateUTC`` and raises webhook
events for the resources Xero has webhooks for)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from revhub.sandbox.xero.store import Record, TenantData

# (tenant, resource, record, created) -> None
ChangeListener = Callable[[TenantData, str, Record, bool], None]
# Resources whose model has no UpdatedDateUTC: the sandbox keeps the time to itself.
UNDATED = frozenset({"TaxRates", "BankTransfers"})


class Write:
    """One request's (or one loaded record's) view of a tenant's books."""

    def __init__(
        self, books: TenantData, stamp: float, on_change: ChangeListener | None = None
    ) -> None:
        self.books = books
        self.stamp = stamp
        self.now = datetime.fromtimestamp(stamp, UTC)
        self.unit_dp = 2  # 4 when the request says unitdp=4
        self._on_change = on_change

    def save(self, resource: str, record: Record, created: bool) -> None:
        """Persist ``record`` as changed now; it moves to the end of its collection."""
        record.data["_UpdatedDateUTC" if resource in UNDATED else "UpdatedDateUTC"] = self.now
        self.books[resource].save(record, self.stamp)
        if self._on_change is not None:
            self._on_change(self.books, resource, record, created)
