"""XeroConnector: ``If-Modified-Since`` with keyset paging into canonical changes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from revhub.connectors.base import Change, Page, Stream
from revhub.connectors.errors import ConfigError
from revhub.connectors.resilience import RetryPolicy
from revhub.connectors.timeouts import call_timeout
from revhub.connectors.xero import normalize
from revhub.connectors.xero.client import API_URL, IDENTITY_URL, NotFound, XeroAPI, XeroAuth
from revhub.connectors.xero.keyset import Position
from revhub.tax.mapping import TaxMappingError, xero_tax_types

# Xero pages hold up to 1,000 records (100 unless asked): the largest page means the fewest
# calls against the 60-a-minute limit. https://developer.xero.com/documentation/api/accounting/invoices
PAGE_SIZE = 1000


@dataclass(frozen=True)
class XeroStream(Stream):
    list_method: str = ""
    get_method: str = ""
    collection: str = ""
    paged: bool = True
    keep: Callable[[dict], bool] = lambda obj: True
    extra: tuple[tuple[str, Any], ...] = ()


def _s(entity, collection, list_method, get_method, paged=True, keep=lambda o: True, extra=()) -> XeroStream:
    return XeroStream(entity=entity, remote=collection, primary_key=f"{collection[:-1]}ID",
                      cursor_field="UpdatedDateUTC", sorted=True, list_method=list_method,
                      get_method=get_method, collection=collection, paged=paged, keep=keep, extra=extra)


# unitdp=4: without it Xero answers unit prices rounded to two decimals, so a 4-decimal unit
# price would be read back changed. https://developer.xero.com/documentation/api/accounting/invoices
_UNITDP = (("unitdp", 4),)
STREAMS: dict[str, XeroStream] = {s.entity: s for s in (
    _s("customer", "Contacts", "get_contacts", "get_contact", keep=normalize.is_customer,
       extra=(("include_archived", True),)),
    _s("product", "Items", "get_items", "get_item", paged=False),
    _s("invoice", "Invoices", "get_invoices", "get_invoice", keep=lambda o: o.get("Type") == "ACCREC",
       extra=_UNITDP),
    _s("payment", "Payments", "get_payments", "get_payment",
       keep=lambda o: o.get("PaymentType", "ACCRECPAYMENT") == "ACCRECPAYMENT"),
    _s("refund", "CreditNotes", "get_credit_notes", "get_credit_note",
       keep=lambda o: o.get("Type") == "ACCRECCREDIT", extra=_UNITDP),
)}
_ID_FIELD = {"Contacts": "ContactID", "Items": "ItemID", "Invoices": "InvoiceID",
             "Payments": "PaymentID", "CreditNotes": "CreditNoteID"}


class XeroConnector:
    provider = "xero"
    streams = STREAMS

    def __init__(self, api: XeroAPI, name: str = "xero", settings: dict[str, Any] | None = None) -> None:
        self.api, self.name, self.settings = api, name, dict(settings or {})
        self.page_size = _page_size(self.settings)
        self._tax_types: dict[str, str] | None = None

    @property
    def tax_types(self) -> dict[str, str]:
        """The connection's own tax types, so invoices using them are read back as revhub codes
        (read when first needed: a bad mapping stops invoice reads, not contacts or payments)."""
        if self._tax_types is None:
            try:
                self._tax_types = xero_tax_types(self.settings)
            except TaxMappingError as exc:
                raise ConfigError(str(exc), provider="xero") from None
        return self._tax_types

    @classmethod
    def from_connection(cls, name: str, credentials: dict[str, Any], settings: dict[str, Any],
                        save: Callable[[dict[str, Any]], None]) -> XeroConnector:
        tenant = settings.get("tenant_id")
        if not tenant:
            raise ConfigError("connection has no tenant_id setting", provider="xero")
        timeout = call_timeout(settings)
        auth = XeroAuth(credentials, settings.get("identity_url", IDENTITY_URL), save, timeout=timeout)
        retry = RetryPolicy(max_backoff_seconds=float(settings.get("retry_max_backoff_seconds", 60)))
        api = XeroAPI(auth, tenant, settings.get("api_url", API_URL), ca_bundle=settings.get("ca_bundle"),
                      timeout=timeout, retry=retry)
        return cls(api, name, settings)

    def pull(self, entity: str, cursor: dict[str, Any] | None, full: bool = False) -> Iterator[Page]:
        """Records modified since the cursor, in Xero's (UpdatedDateUTC, ID) order.

        Keyset paging (see ``keyset``): each query asks for records modified since the newest
        one read, and starts at the page holding the last record read, skipping through it, so
        records sharing a timestamp are neither skipped nor read again run after run. Page
        numbers move on only while the query stays the same, so records modified during the
        run cannot shift pages under us.
        """
        stream = STREAMS[entity]
        id_field = _ID_FIELD[stream.collection]
        size = self.page_size if stream.paged else None
        position = Position.from_cursor(None if full else cursor)
        page_number, check = position.page_to_ask(size), position.after_id is not None
        calls = self.api.calls
        while True:
            params: dict[str, Any] = dict(stream.extra)
            if position.since is not None:
                params["if_modified_since"] = position.since
            if size:
                params.update(page=page_number, page_size=size, order=f"UpdatedDateUTC ASC, {id_field} ASC")
            body = self.api.call(stream.list_method, entity, **params)
            objects = body.get(stream.collection) or []
            fresh = position.unread(objects, id_field, page_number, size) if check else objects
            if fresh is None:
                position.restart()
                page_number, check = 1, False
                continue
            last = not size or len(objects) < size or _last_page(body)
            moved = position.advance(fresh, id_field)
            yield Page([self._change(stream, o) for o in fresh if stream.keep(o)], position.as_cursor(),
                       api_calls=self.api.calls - calls)
            calls = self.api.calls
            if last:
                return
            page_number, check = (position.page_to_ask(size), True) if moved else (page_number + 1, False)

    def _change(self, stream: XeroStream, obj: dict[str, Any]) -> Change:
        external_id = obj[_ID_FIELD[stream.collection]]
        deleted = normalize.is_deleted(stream.entity, obj)
        if deleted:
            record: dict[str, Any] = {}
        elif stream.entity == "invoice":
            record = normalize.invoice(obj, tax_types=self.tax_types)
        else:
            record = getattr(normalize, stream.entity)(obj)
        updated = normalize.parse_date(obj.get("UpdatedDateUTC"))
        return Change(stream.entity, external_id, normalize.version(obj), record, deleted=deleted,
                      changed_at=updated.isoformat() if updated else None)

    def pusher(self):
        from revhub.connectors.xero.push import XeroPusher

        return XeroPusher(self.api, self.settings)

    def fetch(self, entity: str, external_id: str) -> Change | None:
        """The record as Xero has it now; None when Xero does not know it."""
        stream = STREAMS[entity]
        try:
            body = self.api.call(stream.get_method, entity, **{_get_arg(stream): external_id},
                                 **{k: v for k, v in stream.extra if k == "unitdp"})
        except NotFound:
            return None
        objects = [o for o in body.get(stream.collection) or () if stream.keep(o)]
        return self._change(stream, objects[0]) if objects else None


def _last_page(body: dict[str, Any]) -> bool:
    """Xero's ``pagination`` says this page is the query's last (no empty call after it)."""
    pagination = body.get("pagination") or {}
    return bool(pagination) and pagination.get("page", 0) >= pagination.get("pageCount", 0)


def _get_arg(stream: XeroStream) -> str:
    return {"Contacts": "contact_id", "Items": "item_id", "Invoices": "invoice_id",
            "Payments": "payment_id", "CreditNotes": "credit_note_id"}[stream.collection]


def _page_size(settings: dict[str, Any]) -> int:
    """The connection's ``page_size`` (1..1,000; Xero's largest page by default)."""
    raw = settings.get("page_size", PAGE_SIZE)
    try:
        size = int(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"page_size must be a whole number from 1 to 1000, got {raw!r}", provider="xero") from None
    if not 1 <= size <= PAGE_SIZE:
        raise ConfigError(f"page_size must be a whole number from 1 to 1000, got {raw!r}", provider="xero")
    return size

