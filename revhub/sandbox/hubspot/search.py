"""The CRM search endpoint's semantics: filterGroups (OR of ANDs), one sort, ``after`` paging,
and its limits. Pure functions over the store's records.

Limits as HubSpot documents them: at most 200 results per page, 5 filter groups of at most 6
filters, and no more than 10,000 results per query (paging past that answers 400), so a large
read must walk by time windows.
https://developers.hubspot.com/docs/api/crm/search#limitations
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from revhub.sandbox.hubspot.store import CrmObject

MAX_PAGE = 200
MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 6
MAX_RESULTS = 10_000
DATE_PROPERTIES = frozenset({"hs_lastmodifieddate", "createdate", "lastmodifieddate", "closedate"})
OPERATORS = frozenset({"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN",
                       "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"})


class SearchError(ValueError):
    """A search request HubSpot would refuse with 400 VALIDATION_ERROR."""


@dataclass(frozen=True)
class SearchPage:
    total: int
    results: list[CrmObject]
    next_after: str | None


def _comparable(name: str, value: Any) -> Any:
    """Dates compare as epoch milliseconds (HubSpot takes either form); numbers as numbers."""
    if value is None:
        return None
    text = str(value)
    if name in DATE_PROPERTIES:
        if text.isdigit():
            return int(text)
        try:
            return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)
        except ValueError:
            raise SearchError(f"{text!r} is not a valid date for {name}") from None
    try:
        return float(text)
    except ValueError:
        return text.lower()


def _matches(record: CrmObject, flt: dict[str, Any]) -> bool:
    name, op = flt.get("propertyName"), flt.get("operator")
    have = record.properties.get(name) if name != "hs_object_id" else record.id
    if op == "HAS_PROPERTY":
        return have not in (None, "")
    if op == "NOT_HAS_PROPERTY":
        return have in (None, "")
    if have is None:
        return op in ("NEQ", "NOT_IN")
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        # Whole words of the value, case-insensitive; "*" as a wildcard within a token.
        pattern = re.compile(re.escape(str(flt.get("value") or "").lower()).replace(r"\*", ".*") + "$")
        inside = any(pattern.match(word) for word in re.split(r"[\s]+", str(have).lower()))
        return inside if op == "CONTAINS_TOKEN" else not inside
    left = _comparable(name, have)
    if op in ("IN", "NOT_IN"):
        inside = left in {_comparable(name, v) for v in flt.get("values") or []}
        return inside if op == "IN" else not inside
    right = _comparable(name, flt.get("value"))
    try:
        if op == "BETWEEN":
            return right <= left <= _comparable(name, flt.get("highValue"))
        return {"EQ": left == right, "NEQ": left != right, "LT": left < right, "LTE": left <= right,
                "GT": left > right, "GTE": left >= right}[op]
    except TypeError:  # a number against text: no match, as HubSpot's index would have it
        return False


def validate(body: dict[str, Any]) -> None:
    groups = body.get("filterGroups") or []
    if not isinstance(groups, list) or len(groups) > MAX_GROUPS:
        raise SearchError(f"filterGroups: at most {MAX_GROUPS} groups are allowed")
    for group in groups:
        filters = (group or {}).get("filters") or []
        if len(filters) > MAX_FILTERS_PER_GROUP:
            raise SearchError(f"filterGroups: at most {MAX_FILTERS_PER_GROUP} filters per group are allowed")
        for flt in filters:
            if flt.get("operator") not in OPERATORS:
                raise SearchError(f"Unsupported operator {flt.get('operator')!r}")
            if not flt.get("propertyName"):
                raise SearchError("filter is missing propertyName")
    limit = body.get("limit", 10)
    if not isinstance(limit, int) or not 0 < limit <= MAX_PAGE:
        raise SearchError(f"limit must be between 1 and {MAX_PAGE}")


def _sort_key(sorts: list[Any]):
    """One sort, as HubSpot allows; ties broken by id so pages are stable."""
    if not sorts:
        return "hs_object_id", False
    first = sorts[0]
    if isinstance(first, dict):
        return first.get("propertyName") or "hs_object_id", first.get("direction") == "DESCENDING"
    text = str(first)
    return text.lstrip("-"), text.startswith("-")


def search(records: list[CrmObject], body: dict[str, Any], *, max_results: int = MAX_RESULTS) -> SearchPage:
    """One page of a search: validated, filtered, sorted, paged by the ``after`` offset."""
    validate(body)
    after = str(body.get("after") or "0")
    if not after.isdigit():
        raise SearchError(f"after must be a paging token, got {after!r}")
    offset, limit = int(after), body.get("limit", 10)
    if offset + limit > max_results:
        raise SearchError(f"The requested page goes past the {max_results} results a search can return; "
                          f"narrow the query (for example by hs_lastmodifieddate)")
    groups = body.get("filterGroups") or []
    hits = [r for r in records
            if not groups or any(all(_matches(r, f) for f in g.get("filters") or []) for g in groups)]
    name, descending = _sort_key(body.get("sorts") or [])
    def key(record: CrmObject) -> tuple:
        value = _comparable(name, record.id if name == "hs_object_id" else record.properties.get(name))
        return (value is None, value if value is not None else 0, int(record.id))

    hits.sort(key=key, reverse=descending)
    page = hits[offset:offset + limit]
    # The next token is given even at the cap; asking for it is what HubSpot refuses.
    more = offset + limit < len(hits)
    return SearchPage(total=len(hits), results=page, next_after=str(offset + limit) if more else None)
