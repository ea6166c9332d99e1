"""Named transforms between canonical values and provider values, each in both directions.

A transform is a pair of pure functions. ``read`` turns the provider's value into the
canonical one, ``write`` the reverse. Money transforms need the record's currency.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from revhub.money import to_decimal, to_minor


@dataclass(frozen=True)
class Transform:
    name: str
    read: Callable[[Any, str | None], Any]
    write: Callable[[Any, str | None], Any]


def _identity(value: Any, currency: str | None) -> Any:
    return value


def _blank_to_none(value: Any, currency: str | None) -> Any:
    return None if value in ("", None) else value


def _money_read(value: Any, currency: str | None) -> int | None:
    if value is None:
        return None
    return to_minor(value if isinstance(value, Decimal) else Decimal(str(value)), currency or "")


def _money_write(value: int | None, currency: str | None) -> Decimal | None:
    return None if value is None else to_decimal(value, currency or "")


def _xero_date_read(value: str | None, currency: str | None) -> str | None:
    from revhub.connectors.xero.normalize import iso_date

    return iso_date(value)


def _xero_date_write(value: str | None, currency: str | None) -> str | None:
    if not value:
        return None
    midnight = datetime.combine(date.fromisoformat(value), time(), UTC)
    return f"/Date({int(midnight.timestamp() * 1000)}+0000)/"


def _unix_date_read(value: int | None, currency: str | None) -> str | None:
    return None if value is None else datetime.fromtimestamp(value, UTC).date().isoformat()


def _unix_date_write(value: str | None, currency: str | None) -> int | None:
    if not value:
        return None
    return int(datetime.combine(date.fromisoformat(value), time(), UTC).timestamp())


def _vocabulary(name: str, canonical_to_provider: dict[str, str],
                extra_reads: dict[str, str] | None = None) -> Transform:
    reverse = {v: k for k, v in canonical_to_provider.items()} | (extra_reads or {})
    return Transform(name, lambda v, c: reverse.get(v) if v is not None else None,
                     lambda v, c: canonical_to_provider.get(v) if v is not None else None)


TRANSFORMS: dict[str, Transform] = {t.name: t for t in (
    Transform("text", _blank_to_none, _identity),
    Transform("number", _identity, _identity),
    Transform("upper", lambda v, c: v.upper() if v else None, lambda v, c: v.upper() if v else None),
    Transform("lower_currency", lambda v, c: v.upper() if v else None, lambda v, c: v.lower() if v else None),
    Transform("money_minor", _identity, _identity),
    Transform("money_decimal", _money_read, _money_write),
    Transform("xero_date", _xero_date_read, _xero_date_write),
    Transform("unix_date", _unix_date_read, _unix_date_write),
    Transform("iso_date", _blank_to_none, _identity),
    _vocabulary("xero_invoice_status", {"draft": "DRAFT", "open": "AUTHORISED", "paid": "PAID", "void": "VOIDED"},
                {"SUBMITTED": "draft"}),
    # The org's Status__c picklist; its invoice-side values read as the PO state they imply.
    _vocabulary("salesforce_po_status", {"received": "Issued", "approved": "Approved", "invoiced": "Invoiced",
                                         "partially_paid": "Partially Paid", "paid": "Paid",
                                         "cancelled": "Cancelled", "invoice_voided": "Invoice Voided"},
                {"Draft": "received", "Void": "cancelled", "Uncollectible": "invoiced"}),
)}
