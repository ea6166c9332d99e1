"""QuickBooksConnector: Change Data Capture within 30 days, a full re-list otherwise.

CDC answers every object of an entity changed since a time at most 30 days back (deletions as
``status: Deleted``), up to 1,000 per entity per call. A first run, a ``full`` run or a cursor
past the window lists the entity with the query language instead, then hands over to CDC from
the time the list began. https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/changedatacapture
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from revhub.connectors.base import Change, Page, Stream
from revhub.connectors.errors import ConfigError, FatalError
from revhub.connectors.quickbooks import normalize
from revhub.connectors.quickbooks.client import NotFound, QuickBooksAPI, QuickBooksAuth
from revhub.connectors.resilience import RetryPolicy
from revhub.connectors.timeouts import call_timeout
from revhub.tax.codes import TAX_CODES

PAGE_SIZE = 1000            # MAXRESULTS ceiling of the query language
CDC_MAX = 1000              # objects per entity in one CDC answer
CDC_WINDOW = timedelta(days=30) - timedelta(hours=1)  # a margin for clocks that differ
# CDC is read up to the answer's own time, less this overlap: a write stamped just before the
# read but committed after it is read again next time (applied as unchanged if seen).
OVERLAP = timedelta(seconds=60)


@dataclass(frozen=True)
class QuickBooksStream(Stream):
    normalizer: Callable[..., dict[str, Any]] = normalize.customer


def _s(entity: str, remote: str, normalizer) -> QuickBooksStream:
    return QuickBooksStream(entity=entity, remote=remote, primary_key="Id", cursor_field="MetaData.LastUpdatedTime",
                            sorted=False, normalizer=normalizer)


STREAMS: dict[str, QuickBooksStream] = {s.entity: s for s in (
    _s("customer", "Customer", normalize.customer),
    _s("product", "Item", normalize.product),
    _s("invoice", "Invoice", normalize.invoice),
    _s("payment", "Payment", normalize.payment),
    _s("refund", "CreditMemo", normalize.refund),
)}


class QuickBooksConnector:
    provider = "quickbooks"
    streams = STREAMS

    def __init__(self, api: QuickBooksAPI, name: str = "quickbooks", settings: dict[str, Any] | None = None) -> None:
        self.api, self.name, self.settings = api, name, dict(settings or {})
        self.po_field_id = str(self.settings.get("po_custom_field_id", normalize.PO_FIELD_ID))
        # Refunds are read from the document the connection books them as (refund_document):
        # credit memos, or refund receipts (money paid back out), so what it writes it reads back.
        if self.settings.get("refund_document") == "RefundReceipt":
            self.streams = {**STREAMS, "refund": _s("refund", "RefundReceipt", normalize.refund)}
        self._tax: tuple[dict[str, str], dict[str, Decimal]] | None = None

    @classmethod
    def from_connection(cls, name: str, credentials: dict[str, Any], settings: dict[str, Any],
                        save: Callable[[dict[str, Any]], None]) -> QuickBooksConnector:
        retry = RetryPolicy(max_backoff_seconds=float(settings.get("retry_max_backoff_seconds", 60)))
        api = QuickBooksAPI(QuickBooksAuth(credentials, save), settings, timeout=call_timeout(settings), retry=retry)
        return cls(api, name, settings)

    # ----- pull ---------------------------------------------------------------------------
    def pull(self, entity: str, cursor: dict[str, Any] | None, full: bool = False) -> Iterator[Page]:
        """Everything (first run, ``full``, or a cursor past CDC's 30 days), else CDC since ``cursor``."""
        stream = self.streams[entity]
        cursor = None if full else cursor
        if cursor and "listing" in cursor:
            yield from self._list(stream, cursor["listing"], note="resumed an interrupted full list")
        elif not cursor or not cursor.get("changed_since"):
            yield from self._list(stream, None, note="full list" if full else None)
        else:
            since = datetime.fromisoformat(cursor["changed_since"])
            if datetime.now(UTC) - since > CDC_WINDOW:
                yield from self._list(stream, None, note=_too_old(since))
                return
            try:
                yield from self._cdc(stream, since)
            except FatalError as exc:
                if "changedSince" not in str(exc) and "30 days" not in str(exc):
                    raise
                yield from self._list(stream, None, note=_too_old(since))  # QBO's clock says it is too old

    def _list(self, stream: QuickBooksStream, listing: dict[str, Any] | None, note: str | None) -> Iterator[Page]:
        """The query language, page by page; the cursor keeps the position and the list's start."""
        position = int((listing or {}).get("position", 1))
        anchor = (listing or {}).get("anchor")
        calls = self.api.calls
        while True:
            text = f"SELECT * FROM {stream.remote} ORDERBY Id STARTPOSITION {position} MAXRESULTS {PAGE_SIZE}"
            body = self.api.call(lambda qb, text=text: qb.query(text), stream.entity)
            anchor = anchor or _server_time(body)
            objects = (body.get("QueryResponse") or {}).get(stream.remote) or []
            position += len(objects)
            done = len(objects) < PAGE_SIZE
            # CDC takes over from when the list began, less the overlap (a write in flight then).
            handover = (datetime.fromisoformat(anchor) - OVERLAP).isoformat()
            cursor = {"changed_since": handover} if done else {"listing": {"position": position, "anchor": anchor}}
            yield Page([self._change(stream, o) for o in objects], cursor, api_calls=self.api.calls - calls, note=note)
            calls, note = self.api.calls, None
            if done:
                return

    def _cdc(self, stream: QuickBooksStream, since: datetime) -> Iterator[Page]:
        calls = self.api.calls
        while True:
            stamp = since.isoformat()
            body = self.api.call(lambda qb, stamp=stamp: qb.change_data_capture(stream.remote, stamp), stream.entity)
            answers = (body.get("CDCResponse") or [{}])[0].get("QueryResponse") or []
            objects = next((a.get(stream.remote) for a in answers if stream.remote in a), None) or []
            if len(objects) < CDC_MAX:
                read_to = datetime.fromisoformat(_server_time(body)) - OVERLAP
                yield Page([self._change(stream, o) for o in objects],
                           {"changed_since": max(read_to, since).isoformat()}, api_calls=self.api.calls - calls)
                return
            # A full answer: more may follow; read again from the newest time in it.
            newest = max(normalize.updated_at(o) or since for o in objects)
            if newest <= since:
                yield from self._list(stream, None, note="more than 1,000 changes in one second: full re-list")
                return
            yield Page([self._change(stream, o) for o in objects], {"changed_since": newest.isoformat()},
                       api_calls=self.api.calls - calls)
            calls, since = self.api.calls, newest

    def _change(self, stream: QuickBooksStream, obj: dict[str, Any]) -> Change:
        deleted = normalize.is_deleted(stream.entity, obj)
        if deleted:
            record: dict[str, Any] = {}
        elif stream.entity == "invoice":
            codes, rates = self.tax
            record = normalize.invoice(obj, codes, rates, self.po_field_id)
        else:
            record = stream.normalizer(obj)
        updated = normalize.updated_at(obj)
        return Change(stream.entity, str(obj["Id"]), normalize.version(obj), record, deleted=deleted,
                      changed_at=updated.isoformat() if updated else None)

    @property
    def tax(self) -> tuple[dict[str, str], dict[str, Decimal]]:
        """QBO TaxCode id → revhub tax code (the connection's ``tax_codes`` setting, revhub code →
        QBO id) and → its sales rate in percent (read from QBO's TaxCode and TaxRate lists)."""
        if self._tax is None:
            given = self.settings.get("tax_codes") or {}
            unknown = sorted(set(given) - set(TAX_CODES))
            if not isinstance(given, dict) or unknown:
                raise ConfigError(f"setting tax_codes must map revhub tax codes to QBO TaxCode ids "
                                  f"(unknown: {', '.join(unknown)})", provider="quickbooks")
            rates = {r["Id"]: Decimal(str(r.get("RateValue", 0))) for r in self._all("TaxRate")}
            by_code = {}
            for code in self._all("TaxCode"):
                details = (code.get("SalesTaxRateList") or {}).get("TaxRateDetail") or []
                by_code[code["Id"]] = sum((rates.get(d["TaxRateRef"]["value"], Decimal(0)) for d in details),
                                          Decimal(0))
            self._tax = ({str(qbo): code for code, qbo in given.items()}, by_code)
        return self._tax

    def _all(self, remote: str) -> list[dict[str, Any]]:
        body = self.api.call(lambda qb: qb.query(f"SELECT * FROM {remote} MAXRESULTS {PAGE_SIZE}"))
        return (body.get("QueryResponse") or {}).get(remote) or []

    def pusher(self):
        from revhub.connectors.quickbooks.push import QuickBooksPusher

        return QuickBooksPusher(self.api, self.settings)

    def changes_from_notification(self, entity: str, event: dict[str, Any]) -> list[Change]:
        """A webhook's thin notification (id, operation, lastUpdated) as changes: the object
        fetched as QBO has it now, or a tombstone when it was deleted or merged away."""
        change = None if event.get("operation") in ("Delete", "Merge") else self.fetch(entity, event["id"])
        if change is not None:
            return [change]
        when = _event_time(event["lastUpdated"])
        tombstone = {"Id": event["id"], "status": "Deleted", "MetaData": {"LastUpdatedTime": when.isoformat()}}
        return [Change(entity, str(event["id"]), normalize.version(tombstone), {}, deleted=True,
                       changed_at=when.isoformat())]

    def fetch(self, entity: str, external_id: str) -> Change | None:
        """The object as QBO has it now; None when QBO does not know it (deleted or never made)."""
        stream = self.streams[entity]
        try:
            body = self.api.call(lambda qb: qb.get_single_object(stream.remote, external_id), entity)
        except NotFound:
            return None
        return self._change(stream, body[stream.remote])


def _server_time(body: dict[str, Any]) -> str:
    """The answer's own ``time`` (QBO's clock) as an ISO string, or now when absent."""
    stamp = body.get("time")
    return datetime.fromisoformat(stamp).astimezone(UTC).isoformat() if stamp else datetime.now(UTC).isoformat()


def _event_time(stamp: str) -> datetime:
    """A notification's time: ISO with ``Z``, and in CloudEvents up to nanoseconds."""
    head, dot, tail = stamp.replace("Z", "+00:00").partition(".")
    if dot:
        digits = "".join(c for c in tail if c.isdigit())
        stamp = f"{head}.{digits[:6]}{tail[len(digits):]}"
    else:
        stamp = head
    parsed = datetime.fromisoformat(stamp)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _too_old(since: datetime) -> str:
    return f"changes since {since.isoformat()} are past CDC's 30-day window: full re-list"

