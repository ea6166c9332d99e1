"""GET on a collection: validate the query, filter, order and page.

The fast path (no filter, default order) never copies the collection: ``If-Modified-Since``
is a binary search over the update-ordered records and a page is a slice. An ``order`` that
asks for that same order (``UpdatedDateUTC ASC, <ID> ASC``, as the hub's connector does on
every page) takes the fast path too: sorting the whole collection again for each page made a
full read cost pages x records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from email.utils import parsedate_to_datetime

from revhub.sandbox.xero.errors import BadRequest
from revhub.sandbox.xero.resources import Resource
from revhub.sandbox.xero.store import Collection, Record
from revhub.sandbox.xero.where import compile_order, compile_where, sort_records
from revhub.sandbox.xero.xerojson import DateFormatError, parse_date

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
UNPAGED_LIMIT = 100_000


@dataclass
class Listing:
    records: list[Record]
    summary: bool  # render without line items
    pagination: dict | None


def parse_bool(name: str, raw: str) -> bool:
    """Xero booleans; xero-python sends Python literals (``True``/``False``)."""
    lowered = raw.strip().lower()
    if lowered not in ("true", "false"):
        raise BadRequest(f"The parameter {name} must be true or false, got '{raw}'")
    return lowered == "true"


def _int(name: str, raw: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"The parameter {name} must be an integer, got '{raw}'") from None
    if not low <= value <= high:
        raise BadRequest(f"The parameter {name} must be between {low} and {high}")
    return value


def if_modified_since(header: str | None) -> float | None:
    """Epoch seconds from ``If-Modified-Since`` (ISO 8601 as the SDK sends, or RFC 1123)."""
    if not header:
        return None
    try:
        return parse_date(header).timestamp()
    except DateFormatError:
        pass
    try:
        return parsedate_to_datetime(header).timestamp()
    except (TypeError, ValueError):
        raise BadRequest(f"The If-Modified-Since header '{header}' is not a valid date") from None


def list_records(
    resource: Resource, collection: Collection, args: dict[str, str], modified_since: float | None
) -> Listing:
    """The records a GET answers with; raises ``BadRequest`` for any parameter Xero rejects."""
    unknown = sorted(set(args) - resource.get_params)
    if unknown:
        raise BadRequest(f"The query parameter '{unknown[0]}' is not supported on {resource.name}")
    records = (
        collection.modified_since(modified_since)
        if modified_since is not None
        else collection.ordered()
    )
    filters = _filters(resource, args)
    if filters:
        records = [r for r in records if all(f(r.data) for f in filters)]
    if "order" in args:
        keys = compile_order(args["order"], resource.where_fields, resource.type_name)
        if not _stored_order(resource, keys):
            records = sort_records(records, keys)
    summary_only = (
        parse_bool("summaryOnly", args["summaryOnly"]) if "summaryOnly" in args else False
    )
    if "unitdp" in args and args["unitdp"] not in ("2", "4"):
        raise BadRequest("The parameter unitdp must be 2 or 4")
    if "page" not in args:
        if "pageSize" in args:
            raise BadRequest("The parameter pageSize requires page")
        if len(records) > UNPAGED_LIMIT:
            raise BadRequest("The request returns too many records; use paging (page parameter)")
        # Unpaged multi-record GETs of invoices leave the line items out (PROVIDERS.md 2.3).
        return Listing(records, summary_only or resource.name == "Invoices", None)
    if not resource.paged:
        raise BadRequest(f"The query parameter 'page' is not supported on {resource.name}")
    page = _int("page", args["page"], 1, 10**9)
    size = (
        _int("pageSize", args["pageSize"], 1, MAX_PAGE_SIZE)
        if "pageSize" in args
        else DEFAULT_PAGE_SIZE
    )
    start = (page - 1) * size
    total = len(records)
    pagination = {
        "page": page,
        "pageSize": size,
        "pageCount": -(-total // size),
        "itemCount": total,
    }
    return Listing(records[start : start + size], summary_only, pagination)


def _stored_order(resource: Resource, keys: list[tuple[str, bool]]) -> bool:
    """Whether ``keys`` ask for the order the collection keeps its records in: UpdatedDateUTC
    (stamped from the record's save time) then the record's ID, both ascending, or a prefix."""
    stored = [("UpdatedDateUTC", False), (resource.id_field, False)]
    return bool(keys) and keys == stored[: len(keys)]


def _filters(resource: Resource, args: dict[str, str]) -> list:
    filters = []
    for param, path in resource.list_filters.items():
        if args.get(param):
            wanted = {v.strip().lower() for v in args[param].split(",") if v.strip()}
            filters.append(_member(path, wanted))
    if "where" in args:
        filters.append(
            compile_where(
                args["where"],
                resource.where_fields,
                resource.type_name,
                single_equals=resource.name == "Contacts",
            )
        )
    if args.get("searchTerm"):
        term = args["searchTerm"].lower()
        fields = resource.search_fields
        filters.append(lambda d: any(term in str(d.get(f) or "").lower() for f in fields))
    include_archived = (
        parse_bool("includeArchived", args["includeArchived"])
        if "includeArchived" in args
        else False
    )
    if resource.name == "Contacts" and not include_archived:
        filters.append(lambda d: d.get("ContactStatus") != "ARCHIVED")
    if "createdByMyApp" in args:
        parse_bool("createdByMyApp", args["createdByMyApp"])  # every record is the app's own
    if resource.name == "PurchaseOrders":
        filters.extend(_po_filters(args))
    return filters


def _member(path: str, wanted: set[str]):
    head, _, tail = path.partition(".")
    if tail:
        return lambda d: str((d.get(head) or {}).get(tail, "")).lower() in wanted
    return lambda d: str(d.get(head, "")).lower() in wanted


def _po_filters(args: dict[str, str]) -> list:
    filters = []
    if args.get("Status"):
        status = args["Status"].upper()
        filters.append(lambda d: d["Status"] == status)
    for name, before in (("DateFrom", False), ("DateTo", True)):
        if args.get(name):
            try:
                bound = parse_date(args[name])
            except DateFormatError:
                raise BadRequest(f"The parameter {name} must be a date (YYYY-MM-DD)") from None
            if before:
                filters.append(lambda d, b=bound: d["Date"] < b + timedelta(days=1))
            else:
                filters.append(lambda d, b=bound: d["Date"] >= b)
    return filters
