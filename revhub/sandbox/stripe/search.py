"""Stripe's Search API (``/v1/<resource>/search?query=``): its query language and paging.

A query is clauses joined by ``AND`` or by ``OR`` (not both): ``field:value`` (exact, case
insensitive), ``field~"substring"`` (at least three characters), ``field>value`` and the other
comparisons on numeric fields, ``metadata['key']:'value'``, a leading ``-`` to negate. Results
are newest first; ``page`` is the opaque cursor returned as ``next_page``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

from revhub.sandbox.stripe.errors import StripeError

# Queryable fields per resource, as dotted paths into the object (https://docs.stripe.com/search).
FIELDS: dict[str, dict[str, str]] = {
    "customers": {"created": "created", "email": "email", "name": "name", "phone": "phone"},
    "invoices": {"created": "created", "currency": "currency", "customer": "customer", "number": "number",
                 "receipt_number": "receipt_number", "status": "status", "total": "total",
                 "subscription": "parent.subscription_details.subscription"},
    "charges": {"amount": "amount", "created": "created", "currency": "currency", "customer": "customer",
                "disputed": "disputed", "refunded": "refunded", "status": "status",
                "payment_method_details.card.last4": "payment_method_details.card.last4"},
    "payment_intents": {"amount": "amount", "created": "created", "currency": "currency", "customer": "customer",
                        "status": "status"},
}
NUMERIC = frozenset({"created", "amount", "total"})
_CLAUSE = re.compile(r"""\s*(-?)(metadata\[(?:'[^']*'|"[^"]*")\]|[a-z_][a-z0-9_.]*)\s*(:|~|>=|<=|>|<)\s*"""
                     r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s]+)\s*""")
_JOIN = re.compile(r"\s+(AND|OR)\s+")


def compile_query(resource: str, query: str) -> Callable[[dict[str, Any]], bool]:
    """A predicate for ``query`` on ``resource`` objects, or Stripe's 400 for a query it refuses."""
    parts = _JOIN.split(query.strip())
    clauses, joins = parts[0::2], set(parts[1::2])
    if len(joins) > 1:
        raise StripeError(400, "Queries cannot mix AND and OR; use one of them.", param="query")
    tests = [_clause(resource, text) for text in clauses]
    if joins == {"OR"}:
        return lambda obj: any(test(obj) for test in tests)
    return lambda obj: all(test(obj) for test in tests)


def _clause(resource: str, text: str) -> Callable[[dict[str, Any]], bool]:
    match = _CLAUSE.fullmatch(text)
    if not match or not text.strip():
        raise StripeError(400, f"Invalid search query: could not parse '{text.strip()}'.", param="query")
    negate, field, op, raw = match.groups()
    value = raw[1:-1] if raw[:1] in ("'", '"') else raw
    if field.startswith("metadata["):
        key = field[10:-2]
        read: Callable[[dict], Any] = lambda o: (o.get("metadata") or {}).get(key)  # noqa: E731
    elif field in FIELDS[resource]:
        path = FIELDS[resource][field].split(".")
        read = lambda o: _dig(o, path)  # noqa: E731
    else:
        raise StripeError(400, f"Field `{field}` is an unsupported search field for resource `{resource}`. See "
                               f"https://stripe.com/docs/search#query-fields-for-{resource.replace('_', '-')} for a "
                               "list of supported fields.", param="query")
    test = _compare(field, op, value, read)
    return (lambda o: not test(o)) if negate else test


def _compare(field: str, op: str, value: str, read: Callable[[dict], Any]) -> Callable[[dict], bool]:
    if op in (">", "<", ">=", "<="):
        if field not in NUMERIC or not value.lstrip("-").isdigit():
            raise StripeError(400, f"Field `{field}` does not support the `{op}` operator with value {value}.",
                              param="query")
        bound = int(value)
        ops = {">": lambda x: x > bound, "<": lambda x: x < bound, ">=": lambda x: x >= bound,
               "<=": lambda x: x <= bound}
        return lambda o: isinstance(read(o), int) and ops[op](read(o))
    if op == "~":
        if len(value) < 3:
            raise StripeError(400, "Substring queries (~) need at least 3 characters.", param="query")
        return lambda o: value.lower() in str(read(o) or "").lower()
    return lambda o: _text(read(o)) == value.lower()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value).lower()


def _dig(obj: Any, path: list[str]) -> Any:
    for part in path:
        obj = obj.get(part) if isinstance(obj, dict) else None
    return obj


def page(objects: list[dict[str, Any]], resource: str, query: dict[str, Any], limit: int) -> dict[str, Any]:
    """One page of results, newest first, with Stripe's ``next_page`` cursor."""
    offset = 0
    if query.get("page"):
        try:
            offset = int(base64.urlsafe_b64decode(query["page"].encode()).decode().removeprefix("offset:"))
        except (ValueError, UnicodeDecodeError):
            raise StripeError(400, "Invalid page: the page token is not valid.", param="page") from None
    test = compile_query(resource, query["query"])
    matching = [o for o in reversed(objects) if test(o)]
    data = matching[offset:offset + limit]
    more = offset + limit < len(matching)
    token = base64.urlsafe_b64encode(f"offset:{offset + limit}".encode()).decode() if more else None
    return {"object": "search_result", "data": data, "has_more": more, "next_page": token,
            "url": f"/v1/{resource}/search"}
