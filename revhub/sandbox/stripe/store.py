"""Objects by type, in creation order, and Stripe's cursor pagination over them."""

from __future__ import annotations

import bisect
import secrets
import threading
from collections.abc import Callable, Iterable
from typing import Any

from revhub.sandbox.stripe import fields
from revhub.sandbox.stripe import params as p
from revhub.sandbox.stripe.errors import StripeError, missing

PREFIXES = {"customer": "cus", "product": "prod", "price": "price", "invoice": "in", "line_item": "il",
            "invoiceitem": "ii", "invoice_payment": "inpay", "payment_intent": "pi", "charge": "ch",
            "balance_transaction": "txn", "refund": "re", "event": "evt", "webhook_endpoint": "we",
            "subscription": "sub", "subscription_item": "si", "payment_method": "pm", "tax_rate": "txr",
            "payout": "po", "dispute": "du"}
KIND_OF_PREFIX = {v: k for k, v in PREFIXES.items()}
LABELS = {"invoice_payment": "invoice payment", "payment_intent": "payment_intent",
          "balance_transaction": "balance transaction", "webhook_endpoint": "webhook endpoint",
          "tax_rate": "tax rate"}


def new_id(kind: str) -> str:
    return f"{PREFIXES[kind]}_{secrets.token_urlsafe(18).replace('-', 'A').replace('_', 'z')[:24]}"


class Collection:
    """One object type: lookups by id and newest-first order with position indexes."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.objects: dict[str, dict[str, Any]] = {}
        self.order: list[str] = []          # oldest first
        self.position: dict[str, int] = {}

    def add(self, obj: dict[str, Any]) -> dict[str, Any]:
        fields.complete(self.kind, obj)
        self.position[obj["id"]] = len(self.order)
        self.order.append(obj["id"])
        self.objects[obj["id"]] = obj
        return obj

    def get(self, object_id: str, param: str = "id") -> dict[str, Any]:
        obj = self.objects.get(object_id)
        if obj is None:
            raise missing(LABELS.get(self.kind, self.kind), object_id, param)
        return obj

    def remove(self, object_id: str) -> None:
        # Deleted objects leave the list but keep their position slot (indexes stay valid).
        self.objects.pop(object_id, None)

    def page(self, query: dict[str, Any], url: str, keep: Callable[[dict], bool] | None = None,
             among: list[str] | None = None) -> dict[str, Any]:
        """A list page exactly as Stripe shapes it: newest first, ``limit``/``starting_after``/``ending_before``.

        ``among``: the only ids that can match (oldest first), when the caller holds them
        indexed (a payout's balance transactions): the page is read from them instead of
        from the whole collection, with the same cursors (any id of the collection)."""
        limit = p.integer(query, "limit", minimum=1, maximum=100, default=10)
        after, before = query.get("starting_after"), query.get("ending_before")
        if after and before:
            raise StripeError(400, "You may only specify one of these parameters: ending_before, starting_after.",
                              param="ending_before")
        created = _created_filter(query)
        ids = self.order if among is None else among

        def wanted(object_id: str) -> dict | None:
            obj = self.objects.get(object_id)
            if obj is None or (created and not created(obj.get("created", 0))) or (keep and not keep(obj)):
                return None
            return obj

        data: list[dict] = []
        has_more = False
        if before:
            i = self._first_newer(before, "ending_before", among)
            while i < len(ids):  # newer objects, nearest first
                obj = wanted(ids[i])
                if obj is not None:
                    if len(data) == limit:
                        has_more = True
                        break
                    data.append(obj)
                i += 1
            data.reverse()
        else:
            i = (self._first_newer(after, "starting_after", among, strictly=False) - 1) if after else len(ids) - 1
            while i >= 0:
                obj = wanted(ids[i])
                if obj is not None:
                    if len(data) == limit:
                        has_more = True
                        break
                    data.append(obj)
                i -= 1
        return {"object": "list", "data": data, "has_more": has_more, "url": url}

    def _anchor(self, object_id: str, param: str) -> int:
        if object_id not in self.position or object_id not in self.objects:
            raise missing(LABELS.get(self.kind, self.kind), object_id, param)
        return self.position[object_id]

    def _first_newer(self, object_id: str, param: str, among: list[str] | None, strictly: bool = True) -> int:
        """Index in ``among`` (or in the whole order) of the first id created after the anchor
        (``strictly=False``: of the anchor itself, or the first after it)."""
        at = self._anchor(object_id, param)
        if among is None:
            return at + 1 if strictly else at
        find = bisect.bisect_right if strictly else bisect.bisect_left
        return find(among, at, key=self.position.__getitem__)


def _created_filter(query: dict[str, Any]) -> Callable[[int], bool] | None:
    created = query.get("created")
    if created is None:
        return None
    if isinstance(created, str):
        exact = p.integer(query, "created")
        return lambda ts: ts == exact
    if not isinstance(created, dict):
        raise StripeError(400, "Invalid created filter", param="created")
    bounds = {}
    for op in created:
        if op not in ("gt", "gte", "lt", "lte"):
            raise StripeError(400, f"Received unknown parameter: created[{op}]", code="parameter_unknown",
                              param=f"created[{op}]")
        bounds[op] = p.integer(created, op)
    return lambda ts: (("gt" not in bounds or ts > bounds["gt"]) and ("gte" not in bounds or ts >= bounds["gte"])
                       and ("lt" not in bounds or ts < bounds["lt"]) and ("lte" not in bounds or ts <= bounds["lte"]))


class Store:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.collections = {kind: Collection(kind) for kind in PREFIXES}
        # Values that must be unique across a collection (invoice numbers, attached payment
        # intents), kept as sets so a seeded 50k-invoice account is not checked by scanning.
        self.taken: dict[str, set[str]] = {}

    def __getitem__(self, kind: str) -> Collection:
        return self.collections[kind]

    def find(self, object_id: str) -> dict[str, Any] | None:
        kind = KIND_OF_PREFIX.get(object_id.split("_", 1)[0])
        return self.collections[kind].objects.get(object_id) if kind else None

    def clear(self) -> None:
        self.collections = {kind: Collection(kind) for kind in PREFIXES}
        self.taken = {}

    def is_taken(self, key: str, value: str) -> bool:
        return value in self.taken.get(key, ())

    def take(self, key: str, value: str) -> None:
        self.taken.setdefault(key, set()).add(value)

    def all(self, kind: str) -> Iterable[dict[str, Any]]:
        return list(self.collections[kind].objects.values())
