"""SalesforceConnector: queryAll on SystemModstamp (with an overlap window) into changes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from revhub.connectors.base import Change, Page, Stream
from revhub.connectors.errors import ConfigError
from revhub.connectors.resilience import RetryPolicy
from revhub.connectors.salesforce import normalize
from revhub.connectors.salesforce.client import NotFound, SalesforceAPI, soql_datetime
from revhub.connectors.salesforce.settings import API_VERSION
from revhub.connectors.timeouts import call_timeout

AUDIT_FIELDS = ("Id", "IsDeleted", "SystemModstamp")
DEFAULT_OVERLAP_SECONDS = 60


@dataclass(frozen=True)
class SalesforceStream(Stream):
    fields: tuple[str, ...] = ()


def _s(entity: str, sobject: str, fields: str) -> SalesforceStream:
    return SalesforceStream(entity=entity, remote=sobject, primary_key="Id", cursor_field="SystemModstamp",
                            sorted=True, fields=AUDIT_FIELDS + tuple(fields.split()))


STREAMS: dict[str, SalesforceStream] = {s.entity: s for s in (
    _s("customer", "Account", "Name Billing_Email__c Tax_Id__c BillingStreet BillingCity BillingState "
                              "BillingPostalCode BillingCountry"),
    _s("contact", "Contact", "AccountId FirstName LastName Email Title"),
    _s("product", "Product2", "Name ProductCode IsActive"),
    _s("purchase_order", "Purchase_Order__c",
       "Name Account__c PO_Number__c Issue_Date__c CurrencyIsoCode Amount__c Status__c "
       "Subscription_Start__c Subscription_End__c Payment_Terms__c Revhub_Id__c"),
)}
LINE_FIELDS = ("Id IsDeleted Purchase_Order__c Product__c Description__c Quantity__c Unit_Price__c Total_Price__c "
               "Tax_Code__c Tax_Amount__c")


_RECORD_ID = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class SalesforceConnector:
    provider = "salesforce"
    streams = STREAMS

    def __init__(self, api: SalesforceAPI, name: str = "salesforce",
                 overlap_seconds: int = DEFAULT_OVERLAP_SECONDS) -> None:
        self.api, self.name, self.overlap_ms = api, name, overlap_seconds * 1000

    @classmethod
    def from_connection(cls, name: str, credentials: dict[str, Any], settings: dict[str, Any],
                        save: Callable[[dict[str, Any]], None]) -> SalesforceConnector:
        if not settings.get("instance_url"):
            raise ConfigError("connection has no instance_url setting", provider="salesforce")
        retry = RetryPolicy(attempts=int(settings.get("retry_attempts", RetryPolicy.attempts)),
                            max_backoff_seconds=float(settings.get("retry_max_backoff_seconds", 60)))
        api = SalesforceAPI(credentials, settings["instance_url"], save=save,
                            token_url=settings.get("token_url"), ca_bundle=settings.get("ca_bundle"),
                            version=settings.get("api_version", API_VERSION),
                            timeout=call_timeout(settings), retry=retry)
        return cls(api, name, int(settings.get("overlap_seconds", DEFAULT_OVERLAP_SECONDS)))

    def pull(self, entity: str, cursor: dict[str, Any] | None, full: bool = False) -> Iterator[Page]:
        """Records (deleted ones included) changed since the cursor, in (SystemModstamp, Id) order.

        One query per run, read batch by batch through ``nextRecordsUrl`` (a server-side
        snapshot, so records sharing a timestamp cannot fall between pages). The lower bound is
        the cursor less an overlap window, because SystemModstamp is taken when a transaction
        starts and a slow transaction can commit a stamp older than one already read; records
        read twice come back unchanged.
        """
        stream = STREAMS[entity]
        soql = f"SELECT {', '.join(stream.fields)} FROM {stream.remote}"
        if cursor and not full and cursor.get("modstamp_ms") is not None:
            soql += f" WHERE SystemModstamp >= {soql_datetime(max(0, cursor['modstamp_ms'] - self.overlap_ms))}"
        soql += " ORDER BY SystemModstamp ASC, Id ASC"
        calls = self.api.calls
        body = self.api.query_page(soql)
        position = dict(cursor or {}) if not full else {}
        seen: set[str] = set()
        while True:
            records = body.get("records") or []
            changes = self._changes(stream, records)
            seen.update(r["Id"] for r in records)
            if records:
                last = records[-1]
                position = {**position, "modstamp_ms": int(normalize.version(last)), "id": last["Id"]}
            yield Page(changes, position, api_calls=self.api.calls - calls)
            calls = self.api.calls
            if body.get("done", True) or not body.get("nextRecordsUrl"):
                break
            body = self.api.query_page(body["nextRecordsUrl"], next_url=True)
        if entity == "purchase_order" and cursor and not full and cursor.get("modstamp_ms") is not None:
            yield from self._line_changes(cursor, position, seen)

    def _line_changes(self, cursor: dict[str, Any], position: dict[str, Any], seen: set[str]) -> Iterator[Page]:
        """The POs whose lines changed since the cursor while the PO itself did not.

        Editing a detail record leaves its master's SystemModstamp alone (only a roll-up summary
        recalculation moves it), so lines have their own cursor, with the same overlap window.
        """
        since = cursor.get("lines_modstamp_ms", cursor["modstamp_ms"])
        calls = self.api.calls
        rows = self.api.query_all_rows(
            f"SELECT Id, Purchase_Order__c, SystemModstamp FROM Purchase_Order_Line__c "
            f"WHERE SystemModstamp >= {soql_datetime(max(0, since - self.overlap_ms))} "
            f"ORDER BY SystemModstamp ASC, Id ASC")
        if not rows:
            return
        parents = sorted({r["Purchase_Order__c"] for r in rows if r.get("Purchase_Order__c")} - seen)
        stream = STREAMS["purchase_order"]
        records = []
        for start in range(0, len(parents), 200):
            ids = ", ".join(_quote(i) for i in parents[start:start + 200])
            records += self.api.query_all_rows(f"SELECT {', '.join(stream.fields)} FROM {stream.remote} "
                                               f"WHERE Id IN ({ids}) ORDER BY SystemModstamp ASC, Id ASC")
        newest = max(int(normalize.version(r)) for r in rows)
        yield Page(self._changes(stream, records), {**position, "lines_modstamp_ms": newest},
                   api_calls=self.api.calls - calls)

    def _changes(self, stream: SalesforceStream, records: list[dict[str, Any]]) -> list[Change]:
        lines = self._lines([r["Id"] for r in records if not r.get("IsDeleted")]) \
            if stream.entity == "purchase_order" and records else {}
        changes = []
        for record in records:
            deleted = bool(record.get("IsDeleted"))
            if deleted:
                body: dict[str, Any] = {}
            elif stream.entity == "purchase_order":
                body = normalize.purchase_order(record, lines.get(record["Id"], []))
            else:
                body = getattr(normalize, stream.entity)(record)
            stamp = normalize.parse_timestamp(record.get("SystemModstamp"))
            # A PO revhub created carries its revhub id: its echo links to that record directly.
            changes.append(Change(stream.entity, record["Id"], normalize.version(record), body,
                                  deleted=deleted, changed_at=stamp.isoformat() if stamp else None,
                                  origin=record.get("Revhub_Id__c") or None))
        return changes

    def _lines(self, po_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = {}
        for start in range(0, len(po_ids), 500):
            ids = ", ".join(_quote(i) for i in po_ids[start:start + 500])
            soql = (f"SELECT {', '.join(LINE_FIELDS.split())} FROM Purchase_Order_Line__c "
                    f"WHERE Purchase_Order__c IN ({ids}) ORDER BY Purchase_Order__c ASC, Id ASC")
            body = self.api.query_page(soql)
            while True:
                for line in body.get("records") or []:
                    if not line.get("IsDeleted"):
                        found.setdefault(line["Purchase_Order__c"], []).append(line)
                if body.get("done", True) or not body.get("nextRecordsUrl"):
                    break
                body = self.api.query_page(body["nextRecordsUrl"], next_url=True)
        return found

    def pusher(self):
        from revhub.connectors.salesforce.push import SalesforcePusher

        return SalesforcePusher(self.api)

    def fetch(self, entity: str, external_id: str) -> Change | None:
        """The record as Salesforce has it now (deleted ones included); None when unknown."""
        stream = STREAMS[entity]
        soql = f"SELECT {', '.join(stream.fields)} FROM {stream.remote} WHERE Id = {_quote(external_id)}"
        try:
            records = self.api.query_page(soql).get("records") or []
        except NotFound:
            return None
        return self._changes(stream, records)[0] if records else None

    def fetch_many(self, entity: str, external_ids: list[str]) -> dict[str, Change]:
        """Several records in one query, by id; ids Salesforce does not know (or that are not
        record ids at all) are absent from the answer. Inbound events are coalesced into these.
        https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_comparisonoperators.htm"""
        stream = STREAMS[entity]
        # One malformed id would fail the whole query (MALFORMED_QUERY); it cannot name a record.
        ids = [i for i in dict.fromkeys(external_ids) if _RECORD_ID.fullmatch(i)]
        if not ids:
            return {}
        soql = (f"SELECT {', '.join(stream.fields)} FROM {stream.remote} "
                f"WHERE Id IN ({', '.join(_quote(i) for i in ids)})")
        try:
            records = self.api.query_all_rows(soql)
        except NotFound:
            return {}
        # Keyed as asked: a 15-character id is the case-sensitive prefix of the 18-character one.
        found = {change.external_id[:15]: change for change in self._changes(stream, records)}
        return {i: found[i[:15]] for i in ids if i[:15] in found}
