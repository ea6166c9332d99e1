"""StripeConnector: full lists and the Events API into canonical changes."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from itertools import groupby, islice
from typing import Any

from revhub.connectors.base import Change, Page
from revhub.connectors.stripe import balance, disputes, normalize
from revhub.connectors.stripe.balance_reads import StripeBalanceReader
from revhub.connectors.stripe.client import NotFound, StripeAPI, retry_policy
from revhub.connectors.stripe.streams import ENTITY_OF_EVENT, STREAMS, StripeStream
from revhub.connectors.timeouts import call_timeout

PAGE_LIMIT = 100
EVENT_BATCH = 500
# How long before its charge an invoice payment may have been created (invoice attempted).
ALLOCATION_LEAD_S = 86400
# Stripe keeps events for 30 days; a cursor without an event to look up is trusted one day less.
EVENT_RETENTION_S = 30 * 86400


_RANKS = {
    "invoice": {"draft": 0, "open": 1, "uncollectible": 2, "paid": 3, "void": 3},
    "payment": {"pending": 0, "failed": 1, "succeeded": 2},
    "refund": {"pending": 0, "requires_action": 0, "succeeded": 1, "failed": 1, "canceled": 1},
    "payout": {"pending": 0, "in_transit": 1, "paid": 2, "failed": 2, "canceled": 2},
    "subscription": {"incomplete": 0, "trialing": 1, "active": 2, "past_due": 3, "unpaid": 4,
                     "paused": 4, "canceled": 5, "incomplete_expired": 5},
    "dispute": disputes.RANKS,
}


def version(entity: str, created: int, obj: dict[str, Any]) -> str:
    """Stripe's order of changes to an object: when (1 s resolution), then how far along.

    Objects have no "updated" timestamp and several events share a second, so the object's
    state breaks ties: a paid invoice is never older than the same invoice open, and more
    paid or refunded is newer than less.
    """
    return versions_at(entity, created)(obj)


def versions_at(entity: str, created: int) -> Callable[[dict[str, Any]], str]:
    """``version`` for the objects of one list, which share ``created`` (the list's anchor): the
    time's part and the entity's ranks are worked out once, not per object."""
    prefix = "%010d." % int(created)
    ranks = _RANKS.get(entity, {})

    def version_of(obj: dict[str, Any]) -> str:
        if obj.get("deleted"):
            return prefix + _DELETED
        rank = ranks.get(obj.get("status") or "", 0)
        progress = obj.get("amount_paid") or obj.get("amount_refunded") or 0
        return "%s%02d.%016d" % (prefix, rank, int(progress))

    return version_of


_DELETED = "%02d.%016d" % (9, 0)  # a deletion ranks after every state of the same second


class StripeConnector(StripeBalanceReader):
    provider = "stripe"
    streams = STREAMS

    def __init__(self, api: StripeAPI, name: str = "stripe") -> None:
        self.api, self.name = api, name

    @classmethod
    def from_connection(cls, name: str, credentials: dict[str, Any], settings: dict[str, Any]) -> StripeConnector:
        if not credentials.get("api_key"):
            from revhub.connectors.errors import ConfigError

            raise ConfigError("connection has no api_key credential", provider="stripe")
        api = StripeAPI(credentials["api_key"], settings.get("base_url"),
                        timeout=call_timeout(settings), retry=retry_policy(settings),
                        requests_per_second=settings.get("requests_per_second"))
        return cls(api, name)

    # -- pulling -------------------------------------------------------------------
    def pull(self, entity: str, cursor: dict[str, Any] | None, full: bool = False) -> Iterator[Page]:
        """Everything (first run, ``full``, or expired events), else the events since ``cursor``."""
        stream = STREAMS[entity]
        if entity == "fee":
            yield from self._list_fees(cursor, full)
        elif full or not cursor:
            yield from self._list(stream, None, note="full list" if full else None)
        elif cursor.get("mode") == "listing":
            yield from self._list(stream, cursor, note="resumed an interrupted full list")
        elif cursor.get("event_id") and not self._event_exists(cursor["event_id"]):
            yield from self._list(stream, None, note=(
                f"events since {normalize.iso_datetime(cursor.get('created'))} are past Stripe's "
                f"30-day retention (cursor event {cursor['event_id']} is gone): full re-list"))
        elif not cursor.get("event_id") and time.time() - cursor.get("listed_at", 0) > EVENT_RETENTION_S - 86400:
            yield from self._list(stream, None, note=(
                "the account had no events when last listed, and that was close to Stripe's 30-day "
                "retention ago: full re-list"))
        else:
            yield from self._events(stream, cursor)

    def _event_exists(self, event_id: str) -> bool:
        try:
            self.api.get(f"/v1/events/{event_id}", "event")
            return True
        except NotFound:
            return False

    def _newest_event(self) -> dict[str, Any]:
        body = self.api.get("/v1/events", "event", limit=1)
        if body["data"]:
            newest = body["data"][0]
            return {"event_id": newest["id"], "created": newest["created"]}
        # No event to anchor on: walk every kept event next time (none can predate the list),
        # and remember when, since there is no event whose expiry would reveal a gap.
        return {"event_id": None, "created": 0, "listed_at": int(time.time())}

    def _list(self, stream: StripeStream, resume: dict[str, Any] | None, note: str | None) -> Iterator[Page]:
        # The anchor is taken before listing: whatever happens during the list is in later events.
        calls = self.api.calls
        anchor = resume["anchor"] if resume else self._newest_event()
        starting_after = resume.get("starting_after") if resume else None
        created = anchor["created"]
        # One paged read of all invoice payments beats one look-up per charge.
        allocations = self._all_allocations() if stream.entity == "payment" else None
        while True:
            params: dict[str, Any] = {"limit": PAGE_LIMIT}
            if stream.expand:
                params["expand"] = list(stream.expand)
            if starting_after:
                params["starting_after"] = starting_after
            body = self.api.get(stream.path, stream.entity, **params)
            data = body["data"]
            changes = self._changes(stream, data, versions_at(stream.entity, created),
                                    allocations=allocations)
            done = not body["has_more"] or not data
            starting_after = data[-1]["id"] if data else starting_after
            cursor = anchor if done else {"mode": "listing", "anchor": anchor, "starting_after": starting_after}
            yield Page(changes, cursor, api_calls=self.api.calls - calls, note=note)
            calls = self.api.calls
            if done:
                return

    def _events(self, stream: StripeStream, cursor: dict[str, Any]) -> Iterator[Page]:
        calls = self.api.calls
        params: dict[str, Any] = {"limit": PAGE_LIMIT, "types": list(stream.event_types)}
        pages: list[list[dict[str, Any]]] = []
        if cursor.get("event_id"):
            # Forward from the cursor's event: exactly the events after it, however many share
            # its second (https://docs.stripe.com/api/pagination, ending_before).
            params["ending_before"] = cursor["event_id"]
            while True:
                body = self.api.get("/v1/events", "event", **params)
                pages.append(list(reversed(body["data"])))  # each page oldest first
                if not body["has_more"] or not body["data"]:
                    break
                params["ending_before"] = body["data"][0]["id"]
            events = [e for page in pages for e in page]
        else:
            params["created"] = {"gte": cursor["created"]}
            while True:
                body = self.api.get("/v1/events", "event", **params)
                pages.append(body["data"])
                if not body["has_more"] or not body["data"]:
                    break
                params["starting_after"] = body["data"][-1]["id"]
            events = [e for page in pages for e in page]
            events.reverse()  # oldest first
        events = [e for e in events if e["id"] != cursor.get("event_id")]
        if not events:
            yield Page([], cursor, api_calls=self.api.calls - calls)
            return
        newest = {"event_id": events[-1]["id"], "created": events[-1]["created"]}
        for start in range(0, len(events), EVENT_BATCH):
            batch = events[start:start + EVENT_BATCH]
            last = start + EVENT_BATCH >= len(events)
            # Events arrive newest first, so the cursor moves only once the whole walk is applied.
            yield Page(self.changes_from_events(batch), newest if last else cursor,
                       api_calls=self.api.calls - calls)
            calls = self.api.calls

    def changes_from_events(self, events: list[dict[str, Any]]) -> list[Change]:
        """Canonical changes from Stripe events (one entity's types, oldest first)."""
        changes: list[Change] = []
        for entity, group in groupby(events, key=lambda e: ENTITY_OF_EVENT.get(e["type"])):
            if entity is None:
                continue
            group = list(group)
            stream = STREAMS[entity]
            objects = [e["data"]["object"] for e in group]
            created = {id(e["data"]["object"]): e["created"] for e in group}
            deleted = {id(e["data"]["object"]) for e in group
                       if e["type"].endswith(".deleted") and entity != "subscription"}

            def version_of(obj, entity=entity, created=created):
                return version(entity, created[id(obj)], obj)

            changes.extend(self._changes(stream, objects, version_of, deleted, seen_at=created))
        return changes

    # -- normalizing -----------------------------------------------------------------
    def _changes(self, stream: StripeStream, objects: list[dict[str, Any]],
                 version_of: Callable[[dict], str], deleted: set[int] = frozenset(),
                 allocations: dict[str, list] | None = None, seen_at: dict[int, int] | None = None
                 ) -> list[Change]:
        settled: dict[str, list[dict[str, Any]]] = {}
        if stream.entity == "dispute":
            return disputes.changes(self.api, objects, version_of, seen_at or {})
        if stream.entity in ("payment", "refund"):  # what each settled: its balance transaction
            self._expand_balance_transactions(objects)
        if stream.entity == "payment":
            if allocations is None:
                allocations = self._allocations(objects)
        elif stream.entity == "payout":
            settled = self._settled_by_payouts([o for o in objects if not o.get("deleted")])
        changes = []
        for obj in objects:
            gone = id(obj) in deleted or obj.get("deleted") is True
            record = {} if gone else self._normalize(stream.entity, obj, allocations or {}, settled)
            changes.append(Change(stream.entity, obj["id"], version_of(obj), record, deleted=gone,
                                  changed_at=normalize.iso_datetime(obj.get("created")),
                                  origin=(obj.get("metadata") or {}).get("revhub_id")))
        return changes

    def _normalize(self, entity: str, obj: dict[str, Any], allocations: dict[str, list],
                   settled: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
        if entity == "payment":
            record = normalize.payment(obj, allocations.get(obj.get("payment_intent") or "", []))
            if not balance.settled_in_own_currency(obj):
                # A fee in another (settlement) currency, or not known here, is not the payment's:
                # it lives on the canonical fee, in its own currency.
                record.pop("fee_minor", None)
                record.pop("net_minor", None)
            return record
        if entity == "payout":
            return balance.payout(obj, settled.get(obj["id"], []))
        if entity == "fee":
            return balance.fee(obj)
        return getattr(normalize, entity)(obj)

    def _allocations(self, charges: list[dict[str, Any]]) -> dict[str, list[tuple[str, int]]]:
        """payment_intent id → [(invoice id, amount paid)] from Stripe's invoice payments.

        One paged list of the paid invoice payments created around the charges (an invoice
        payment is made when its invoice is attempted, at most a day before the charge), not
        one request per charge; only an intent not found there is looked up on its own (a
        payment that settles no invoice, one attached long before it was charged, or any
        left when the list grew longer than one page per intent).
        https://docs.stripe.com/api/invoice-payment/list
        """
        intents = {c["payment_intent"]: c.get("created") or 0 for c in charges if c.get("payment_intent")}
        if not intents:
            return {}
        window = {"gte": min(intents.values()) - ALLOCATION_LEAD_S, "lte": max(intents.values()) + 60}
        found: dict[str, list[tuple[str, int]]] = {}
        pages = self._pages("/v1/invoice_payments", "payment", status="paid", created=window)
        # A busy window (one webhook's charge on a high-volume account, or charges far apart)
        # is read no further than one page per intent: never dearer than asking one by one.
        for page in islice(pages, len(intents)):
            for p in page:
                intent = (p.get("payment") or {}).get("payment_intent")
                if intent in intents:
                    found.setdefault(intent, []).append((p["invoice"], p.get("amount_paid") or 0))
        for intent in intents.keys() - found.keys():
            body = self.api.get("/v1/invoice_payments", "payment", limit=PAGE_LIMIT,
                                payment={"type": "payment_intent", "payment_intent": intent})
            found[intent] = [(p["invoice"], p.get("amount_paid") or 0) for p in body["data"]
                             if p.get("status") == "paid"]
        return found

    def _all_allocations(self) -> dict[str, list[tuple[str, int]]]:
        found: dict[str, list[tuple[str, int]]] = {}
        params: dict[str, Any] = {"limit": PAGE_LIMIT}
        while True:
            body = self.api.get("/v1/invoice_payments", "payment", **params)
            for p in body["data"]:
                intent = (p.get("payment") or {}).get("payment_intent")
                if intent and p.get("status") == "paid":
                    found.setdefault(intent, []).append((p["invoice"], p.get("amount_paid") or 0))
            if not body["has_more"] or not body["data"]:
                return found
            params["starting_after"] = body["data"][-1]["id"]

    def pusher(self):
        from revhub.connectors.stripe.push import StripePusher

        return StripePusher(self.api)

    # -- fetching --------------------------------------------------------------------
    def fetch(self, entity: str, external_id: str) -> Change | None:
        """The object as Stripe has it now; None when Stripe does not know it."""
        stream = STREAMS[entity]
        params: dict[str, Any] = {}
        if stream.expand:
            params["expand"] = [e.removeprefix("data.") for e in stream.expand]
        try:
            obj = self.api.get(f"{stream.path}/{external_id}", entity, **params)
        except NotFound:
            return None
        now = int(time.time())
        return self._changes(stream, [obj], lambda o: version(entity, now, o))[0]
