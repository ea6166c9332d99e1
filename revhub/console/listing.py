"""Every console list the same way: filters read from the query string and checked, pages of
rows with their total, and the whole filtered list as CSV (``?format=csv``).

A page declares its filters as data (:class:`Filter`: a name, a label, how to read the value,
how it narrows the query). ``read_listing`` never raises on bad input: each wrong value is kept
as a message for its field, and the page answers 400 with the message beside the field
(``Listing.errors``), or a plain-text 400 for a CSV request. Nothing a visitor types reaches
SQL except as a bound parameter.

CSV cells: money as exact decimals in the currency's minor-unit exponent (``money_cells``
gives amount and currency), times as ISO 8601 in UTC, text that a spreadsheet would read as
a formula prefixed with ``'`` (provider data is hostile until shown otherwise).
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from flask import Response, render_template, request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from revhub.money import MoneyError, to_decimal

PER_PAGE = 50
MAX_PER_PAGE = 200
# A CSV export is the whole filtered list, up to this many rows (the file says when it stopped).
EXPORT_LIMIT = 50_000
FORMATS = ("html", "csv")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class FilterValueError(ValueError):
    """A query-string value that does not fit its filter; the message is shown beside the field."""


@dataclass(frozen=True)
class Filter:
    """One filter of a list: ``parse`` turns the text into a value (or raises
    :class:`FilterValueError`), ``apply`` narrows the query with it."""

    name: str
    label: str
    parse: Callable[[str], Any]
    apply: Callable[[Select, Any], Select]
    choices: tuple[str, ...] = ()
    hint: str = ""
    # Used when the visitor gives no value (the exception queue opens on "open").
    default: str = ""


def choice(*allowed: str) -> Callable[[str], str]:
    """A parser accepting one of ``allowed``."""
    def parse(text: str) -> str:
        if text not in allowed:
            raise FilterValueError(f"one of {', '.join(allowed)}")
        return text
    return parse


def text(max_length: int = 128) -> Callable[[str], str]:
    """A parser for free text up to ``max_length`` characters."""
    def parse(value: str) -> str:
        if len(value) > max_length:
            raise FilterValueError(f"at most {max_length} characters")
        return value
    return parse


def on_or_after(value: str) -> datetime:
    """A day (YYYY-MM-DD) or an ISO time, as the UTC instant it starts at."""
    return _instant(value)


def before_end_of(value: str) -> datetime:
    """A day (YYYY-MM-DD) read as up to the end of that day; an ISO time as itself."""
    instant = _instant(value)
    return instant + timedelta(days=1) if len(value.strip()) == 10 else instant


def _instant(value: str) -> datetime:
    value = value.strip()
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FilterValueError("a date as YYYY-MM-DD, or an ISO time such as 2026-03-01T12:00Z") from None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def record_id(value: str) -> uuid.UUID:
    """A canonical record id (a UUID)."""
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise FilterValueError("a record id such as 0190f8a2-…") from None


@dataclass
class Listing:
    """What a visitor asked of a list, and (after :func:`paginate`) the page of rows it got."""

    filters: Sequence[Filter]
    raw: dict[str, str]
    values: dict[str, Any]
    errors: dict[str, str]
    page: int = 1
    per_page: int = PER_PAGE
    format: str = "html"
    total: int = 0
    rows: list[Any] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        return 0 if not self.total else (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.per_page)

    def query_string(self, **changes: Any) -> str:
        """This list's query string with ``changes`` (None drops a key): page links, the CSV link."""
        defaults = {f.name: f.default for f in self.filters}
        params = {k: v for k, v in self.raw.items() if v != "" and v != defaults.get(k)}
        if self.page != 1:
            params["page"] = str(self.page)
        if self.per_page != PER_PAGE:
            params["per_page"] = str(self.per_page)
        for key, value in changes.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = str(value)
        return urlencode(params)


def read_listing(args: Mapping[str, str], filters: Sequence[Filter], *,
                 per_page: int = PER_PAGE) -> Listing:
    """Read page, per_page, format and every declared filter from ``args``; collect, never raise, errors."""
    raw: dict[str, str] = {}
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in filters:
        given = (args.get(f.name) or "").strip() or f.default
        raw[f.name] = given
        if not given:
            continue
        try:
            values[f.name] = f.parse(given)
        except FilterValueError as exc:
            errors[f.name] = f"{f.name}: {exc}"
    page = _positive(args, "page", 1, None, errors)
    size = _positive(args, "per_page", per_page, MAX_PER_PAGE, errors)
    fmt = (args.get("format") or "html").strip()
    if fmt not in FORMATS:
        errors["format"] = f"format: one of {', '.join(FORMATS)}"
        fmt = "html"
    return Listing(filters, raw, values, errors, page=page, per_page=size, format=fmt)


