"""One QuickBooks company (realm): its objects by type, ids, SyncTokens, change log and tombstones.

QBO ids are small decimal strings unique per realm; every write bumps ``SyncToken`` and
``MetaData.LastUpdatedTime``; a deleted object leaves only a tombstone that the CDC endpoint
reports as ``{"Id": ..., "status": "Deleted"}``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime

from revhub.sandbox.quickbooks.faults import not_found, stale

ENTITIES = ("Customer", "Item", "Invoice", "Payment", "CreditMemo", "RefundReceipt", "TaxCode", "TaxRate",
            "Account", "Purchase", "Transfer", "JournalEntry")


def meta_time(epoch: float) -> str:
    """``MetaData`` timestamps as QBO writes them: seconds and the company's UTC offset (UTC here)."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S") + "-00:00"


@dataclass
class Tombstone:
    entity: str
    id: str
    deleted_at: float


@dataclass
class Realm:
    realm_id: str
    name: str
    home_currency: str = "USD"
    objects: dict[str, dict[str, dict]] = field(default_factory=lambda: {e: {} for e in ENTITIES})
    updated: dict[tuple[str, str], float] = field(default_factory=dict)
    tombstones: list[Tombstone] = field(default_factory=list)
    next_id: int = 1
    doc_numbers: dict[str, int] = field(default_factory=lambda: {"Invoice": 1000, "CreditMemo": 1000,
                                                                  "RefundReceipt": 1000})

    def get(self, entity: str, ident: str) -> dict:
        obj = self.objects[entity].get(str(ident))
        if obj is None:
            raise not_found(entity, str(ident))
        return obj

    def find(self, entity: str, ident: str) -> dict | None:
        return self.objects[entity].get(str(ident))

    def insert(self, entity: str, obj: dict, now: float) -> dict:
        ident = str(self.next_id)
        self.next_id += 1
        obj = {**obj, "Id": ident, "SyncToken": "0", "domain": "QBO", "sparse": False,
               "MetaData": {"CreateTime": meta_time(now), "LastUpdatedTime": meta_time(now)}}
        self.objects[entity][ident] = obj
        self.updated[(entity, ident)] = now
        return obj

    def check_token(self, entity: str, ident: str, sync_token) -> dict:
        """The stored object, if ``sync_token`` is its current one (else QBO's 5010 stale error)."""
        current = self.get(entity, ident)
        if sync_token is None or str(sync_token) != current["SyncToken"]:
            raise stale(entity)
        return current

    def replace(self, entity: str, obj: dict, now: float) -> dict:
        current = self.get(entity, obj["Id"])
        obj = {**obj, "SyncToken": str(int(current["SyncToken"]) + 1), "domain": "QBO", "sparse": False,
               "MetaData": {"CreateTime": current["MetaData"]["CreateTime"], "LastUpdatedTime": meta_time(now)}}
        self.objects[entity][obj["Id"]] = obj
        self.updated[(entity, obj["Id"])] = now
        return obj

    def delete(self, entity: str, ident: str, now: float) -> None:
        self.objects[entity].pop(ident)
        self.updated.pop((entity, ident), None)
        self.tombstones.append(Tombstone(entity, ident, now))

    def changed_since(self, entity: str, since: float) -> list[tuple[float, dict]]:
        """Objects and tombstones of ``entity`` changed at or after ``since``, oldest first."""
        found = [(self.updated[(entity, i)], o) for i, o in self.objects[entity].items()
                 if self.updated[(entity, i)] >= since]
        found += [(t.deleted_at, {"domain": "QBO", "status": "Deleted", "Id": t.id,
                                  "MetaData": {"LastUpdatedTime": meta_time(t.deleted_at)}})
                  for t in self.tombstones if t.entity == entity and t.deleted_at >= since]
        return sorted(found, key=lambda pair: (pair[0], int(pair[1]["Id"])))

    def next_number(self, entity: str) -> str:
        self.doc_numbers[entity] += 1
        return str(self.doc_numbers[entity])

    def copy(self, entity: str, ident: str) -> dict:
        return copy.deepcopy(self.get(entity, ident))
