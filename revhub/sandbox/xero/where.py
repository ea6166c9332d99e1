"""The subset of Xero's ``where`` and ``order`` syntax the sandbox understands.

Supported: terms joined by ``AND`` / ``&&``, groups of them joined by ``OR`` / ``||`` (AND
binds tighter), each ``Field OP value`` with OP one of ``== != >= <= > <`` (Contacts also
accept ``=``), values ``"text"``, ``Guid("…")``, ``DateTime(yyyy,mm,dd)``, numbers,
``true``/``false``; and ``Field.Contains("x")``, ``Field.StartsWith("x")``, ``Field.EndsWith("x")``.
Fields may be dotted (``Contact.ContactID``) and must be known for the resource. Anything else
(parentheses, unknown fields) is a 400 ``QueryParseException`` — never ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from revhub.sandbox.xero.errors import BadRequest

Predicate = Callable[[dict], bool]

_VALUE = (
    r'"(?:[^"\\]|\\.)*"|Guid\("[^"]*"\)|DateTime\(\s*\d+\s*,\s*\d+\s*,\s*\d+\s*\)'
    r"|-?\d+(?:\.\d+)?|true|false|null"
)
_COMPARE = re.compile(rf"^\s*([A-Za-z][\w.]*)\s*(==|!=|>=|<=|>|<|=)\s*({_VALUE})\s*$")
_METHOD = re.compile(
    r'^\s*([A-Za-z][\w.]*)\.(Contains|StartsWith|EndsWith)\(\s*("(?:[^"\\]|\\.)*")\s*\)\s*$'
)
_SPLIT = re.compile(r"\s+AND\s+|\s*&&\s*", re.IGNORECASE)
_OR = re.compile(r"\s+OR\s+|\s*\|\|\s*", re.IGNORECASE)


def compile_where(
    text: str, fields: frozenset[str], type_name: str, single_equals: bool
) -> Predicate:
    """A predicate over record data for ``text``; raises ``BadRequest`` (QueryParseException)."""
    if not _only_call_parens(text or ""):
        raise BadRequest(
            f"The where clause '{text}' is not supported by the sandbox "
            "(only simple comparisons joined by AND and OR, without parentheses)",
            query=True,
        )
    groups = []
    # AND binds tighter than OR, as in Xero's filter language; no parentheses.
    for group in _split_outside_quotes(_OR, text.strip()):
        terms = [t for t in _split_outside_quotes(_SPLIT, group) if t.strip()]
        if not terms:
            raise BadRequest("The where clause is empty", query=True)
        groups.append(_all([_term(t, fields, type_name, single_equals) for t in terms]))
    return groups[0] if len(groups) == 1 else (lambda data: any(g(data) for g in groups))


def _split_outside_quotes(pattern: re.Pattern, text: str) -> list[str]:
    """``text`` split at ``pattern`` wherever it is not inside a quoted value."""
    quoted: list[str] = []

    def hide(match: re.Match) -> str:
        quoted.append(match.group(0))
        return f"\x00{len(quoted) - 1}\x00"

    hidden = re.sub(r'"(?:[^"\\]|\\.)*"', hide, text)
    return [re.sub(r"\x00(\d+)\x00", lambda m: quoted[int(m.group(1))], part) for part in pattern.split(hidden)]


def _only_call_parens(text: str) -> bool:
    stripped = re.sub(r"(Guid|DateTime|Contains|StartsWith|EndsWith)\([^)]*\)", "", text)
    stripped = re.sub(r'"(?:[^"\\]|\\.)*"', '""', stripped)
    return "(" not in stripped and ")" not in stripped


def _all(predicates: list[Predicate]) -> Predicate:
    return lambda data: all(p(data) for p in predicates)


def _term(term: str, fields: frozenset[str], type_name: str, single_equals: bool) -> Predicate:
    method = _METHOD.match(term)
    if method:
        path, name, raw = method.groups()
        _check_field(path, fields, type_name)
        needle = _string(raw).lower()
        test = {
            "Contains": lambda s: needle in s,
            "StartsWith": lambda s: s.startswith(needle),
            "EndsWith": lambda s: s.endswith(needle),
        }[name]
        return lambda data: test(str(_lookup(data, path) or "").lower())
    compare = _COMPARE.match(term)
    if not compare:
        raise BadRequest(f"Syntax error in where clause near '{term.strip()}'", query=True)
    path, op, raw = compare.groups()
    if op == "=" and not single_equals:
        raise BadRequest(f"Syntax error in where clause near '{term.strip()}': use ==", query=True)
    _check_field(path, fields, type_name)
    value = _literal(raw)
    return lambda data: _compare(_lookup(data, path), op, value)


def _check_field(path: str, fields: frozenset[str], type_name: str) -> None:
    if path not in fields:
        raise BadRequest(f"No property or field '{path}' exists in type '{type_name}'", query=True)


def _string(raw: str) -> str:
    return raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")


def _literal(raw: str) -> object:
    if raw.startswith('"'):
        return _string(raw)
    if raw.startswith("Guid("):
        return raw[6:-2].lower()
    if raw.startswith("DateTime("):
        year, month, dom = (int(p) for p in raw[9:-1].split(","))
        try:
            return datetime(year, month, dom, tzinfo=UTC)
        except ValueError:
            raise BadRequest(f"Invalid date in where clause: {raw}", query=True) from None
    if raw in ("true", "false"):
        return raw == "true"
    if raw == "null":
        return None
    return Decimal(raw)


def _lookup(data: dict, path: str) -> object:
    value: object = data
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _compare(actual: object, op: str, expected: object) -> bool:
    if isinstance(actual, str) and isinstance(expected, str):
        actual, expected = actual.lower(), expected.lower()
    if op in ("==", "="):
        return actual == expected
    if op == "!=":
        return actual != expected
    if actual is None or expected is None:
        return False
    try:
        return {
            ">": actual > expected,
            "<": actual < expected,
            ">=": actual >= expected,
            "<=": actual <= expected,
        }[op]
    except TypeError:
        raise BadRequest(
            f"Operator '{op}' is incompatible with the operand types", query=True
        ) from None


def compile_order(text: str, fields: frozenset[str], type_name: str) -> list[tuple[str, bool]]:
    """``[(field, descending), ...]`` from ``"Date DESC, InvoiceNumber"``; unknown fields → 400."""
    keys = []
    for part in text.split(","):
        bits = part.split()
        if not bits or len(bits) > 2 or (len(bits) == 2 and bits[1].upper() not in ("ASC", "DESC")):
            raise BadRequest(f"Syntax error in order clause near '{part.strip()}'", query=True)
        _check_field(bits[0], fields, type_name)
        keys.append((bits[0], len(bits) == 2 and bits[1].upper() == "DESC"))
    return keys


def sort_records(records: list, keys: list[tuple[str, bool]]) -> list:
    """Stable multi-key sort of records (``.data``); ``None`` sorts first."""
    result = list(records)
    for path, descending in reversed(keys):
        result.sort(key=lambda r: _sort_key(_lookup(r.data, path)), reverse=descending)
    return result


def _sort_key(value: object) -> tuple:
    if value is None:
        return (0, "")
    if isinstance(value, str):
        return (1, value.lower())
    return (1, value)
