"""In-memory state of the Xero sandbox: per tenant, one ordered collection per resource.

A collection keeps its records in ``UpdatedDateUTC`` order (an update moves a record to the
end, the sandbox clock only moves forward), so the default list order is free, a page is a
slice by index and ``If-Modified-Since`` is a binary search. Each record caches its rendered
JSON until it changes, so serving a page never re-renders the whole store.

All mutation happens under the sandbox's single lock (``TenantData`` holds no lock itself).
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field

from revhub.sandbox.xero.amounts import unit_amount
from revhub.sandbox.xero.xerojson import dumps

SUMMARY_DROPPED = ("LineItems", "Payments", "CreditNotes", "Allocations")


class Record:
    """One resource: its Xero-shaped ``data`` (Decimal amounts, datetime dates)."""

    __slots__ = ("id", "data", "updated", "_rendered")

    def __init__(self, record_id: str, data: dict, updated: float) -> None:
        self.id, self.data, self.updated = record_id, data, updated
        self._rendered: dict[tuple[bool, int], str] = {}

    def touch(self, updated: float) -> None:
        self.updated = updated
        self._rendered = {}

    def json(self, summary: bool = False, unit_dp: int = 2) -> str:
        """The rendered record; ``summary`` leaves out line items (unpaged multi-record GETs),
        ``unit_dp`` is 4 when the request asked ``unitdp=4``."""
        key = (summary, unit_dp)
        text = self._rendered.get(key)
        if text is None:
            shown = self.shown(unit_dp)
            if summary:
                shown = {k: v for k, v in shown.items() if k not in SUMMARY_DROPPED}
            text = self._rendered[key] = dumps(shown)
        return text

    def shown(self, unit_dp: int = 2) -> dict:
        """What Xero would show: no private ``_`` keys, no empty values (Xero leaves an absent
        ``DueDate`` out rather than sending null), unit prices at ``unit_dp`` places."""
        shown = {k: v for k, v in self.data.items() if not k.startswith("_") and v is not None}
        if unit_dp != 4:
            _round_units(shown)
        return shown


def _round_units(shown: dict) -> None:
    """Unit prices kept at 4 dp appear at 2 dp to a request without ``unitdp=4``."""
    if isinstance(shown.get("LineItems"), list):
        shown["LineItems"] = [
            {**line, "UnitAmount": unit_amount(line["UnitAmount"], 2)}
            if "UnitAmount" in line
            else line
            for line in shown["LineItems"]
        ]
    for details in ("SalesDetails", "PurchaseDetails"):
        if isinstance(shown.get(details), dict) and "UnitPrice" in shown[details]:
            shown[details] = {
                **shown[details],
                "UnitPrice": unit_amount(shown[details]["UnitPrice"], 2),
            }


def _order_key(record: Record) -> tuple[float, str]:
    return record.updated, record.id


class Collection:
    """Records of one resource type, kept in Xero's default order (``UpdatedDateUTC`` then ID:
    records sharing a timestamp page in ID order, not write order), with unique secondary keys."""

    def __init__(self, key_fields: tuple[str, ...] = ()) -> None:
        self._by_id: dict[str, Record] = {}
        self._keys: dict[str, dict[str, str]] = {name: {} for name in key_fields}
        # The keys each record is indexed under now: a record edited in place (a renamed
        # contact) must give up its old name, which its data no longer shows.
        self._held: dict[str, dict[str, str]] = {}
        self._ordered: list[Record] | None = []
        self._stamps: list[float] | None = []

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, record_id: str) -> Record | None:
        return self._by_id.get(record_id.lower())

    def by_key(self, name: str, value: str) -> Record | None:
        """The record whose unique field ``name`` equals ``value`` (case-insensitive)."""
        record_id = self._keys[name].get(value.lower())
        return self._by_id.get(record_id) if record_id else None

    def save(self, record: Record, updated: float) -> None:
        """Insert or re-save ``record``: it becomes the most recently updated one."""
        old = self._by_id.pop(record.id, None)
        self._release(record.id)
        record.touch(updated)
        self._by_id[record.id] = record
        held = self._held[record.id] = {}
        for name, index in self._keys.items():
            value = record.data.get(name)
            if isinstance(value, str) and value:
                index[value.lower()] = record.id
                held[name] = value.lower()
        if old is None and self._ordered is not None and (
                not self._ordered or _order_key(self._ordered[-1]) <= _order_key(record)):
            self._ordered.append(record)
            self._stamps.append(updated)
        else:
            self._ordered = self._stamps = None  # rebuilt on the next read

    def delete(self, record_id: str) -> None:
        """Remove a record for good (only Items can be deleted in Xero)."""
        record = self._by_id.pop(record_id.lower(), None)
        if record is None:
            return
        self._release(record.id)
        self._ordered = self._stamps = None

    def _release(self, record_id: str) -> None:
        for name, key in self._held.pop(record_id, {}).items():
            if self._keys[name].get(key) == record_id:
                del self._keys[name][key]

    def ordered(self) -> list[Record]:
        """All records, oldest update first (the list is shared: do not modify it)."""
        if self._ordered is None:
            self._ordered = sorted(self._by_id.values(), key=_order_key)
            self._stamps = [r.updated for r in self._ordered]
        return self._ordered

    def modified_since(self, stamp: float) -> list[Record]:
        """Records updated at or after ``stamp`` in update order, by binary search."""
        records = self.ordered()
        start = bisect.bisect_left(self._stamps, stamp)
        return records[start:] if start else records


RESOURCES = {
    "Accounts": ("Code",),
    "TaxRates": ("Name",),
    "Contacts": ("ContactNumber", "Name"),
    "Items": ("Code",),
    "Invoices": ("InvoiceNumber",),
    "CreditNotes": ("CreditNoteNumber",),
    "Payments": (),
    "BankTransactions": (),
    "BankTransfers": (),
    "Overpayments": (),
    "ManualJournals": (),
    "PurchaseOrders": ("PurchaseOrderNumber",),
}


@dataclass
class TenantData:
    """One organisation's books."""

    tenant_id: str
    name: str
    collections: dict[str, Collection] = field(
        default_factory=lambda: {name: Collection(keys) for name, keys in RESOURCES.items()}
    )
    sequences: dict[str, itertools.count] = field(default_factory=dict)
    attachments: dict[str, list[dict]] = field(default_factory=dict)  # record id -> files
    files: dict[str, bytes] = field(default_factory=dict)  # attachment id -> content

    def __getitem__(self, resource: str) -> Collection:
        return self.collections[resource]

    def next_number(self, prefix: str, collection: str, key: str) -> str:
        """The next free ``PREFIX-0001`` style number for ``collection``'s ``key`` field."""
        counter = self.sequences.setdefault(prefix, itertools.count(1))
        while True:
            candidate = f"{prefix}-{next(counter):04d}"
            if self.collections[collection].by_key(key, candidate) is None:
                return candidate
