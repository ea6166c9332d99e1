"""XeroConnector: ``If-Modified-Since`` with keyset paging into canonical changes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from revhub.connectors.base import Change, Page, Stream
from revhub.connectors.errors import ConfigError
from revhub.connectors.resilience import RetryPolicy
from revhub.connectors.timeouts import call_timeout
from revhub.connectors.xero import normalize
from revhub.connectors.xero.client import API_URL, IDENTITY_URL, NotFound, XeroAPI, XeroAuth
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
    _s("customer", "Contacts", "get_contacts", "get_contact", extra=(("include_archived", True),)),
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
_TICK = timedelta(milliseconds=1)


class XeroConnector:
    provider = "xero"
    streams = STREAMS

    def __init__(self, api: XeroAPI, name: str = "xero", settings: dict[str, Any] | None = None) -> None:
        self.api, self.name, self.settings = api, name, dict(settings or {})
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
        """Records modified since the cursor, oldest first.

        Keyset paging: each request asks for records modified since the newest one seen (less
        one tick, so records sharing that timestamp are not skipped; they come back unchanged).
        Page numbers are used only while a whole page shares one timestamp, so records
        modified during the run cannot shift pages under us.
        """
        stream = STREAMS[entity]
        since = None if full or not cursor else _parse(cursor.get("modified_since"))
        page_number = 1
        while True:
            calls = self.api.calls
            params: dict[str, Any] = dict(stream.extra)
            if since is not None:
                params["if_modified_since"] = since
            if stream.paged:
                params.update(page=page_number, page_size=PAGE_SIZE, order="UpdatedDateUTC ASC")
            body = self.api.call(stream.list_method, entity, **params)
            objects = body.get(stream.collection) or []
            changes = [self._change(stream, o) for o in objects if stream.keep(o)]
            newest = max((normalize.parse_date(o.get("UpdatedDateUTC")) for o in objects), default=None)
            last = not stream.paged or len(objects) < PAGE_SIZE or _last_page(body)
            if newest is not None and (since is None or newest - _TICK > since):
                since, page_number = newest - _TICK, 1
            else:
                page_number += 1
            yield Page(changes, {"modified_since": since.isoformat() if since else None},
                       api_calls=self.api.calls - calls)
            if last:
                return

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


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