def _positive(args: Mapping[str, str], name: str, default: int, cap: int | None, errors: dict[str, str]) -> int:
    given = (args.get(name) or "").strip()
    if not given:
        return default
    if not given.isdigit() or int(given) < 1:
        errors[name] = f"{name}: a whole number from 1"
        return default
    if cap is not None and int(given) > cap:
        errors[name] = f"{name}: at most {cap}"
        return default
    return int(given)


def filtered(query: Select, listing: Listing) -> Select:
    """``query`` narrowed by every filter the visitor gave."""
    for f in listing.filters:
        if f.name in listing.values:
            query = f.apply(query, listing.values[f.name])
    return query


def paginate(session: Session, query: Select, listing: Listing, *, scalars: bool = True) -> Listing:
    """Fill ``listing.total`` and ``listing.rows`` with its page of the filtered ``query``
    (ordered by the caller). A page past the end shows the last one."""
    query = filtered(query, listing)
    listing.total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    listing.page = min(listing.page, listing.pages)
    page = query.limit(listing.per_page).offset((listing.page - 1) * listing.per_page)
    result = session.execute(page)
    listing.rows = list(result.scalars() if scalars else result.all())
    return listing


def export_rows(session: Session, query: Select, listing: Listing, *, scalars: bool = True) -> list[Any]:
    """Every row of the filtered ``query`` for a CSV export (up to ``EXPORT_LIMIT``)."""
    result = session.execute(filtered(query, listing).limit(EXPORT_LIMIT + 1))
    return list(result.scalars() if scalars else result.all())


Column = tuple[str, Callable[[Any], Any]]


def csv_cells(rows: Iterable[Any], columns: Sequence[Column]) -> list[list[str]]:
    """Each row as its CSV cells (called inside the session, so lazy attributes still load)."""
    return [[csv_value(get(row)) for _, get in columns] for row in rows]


def csv_response(filename: str, columns: Sequence[Column], cells: list[list[str]]) -> Response:
    """A CSV download of ``cells`` under the ``columns``' headers; a last row says when the
    export stopped at ``EXPORT_LIMIT``."""
    truncated = len(cells) > EXPORT_LIMIT

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([header for header, _ in columns])
        for row in cells[:EXPORT_LIMIT]:
            writer.writerow(row)
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        if truncated:
            writer.writerow([f"# stopped at {EXPORT_LIMIT} rows; narrow the filters for the rest"])
        yield buffer.getvalue()

    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in filename)
    return Response(lines(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{safe}.csv"'})


def csv_value(value: Any) -> str:
    """One CSV cell: times as ISO UTC, decimals exact, text safe from spreadsheet formulas."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        instant = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return instant.isoformat().replace("+00:00", "Z")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    text_value = value if isinstance(value, str) else str(value)
    return "'" + text_value if text_value.startswith(_FORMULA_START) else text_value


def money_cells(minor: int | None, currency: str | None) -> tuple[Decimal | None, str]:
    """(exact decimal amount, ISO currency) for a CSV: 12345 EUR → (Decimal('123.45'), 'EUR')."""
    if minor is None or not currency:
        return None, currency or ""
    try:
        return to_decimal(minor, currency), currency
    except MoneyError:
        return Decimal(minor), currency


def list_page(query: Select, filters: Sequence[Filter], *, template: str, filename: str,
              columns: Sequence[Column], scalars: bool = True, per_page: int = PER_PAGE,
              extra: Callable[[Session, list[Any]], dict[str, Any]] | None = None,
              csv_rows: Callable[[Session, list[Any]], list[Any]] | None = None, **context: Any) -> Any:
    """A whole list page: read the request's filters, then answer 400 with each bad field's
    message, the CSV export of the filtered list, or the page of rows rendered in ``template``
    (with ``listing``, ``extra(session, rows)`` and ``context``). ``query`` carries its order;
    ``csv_rows(session, rows)`` gives the export what the ``columns`` read, when a row alone
    does not say it (a record's currency)."""
    from revhub.app import get_db

    listing = read_listing(request.args, filters, per_page=per_page)
    if not listing.ok and listing.format == "csv":
        return Response("\n".join(listing.errors.values()) + "\n", status=400, mimetype="text/plain")
    with get_db().session() as s:
        if listing.ok and listing.format == "csv":
            rows = export_rows(s, query, listing, scalars=scalars)
            return csv_response(filename, columns, csv_cells(csv_rows(s, rows) if csv_rows else rows, columns))
        if listing.ok:
            paginate(s, query, listing, scalars=scalars)
        more = extra(s, listing.rows) if extra else {}
        page = render_template(template, listing=listing, **more, **context)
    return (page, 400) if not listing.ok else page
