"""HubSpotConnector: the CRM search on hs_lastmodifieddate, walked in time windows under the
search's 10,000-result cap, and the recycling bin read as deletes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from revhub.connectors.base import Change, Page, Stream
from revhub.connectors.errors import FatalError
from revhub.connectors.hubspot import normalize, settings
from revhub.connectors.hubspot.client import HubSpotAPI
from revhub.connectors.hubspot.mapping import (
    COMPANY_PROPERTIES,
    CONTACT_PROPERTIES,
    DEAL_PROPERTIES,
    LINE_PROPERTIES,
)
from revhub.connectors.resilience import RetryPolicy
from revhub.connectors.timeouts import call_timeout

DEFAULT_OVERLAP_SECONDS = 60
MODIFIED = "hs_lastmodifieddate"


@dataclass(frozen=True)
class HubSpotStream(Stream):
    properties: tuple[str, ...] = ()


STREAMS: dict[str, HubSpotStream] = {s.entity: s for s in (
    HubSpotStream("customer", "companies", "id", MODIFIED, True, tuple(COMPANY_PROPERTIES)),
    HubSpotStream("contact", "contacts", "id", MODIFIED, True, tuple(CONTACT_PROPERTIES)),
    HubSpotStream("purchase_order", "deals", "id", MODIFIED, True, tuple(DEAL_PROPERTIES)),
)}


class HubSpotConnector:
    provider = "hubspot"
    streams = STREAMS

    def __init__(self, api: HubSpotAPI, name: str = "hubspot", overlap_seconds: int = DEFAULT_OVERLAP_SECONDS,
                 max_results: int = settings.SEARCH_MAX_RESULTS) -> None:
        self.api, self.name = api, name
        self.overlap_ms, self.max_results = overlap_seconds * 1000, max_results

    @classmethod
    def from_connection(cls, name: str, credentials: dict[str, Any], settings_: dict[str, Any],
                        save: Callable[[dict[str, Any]], None] = lambda changes: None) -> HubSpotConnector:
        retry = RetryPolicy(attempts=int(settings_.get("retry_attempts", RetryPolicy.attempts)),
                            max_backoff_seconds=float(settings_.get("retry_max_backoff_seconds", 60)))
        api = HubSpotAPI(credentials, settings_.get("base_url", "https://api.hubapi.com"), save=save,
                         timeout=call_timeout(settings_), retry=retry,
                         portal=str(settings_["portal_id"]) if settings_.get("portal_id") else None)
        return cls(api, name, int(settings_.get("overlap_seconds", DEFAULT_OVERLAP_SECONDS)),
                   int(settings_.get("search_max_results", settings.SEARCH_MAX_RESULTS)))

    def pull(self, entity: str, cursor: dict[str, Any] | None, full: bool = False) -> Iterator[Page]:
        """Records changed since the cursor in hs_lastmodifieddate order, then the archived ones.

        One search reads at most 10,000 results, so when a window is used up the next one starts
        at the newest stamp read (GTE: records sharing it are read again, and come back
        unchanged). The lower bound is the cursor less an overlap window: HubSpot's search index
        trails its writes by a few seconds.
        """
        stream = STREAMS[entity]
        incremental = bool(cursor) and not full and cursor.get("modified_ms") is not None
        lower = max(0, cursor["modified_ms"] - self.overlap_ms) if incremental else 0
        position = dict(cursor or {}) if not full else {}
        seen: set[str] = set()
        for records, calls in self._search(stream, lower):
            seen.update(r["id"] for r in records)
            if records:
                position = {**position, "modified_ms": normalize.modified_ms(records[-1]), "id": records[-1]["id"]}
            before = self.api.calls
            changes = self._changes(stream, records)
            yield Page(changes, position, api_calls=calls + self.api.calls - before)
        if entity == "purchase_order" and incremental:
            yield from self._line_changes(cursor or {}, position, seen)
        yield from self._archived(stream, position, incremental)

    def _search(self, stream: HubSpotStream, lower: int) -> Iterator[tuple[list[dict], int]]:
        after: str | None = None
        while True:
            body: dict[str, Any] = {
                "filterGroups": [{"filters": [{"propertyName": MODIFIED, "operator": "GTE", "value": str(lower)}]}],
                "sorts": [{"propertyName": MODIFIED, "direction": "ASCENDING"}],
                "properties": list(stream.properties), "limit": settings.SEARCH_PAGE}
            if after:
                body["after"] = after
            calls = self.api.calls
            answer = self.api.search(stream.remote, body, stream.entity)
            records = answer.get("results") or []
            yield records, self.api.calls - calls
            read = int(after or 0) + len(records)
            after = ((answer.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return
            if read + settings.SEARCH_PAGE > self.max_results:
                # This query's results are used up: the next window starts at the newest stamp read.
                newest = normalize.modified_ms(records[-1])
                if newest <= lower:
                    raise FatalError(f"more than {self.max_results} records share one {MODIFIED}",
                                     provider="hubspot", entity=stream.entity)
                lower, after = newest, None

    def _line_changes(self, cursor: dict[str, Any], position: dict[str, Any], seen: set[str]) -> Iterator[Page]:
        """Deals whose line items changed while the deal did not: editing a line item leaves the
        deal's hs_lastmodifieddate alone, so line items have their own cursor."""
        since = max(0, cursor.get("lines_modified_ms", cursor["modified_ms"]) - self.overlap_ms)
        calls = self.api.calls
        lines = [r for records, _ in self._search(HubSpotStream("line", "line_items", "id", MODIFIED, True, ()),
                                                  since) for r in records]
        if not lines:
            return
        parents = self.api.associations("line_items", "deals", [r["id"] for r in lines], "purchase_order")
        deal_ids = sorted({d for ids in parents.values() for d in ids} - seen, key=int)
        deals = self.api.batch_read("deals", deal_ids, list(DEAL_PROPERTIES), "purchase_order") if deal_ids else []
        newest = max(normalize.modified_ms(r) for r in lines)
        changes = self._changes(STREAMS["purchase_order"], deals)
        yield Page(changes, {**position, "lines_modified_ms": newest}, api_calls=self.api.calls - calls)

    def _archived(self, stream: HubSpotStream, position: dict[str, Any], incremental: bool) -> Iterator[Page]:
        """The recycling bin, as deletes: every archived record since the last one seen.
        Search never returns archived records; the list with ``archived=true`` does."""
        since = max(0, position.get("archived_ms", 0) - self.overlap_ms) if incremental else 0
        after, newest, calls = None, position.get("archived_ms", 0), self.api.calls
        changes: list[Change] = []
        while True:
            answer = self.api.list_archived(stream.remote, ["hs_object_id"], stream.entity, after)
            for record in answer.get("results") or []:
                stamp = normalize.modified_ms(record)
                if stamp >= since:
                    changes.append(Change(stream.entity, record["id"], normalize.version(record), {}, deleted=True,
                                          changed_at=normalize.changed_at(record)))
                    newest = max(newest, stamp)
            after = ((answer.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                break
        yield Page(changes, {**position, "archived_ms": newest}, api_calls=self.api.calls - calls)

    def _changes(self, stream: HubSpotStream, records: list[dict]) -> list[Change]:
        ids = [r["id"] for r in records]
        if not ids:
            return []
        out = []
        if stream.entity == "customer":
            bodies = {r["id"]: normalize.customer(r) for r in records}
        elif stream.entity == "contact":
            companies = self.api.associations("contacts", "companies", ids, "contact")
            bodies = {r["id"]: normalize.contact(r, _first(companies.get(r["id"]))) for r in records}
        else:
            bodies = self._purchase_orders(records)
        for record in records:
            if record["id"] not in bodies:
                continue
            out.append(Change(stream.entity, record["id"], normalize.version(record), bodies[record["id"]],
                              changed_at=normalize.changed_at(record),
                              origin=(record.get("properties") or {}).get("revhub_id") or None))
        return out

    def _purchase_orders(self, deals: list[dict]) -> dict[str, dict[str, Any]]:
        ids = [d["id"] for d in deals]
        companies = self.api.associations("deals", "companies", ids, "purchase_order")
        line_ids = self.api.associations("deals", "line_items", ids, "purchase_order")
        wanted = [i for ids_ in line_ids.values() for i in ids_]
        lines = {r["id"]: r for r in self.api.batch_read("line_items", wanted, LINE_PROPERTIES, "purchase_order")} \
            if wanted else {}
        return {d["id"]: normalize.purchase_order(d, _first(companies.get(d["id"])),
                                                  [lines[i] for i in line_ids.get(d["id"], []) if i in lines])
                for d in deals}

    def fetch(self, entity: str, external_id: str) -> Change | None:
        """The record as HubSpot has it now (an archived one as a delete); None when unknown."""
        stream = STREAMS[entity]
        record = self.api.get(stream.remote, external_id, list(stream.properties), entity)
        if record is not None:
            return self._changes(stream, [record])[0]
        archived = self.api.get(stream.remote, external_id, ["hs_object_id"], entity, archived=True)
        if archived is None:
            return None
        return Change(entity, external_id, normalize.version(archived), {}, deleted=True,
                      changed_at=normalize.changed_at(archived))

    def pusher(self):
        from revhub.connectors.hubspot.push import HubSpotPusher

        return HubSpotPusher(self.api)


def _first(ids: list[str] | None) -> str | None:
    return ids[0] if ids else None
