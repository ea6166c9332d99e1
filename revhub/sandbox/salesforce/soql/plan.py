"""Binding a parsed query to the schema, then running it over a table's rows.

Binding is where Salesforce's semantic errors come from: unknown object (INVALID_TYPE),
unknown field or relationship (INVALID_FIELD), a literal of the wrong type for its field
(INVALID_FIELD), a malformed id (INVALID_QUERY_FILTER_OPERATOR).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from revhub.sandbox.salesforce import schema
from revhub.sandbox.salesforce.ids import to18
from revhub.sandbox.salesforce.soql.errors import SoqlError
from revhub.sandbox.salesforce.soql.parser import Comparison, FieldRef, Junction, Not, parse
from revhub.sandbox.salesforce.store import CASCADING_LOOKUPS

_TEXT = {"string", "textarea", "email", "phone", "url", "picklist"}
_NUMBER = {"double", "currency", "percent", "int"}
_UNKNOWN_FIELD = ("No such column '{name}' on entity '{entity}'. If you are attempting to use a "
                  "custom field, be sure to append the '__c' after the custom field name. Please "
                  "reference your WSDL or the describe call for the appropriate names.")
_UNKNOWN_REL = ("Didn't understand relationship '{name}' in field path. If you are attempting to "
                "use a custom relationship, be sure to append the '__r' after the custom "
                "relationship name. Please reference your WSDL or the describe call for the "
                "appropriate names.")


@dataclass(frozen=True)
class Column:
    relationship: schema.FieldDef | None   # the reference field walked, or None
    field: schema.FieldDef                 # the field read (on the parent when walked)


@dataclass
class Plan:
    definition: schema.SObjectDef
    columns: list[Column]
    count: bool
    predicate: Callable[[dict], bool] | None
    order: list[tuple[Callable[[dict], object], bool, bool, bool]]
    limit: int | None
    offset: int | None
    # (parent-link field, lower-cased ids): every matching row holds one of them there
    seek: tuple[str, frozenset[str]] | None = None

    def run(self, rows: list[dict], include_deleted: bool) -> list[dict]:
        """The matching record versions in result order (a new list; rows is not touched)."""
        predicate = self.predicate
        if include_deleted:
            matched = [r for r in rows if predicate(r)] if predicate else list(rows)
        elif predicate:
            matched = [r for r in rows if not r["IsDeleted"] and predicate(r)]
        else:
            matched = [r for r in rows if not r["IsDeleted"]]
        for getter, descending, nulls_first, fold in reversed(self.order):
            # Stable sorts applied last key first give a multi-key order; the group flag puts
            # nulls first or last whatever the direction.
            null_group = 0 if nulls_first != descending else 1
            matched.sort(key=lambda r, g=getter, n=null_group, f=fold: _sort_key(g(r), n, f),
                         reverse=descending)
        start = self.offset or 0
        end = start + self.limit if self.limit is not None else None
        return matched[start:end] if (start or end is not None) else matched


def _sort_key(value, null_group: int, fold_case: bool):
    if value is None:
        return (null_group, 0)
    if fold_case:
        value = value.lower()
    return (1 - null_group, value)


def bind(text: str, lookup: Callable[[str | None], dict | None],
         org: schema.OrgSchema = schema.MULTI_CURRENCY) -> Plan:
    """Parse and bind ``text``; ``lookup(id)`` returns a parent record version or None."""
    query = parse(text)
    definition = org.sobject(query.sobject)
    if definition is None:
        raise SoqlError("INVALID_TYPE", f"sObject type '{query.sobject}' is not supported. If you "
                        "are attempting to use a custom object, be sure to append the '__c' after "
                        "the entity name. Please reference your WSDL or the describe call for the "
                        "appropriate names.", query.sobject_pos)
    columns, seen = [], set()
    for ref in query.fields:
        column = _column(definition, ref)
        key = (column.relationship.name if column.relationship else "", column.field.name)
        if key in seen:
            raise SoqlError("MALFORMED_QUERY", f"duplicate field selected: {ref.path}", ref.pos)
        seen.add(key)
        columns.append(column)
    predicate = _condition(definition, query.where, lookup) if query.where is not None else None
    order = []
    for item in query.order:
        column = _column(definition, item.field)
        # Text sorts case-insensitively; ids keep their case (their order is creation order).
        order.append((_getter(column, lookup), item.descending, item.nulls_first,
                      column.field.type in _TEXT))
    seek = _seek(definition, query.where) if query.where is not None else None
    return Plan(definition, columns, query.count, predicate, order, query.limit, query.offset, seek)


def _seek(definition: schema.SObjectDef, node) -> tuple[str, frozenset[str]] | None:
    """The parent ids a matching row must link to, when the condition says so: ``link IN (...)``
    or ``link = '...'`` alone or in a top-level AND, on a master-detail field or a lookup the
    store cascades deletes through (the links the store writes only through create and update).
    Run after ``_condition``, which has checked the literals."""
    if isinstance(node, Junction):
        if node.op != "AND":
            return None
        return next((seek for part in node.parts if (seek := _seek(definition, part)) is not None), None)
    if not isinstance(node, Comparison) or node.op not in ("IN", "=") or "." in node.field.path:
        return None
    field = definition.field(node.field.path)
    if field is None or not (field.master_detail or (definition.name, field.name) in CASCADING_LOOKUPS):
        return None
    values = node.value if node.op == "IN" else (node.value,)
    quoted = node.quoted if node.op == "IN" else (node.quoted,)
    ids = [_literal(field, v, q, node) for v, q in zip(values, quoted, strict=False)]
    return None if any(i is None for i in ids) else (field.name, frozenset(i.lower() for i in ids))


def _column(definition: schema.SObjectDef, ref: FieldRef) -> Column:
    parts = ref.path.split(".")
    if len(parts) > 2:
        raise SoqlError("INVALID_FIELD", _UNKNOWN_REL.format(name=parts[0]), ref.pos)
    if len(parts) == 2:
        relationship = definition.relationship(parts[0])
        if relationship is None:
            raise SoqlError("INVALID_FIELD", _UNKNOWN_REL.format(name=parts[0]), ref.pos)
        parent = (definition.objects or schema.OBJECTS)[relationship.reference_to]
        field = parent.field(parts[1])
        if field is None:
            raise SoqlError("INVALID_FIELD", _UNKNOWN_FIELD.format(name=ref.path, entity=definition.name),
                            ref.pos)
        return Column(relationship, field)
    field = definition.field(parts[0])
    if field is None:
        raise SoqlError("INVALID_FIELD", _UNKNOWN_FIELD.format(name=parts[0], entity=definition.name),
                        ref.pos)
    return Column(None, field)


def _getter(column: Column, lookup) -> Callable[[dict], object]:
    name = column.field.name
    if column.relationship is None:
        return lambda r: r[name]
    ref = column.relationship.name

    def via_parent(record: dict):
        parent = lookup(record[ref])
        return parent[name] if parent is not None else None
    return via_parent


def _condition(definition, node, lookup) -> Callable[[dict], bool]:
    if isinstance(node, Junction):
        parts = [_condition(definition, p, lookup) for p in node.parts]
        if node.op == "AND":
            return lambda r: all(p(r) for p in parts)
        return lambda r: any(p(r) for p in parts)
    if isinstance(node, Not):
        inner = _condition(definition, node.part, lookup)
        return lambda r: not inner(r)
    return _comparison(definition, node, lookup)


def _comparison(definition, node: Comparison, lookup) -> Callable[[dict], bool]:
    column = _column(definition, node.field)
    get = _getter(column, lookup)
    field = column.field
    if node.op in ("IN", "NOT IN"):
        items = {_normalise(_literal(field, v, q, node)) for v, q in zip(node.value, node.quoted, strict=False)}
        if node.op == "IN":
            return lambda r: _normalise(get(r)) in items
        return lambda r: _normalise(get(r)) not in items
    value = _literal(field, node.value, node.quoted, node)
    if node.op == "LIKE":
        if field.type not in _TEXT or value is None:
            raise SoqlError("INVALID_QUERY_FILTER_OPERATOR",
                            f"invalid operator on {field.type} field: LIKE", node.value_pos)
        pattern = _like(value)
        return lambda r: (v := get(r)) is not None and pattern.fullmatch(v) is not None
    target = _normalise(value)
    if node.op == "=":
        return lambda r: _normalise(get(r)) == target
    if node.op == "!=":
        return lambda r: _normalise(get(r)) != target
    if target is None:
        return lambda r: False
    compare = {"<": lambda a: a < target, "<=": lambda a: a <= target,
               ">": lambda a: a > target, ">=": lambda a: a >= target}[node.op]
    return lambda r: (v := _normalise(get(r))) is not None and compare(v)


def _normalise(value):
    # SOQL compares text case-insensitively.
    return value.lower() if isinstance(value, str) else value


def _literal(field: schema.FieldDef, value, quoted: bool, node: Comparison):
    if value is None:
        return None
    kind = field.type

    def wrong(type_name: str, want_quotes: bool) -> SoqlError:
        quotes = "should be enclosed in quotes" if want_quotes else "should not be enclosed in quotes"
        return SoqlError("INVALID_FIELD", f"value of filter criterion for field '{field.name}' must "
                         f"be of type {type_name} and {quotes}", node.value_pos)

    if kind in _TEXT:
        if not quoted:
            raise wrong("string", True)
        return value
    if kind in ("id", "reference"):
        if not quoted:
            raise wrong("id", True)
        canonical = to18(value)
        if canonical is None:
            raise SoqlError("INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {value}", node.value_pos)
        return canonical
    if kind == "boolean":
        if quoted or not isinstance(value, bool):
            raise wrong("boolean", False)
        return value
    if kind in _NUMBER:
        if quoted or not isinstance(value, Decimal):
            raise wrong("double" if kind == "double" else kind, False)
        return value
    if kind == "date":
        if quoted or not isinstance(value, date) or isinstance(value, datetime):
            raise wrong("date", False)
        return value
    if kind == "datetime":
        if quoted or not isinstance(value, datetime):
            raise wrong("dateTime", False)
        return value
    raise AssertionError(kind)


def _like(pattern: str) -> re.Pattern:
    out = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)
