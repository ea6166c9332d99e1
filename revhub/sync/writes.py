"""Everything one page of changes writes, accumulated and then sent as a few executemany
statements: canonical rows, child rows, links, audit, conflicts, exceptions, outbox.

Rows go to the DB-API driver as SQLAlchemy would send them (the same compiled SQL, the same
bind processors: UTC datetimes, JSON through the engine's serializer, UUIDs), on the
session's own connection and transaction, but each statement is compiled once per process
and each column's processor looked up once per statement. Through ``session.execute`` every
row of an executemany went through ``construct_params`` and a per-row processor look-up:
about a third of writing a page.
"""

from __future__ import annotations

import operator
import re
import uuid
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, update
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.interfaces import BindTyping
from sqlalchemy.orm import Session

from revhub.store import AuditEntry, Conflict, Link, OutboxMessage
from revhub.store.ids import new_id
from revhub.sync.entities import EntitySpec, column_converter
from revhub.sync.exception_queue import close_placed, file_exceptions
from revhub.sync.lookups import among, chunks


@dataclass
class PendingWrites:
    spec: EntitySpec
    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    children: dict[uuid.UUID, list[dict[str, Any]]] = field(default_factory=dict)
    new_links: list[dict[str, Any]] = field(default_factory=list)
    link_updates: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)

    def flush(self, session: Session) -> None:
        """Write everything accumulated, in an order that satisfies foreign keys."""
        spec, table = self.spec, self.spec.table
        if self.inserts:
            insert_rows(session, table, self.inserts)
        if self.updates:
            update_rows(session, table, self.updates)
        if self.children and spec.children:
            self._replace_children(session)
        if self.new_links:
            insert_rows(session, Link.__table__, self.new_links)
            close_placed(session, self.new_links)  # a record placed now waits in no exception
        if self.link_updates:
            update_rows(session, Link.__table__, self.link_updates)
        if self.exceptions:
            file_exceptions(session, self.exceptions)  # one open exception per unplaced record
        for model, rows in ((AuditEntry, self.audit), (Conflict, self.conflicts), (OutboxMessage, self.outbox)):
            if rows:
                insert_rows(session, model.__table__, rows)

    def _replace_children(self, session: Session) -> None:
        children = self.spec.children
        table = children.table
        parent = table.c[children.parent_key]
        # Records inserted in this page have no children yet: only updated ones need clearing.
        inserted = {row["id"] for row in self.inserts}
        for part in chunks([p for p in self.children if p not in inserted]):
            session.execute(delete(table).where(among(session, parent, part)))
        convert = [(c, column_converter(table, c)) for c in children.columns]
        parent_key = children.parent_key
        rows = [
            {"id": new_id(), parent_key: parent_id, **{c: conv(child.get(c)) for c, conv in convert}}
            for parent_id, items in self.children.items() for child in items
        ]
        if rows:
            insert_rows(session, table, rows)


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT ``rows`` (dicts with the keys of the first) into ``table``, one executemany."""
    keys = tuple(rows[0])
    _write(session, ("insert", table, keys), lambda: insert(table), keys, rows, {})


def update_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """UPDATE ``table`` by ``id``: each row sets the columns named by the first row's other keys."""
    keys = tuple(rows[0])
    columns = [k for k in keys if k != "id"]

    def statement():
        # The WHERE clause's bind is "_id" (SQLAlchemy reserves a column's name for SET); it
        # takes each row's "id".
        return update(table).where(table.c.id == bindparam("_id")).values({c: bindparam(c) for c in columns})

    _write(session, ("update", table, keys), statement, keys, rows, {"_id": "id"})


@dataclass(frozen=True)
class _Plan:
    """One compiled statement and how a row dict becomes the driver's parameters."""

    sql: str
    getter: Callable[[dict[str, Any]], Any]    # the row's values, in parameter order
    width: int                                 # how many values ``getter`` returns
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]
    extras: tuple[tuple[int, Callable[[], Any]], ...]  # Python-side defaults of absent columns
    names: tuple[str, ...] | None              # a named paramstyle's dict keys; None: tuples

    def parameters(self, rows: Sequence[dict[str, Any]]) -> list:
        # Column by column: the per-value loops run in C (itemgetter, zip, map).
        columns: list = [list(map(self.getter, rows))] if self.width == 1 else \
            list(zip(*map(self.getter, rows), strict=True))
        for position, make in self.extras:
            columns.insert(position, [make() for _ in rows])
        for position, process in self.processors:
            columns[position] = list(map(process, columns[position]))
        if self.names is None:
            return list(zip(*columns, strict=True))
        names = self.names
        return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


