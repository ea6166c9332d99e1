"""The subset of QBO's query language that python-quickbooks and revhub send.

``SELECT * | COUNT(*) FROM Entity [WHERE f op v [AND ...]] [ORDER BY f [ASC|DESC]]
[STARTPOSITION n] [MAXRESULTS n]`` with ``= < > <= >= != IN LIKE``; field paths are dotted
and case-insensitive (``Metadata.LastUpdatedTime``); MAXRESULTS is at most 1,000 (default 100).
https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from revhub.sandbox.quickbooks.faults import parse_error

MAX_RESULTS = 1000
_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*')|(?P<op><=|>=|!=|=|<|>|\(|\)|,|\*)|(?P<word>[\w.]+))")


@dataclass
class Condition:
    path: str
    op: str
    values: list[Any]


@dataclass
class Query:
    entity: str
    count: bool = False
    where: list[Condition] = field(default_factory=list)
    order_by: str | None = None
    descending: bool = False
    start: int = 1
    max_results: int = 100


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip().rstrip(";")
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise parse_error(f"Encountered \"{text[pos:pos + 10]}\" at column {pos + 1}")
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _literal(kind: str, raw: str) -> Any:
    if kind == "str":
        return raw[1:-1].replace("\\'", "'")
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise parse_error(f"bad value {raw!r}") from None


def parse(text: str) -> Query:
    """A parsed query, or QBO's 4000 parser error naming what it could not read."""
    toks = _tokens(text)
    words = [v.upper() if k == "word" else v for k, v in toks]
    if len(words) < 4 or words[0] != "SELECT":
        raise parse_error("a query starts SELECT ... FROM Entity")
    i = 1
    count = False
    if words[i] == "COUNT":
        count, i = True, i + 4  # COUNT ( * )
    else:
        while i < len(words) and words[i] != "FROM":
            i += 1  # "*" or a field list; QBO answers whole objects either way
    if i >= len(words) - 1 or words[i] != "FROM":
        raise parse_error("FROM is required")
    query = Query(entity=toks[i + 1][1], count=count)
    i += 2
    while i < len(toks):
        word = words[i]
        if word == "WHERE" or word == "AND":
            i = _condition(toks, i + 1, query)
        elif word in ("ORDER", "ORDERBY"):
            i += 2 if word == "ORDER" else 1
            query.order_by = toks[i][1]
            i += 1
            if i < len(words) and words[i] in ("ASC", "DESC"):
                query.descending = words[i] == "DESC"
                i += 1
        elif word in ("STARTPOSITION", "MAXRESULTS") and i + 1 < len(toks):
            number = int(toks[i + 1][1])
            if word == "STARTPOSITION":
                query.start = max(1, number)
            else:
                if number > MAX_RESULTS:
                    raise parse_error(f"MAXRESULTS must be at most {MAX_RESULTS}")
                query.max_results = number
            i += 2
        else:
            raise parse_error(f"Encountered \"{toks[i][1]}\"")
    return query


def _condition(toks: list[tuple[str, str]], i: int, query: Query) -> int:
    if i + 2 > len(toks):
        raise parse_error("incomplete WHERE clause")
    path, op = toks[i][1], toks[i + 1][1].upper()
    if op == "IN":
        values, j = [], i + 3
        while j < len(toks) and toks[j][1] != ")":
            if toks[j][1] != ",":
                values.append(_literal(*toks[j]))
            j += 1
        query.where.append(Condition(path, "IN", values))
        return j + 1
    if op not in ("=", "<", ">", "<=", ">=", "!=", "LIKE") or i + 2 >= len(toks):
        raise parse_error(f"operator {op!r} not supported")
    query.where.append(Condition(path, op, [_literal(*toks[i + 2])]))
    return i + 3


def lookup(obj: dict, path: str) -> Any:
    value: Any = obj
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        key = next((k for k in value if k.lower() == part.lower()), None)
        value = value.get(key) if key else None
    if isinstance(value, dict) and "value" in value:
        return value["value"]  # a reference (CustomerRef) compares by its id
    return value


def _comparable(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, Decimal)):
        return Decimal(str(value))
    text = str(value)
    if len(text) >= 10 and text[4] == "-" and text[7] == "-":
        try:
            parsed = datetime.fromisoformat(text)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except ValueError:
            return text
    try:
        return Decimal(text)
    except InvalidOperation:
        return text


def matches(obj: dict, cond: Condition) -> bool:
    have = _comparable(lookup(obj, cond.path))
    wants = [_comparable(v) for v in cond.values]
    try:
        if cond.op == "IN":
            return have in wants
        want = wants[0]
        if cond.op == "LIKE":
            pattern = "^" + re.escape(str(cond.values[0])).replace("%", ".*") + "$"
            return re.match(pattern, str(lookup(obj, cond.path) or ""), re.IGNORECASE) is not None
        if have is None:
            return False
        return {"=": have == want, "!=": have != want, "<": have < want, ">": have > want,
                "<=": have <= want, ">=": have >= want}[cond.op]
    except TypeError:
        return False


def run(query: Query, objects: list[dict]) -> list[dict]:
    rows = [o for o in objects if all(matches(o, c) for c in query.where)]
    key = query.order_by or "Id"
    rows.sort(key=lambda o: (_sort_key(lookup(o, key))), reverse=query.descending)
    return rows


def _sort_key(value: Any) -> tuple:
    value = _comparable(value)
    return (0, value) if isinstance(value, Decimal) else (1, str(value)) if not isinstance(value, datetime) \
        else (2, value)