_PYFORMAT = re.compile(r"%\((\w+)\)s")

# Per dialect (an engine's), the plans of the statements written through it.
_PLANS: weakref.WeakKeyDictionary[Dialect, dict[tuple, _Plan | None]] = weakref.WeakKeyDictionary()


def _write(session: Session, key: tuple, statement: Callable[[], Any], keys: tuple[str, ...],
           rows: Sequence[dict[str, Any]], aliases: dict[str, str]) -> None:
    connection = session.connection()
    dialect = connection.dialect
    plans = _PLANS.setdefault(dialect, {})
    if key not in plans:
        plans[key] = _plan(dialect, statement(), keys, aliases)
    plan = plans[key]
    if plan is None:  # something this path does not reproduce: SQLAlchemy's own way
        taken = set(aliases.values())
        session.execute(statement(), [{k: v for k, v in row.items() if k not in taken}
                                      | {a: row[k] for a, k in aliases.items()} for row in rows])
        return
    try:
        parameters = plan.parameters(rows)
    except KeyError as missing:
        raise ValueError(f"a row for {key[1].name} has no {missing} (the first row had {', '.join(keys)})") from None
    connection.exec_driver_sql(plan.sql, parameters)


def _plan(dialect: Dialect, statement: Any, keys: tuple[str, ...], aliases: dict[str, str]) -> _Plan | None:
    """How to send ``statement`` for rows with ``keys``, or None where only SQLAlchemy's
    per-row path is right (RETURNING, multi-row VALUES, expanding parameters, schema
    translation, set-input-sizes drivers, defaults that want an execution context)."""
    taken = set(aliases.values())  # keys that feed a renamed bind, not a column of their own
    compiled = statement.compile(dialect=dialect, column_keys=[k for k in keys if k not in taken],
                                 for_executemany=True)
    if (compiled._insertmanyvalues or compiled.effective_returning or compiled.literal_execute_params
            or compiled.post_compile_params or compiled.schema_translate_map
            or dialect.bind_typing is BindTyping.SETINPUTSIZES):
        return None
    defaults: dict[str, Callable[[], Any]] = {}
    prefetch = [(c, c._default_description_tuple) for c in compiled.insert_prefetch] + \
        [(c, c._onupdate_description_tuple) for c in compiled.update_prefetch]
    for column, (arg, is_scalar, is_callable, is_sentinel) in prefetch:
        if is_scalar and not is_sentinel:
            defaults[compiled._get_bind_name_for_col(column)] = lambda arg=arg: arg
        elif is_callable and not is_sentinel and getattr(arg, "__wrapped__", None) is not None:
            # SQLAlchemy wraps a default taking no arguments; one taking the context is not ours to call.
            defaults[compiled._get_bind_name_for_col(column)] = lambda arg=arg: arg(None)
        else:
            return None
    sql, names = compiled.string, None
    if compiled.positional:
        order = list(compiled.positiontup)
    elif dialect.paramstyle == "pyformat":
        # psycopg takes "%s" as well as "%(name)s": sent positionally it skips a dict per row
        # and its re-ordering by name. The names in the order the SQL places them:
        unescaped = {e: n for n, e in compiled.escaped_bind_names.items()}
        order = [unescaped.get(n, n) for n in _PYFORMAT.findall(sql)]
        if set(order) != set(compiled.binds):
            return None
        sql = _PYFORMAT.sub("%s", sql)
    else:
        order = list(compiled.binds)
        names = tuple(compiled.escaped_bind_names.get(n, n) for n in order)
    if len(set(order)) != len(order):
        return None
    sources: list[str] = []
    extras: list[tuple[int, Callable[[], Any]]] = []
    for position, name in enumerate(order):
        bind = compiled.binds[name]
        if name in defaults:
            extras.append((position, defaults[name]))
        elif aliases.get(bind.key, bind.key) in keys:
            sources.append(aliases.get(bind.key, bind.key))
        else:
            return None
    if not sources:
        return None
    processors = compiled._bind_processors
    return _Plan(
        sql=sql,
        getter=operator.itemgetter(*sources),
        width=len(sources),
        processors=tuple((i, processors[name]) for i, name in enumerate(order) if name in processors),
        extras=tuple(extras),
        names=names)
