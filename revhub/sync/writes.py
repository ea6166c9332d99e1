"""Everything one page of changes writes, accumulated and then sent as a few executemany
statements: canonical rows, child rows, links, audit, conflicts, exceptions, outbox."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Dialect, Table, bindparam, delete, insert, update
from sqlalchemy.orm import Session

from revhub.store import AuditEntry, Conflict, Link, OutboxMessage, SyncException
from revhub.store.ids import new_id
from revhub.sync.entities import EntitySpec, column_converter
from revhub.sync.lookups import chunks


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
            bulk_insert(session, table, self.inserts)
        if self.updates:
            columns = [k for k in self.updates[0] if k != "id"]
            stmt = update(table).where(table.c.id == bindparam("_id")).values(
                {c: bindparam(c) for c in columns})
            session.execute(stmt, [{**{c: row[c] for c in columns}, "_id": row["id"]}
                                   for row in self.updates])
        if self.children and spec.children:
            self._replace_children(session)
        if self.new_links:
            bulk_insert(session, Link.__table__, self.new_links)
        if self.link_updates:
            links = Link.__table__
            session.execute(
                update(links).where(links.c.id == bindparam("_id")).values(
                    remote_version=bindparam("remote_version"),
                    base_snapshot=bindparam("base_snapshot"),
                    last_synced_at=bindparam("last_synced_at")),
                self.link_updates)
        for model, rows in ((AuditEntry, self.audit), (Conflict, self.conflicts),
                            (SyncException, self.exceptions), (OutboxMessage, self.outbox)):
            if rows:
                bulk_insert(session, model.__table__, rows)

    def _replace_children(self, session: Session) -> None:
        children = self.spec.children
        table = children.table
        parent = table.c[children.parent_key]
        for part in chunks(list(self.children)):
            session.execute(delete(table).where(parent.in_(part)))
        convert = {c: column_converter(table, c) for c in children.columns}
        rows = [
            {"id": new_id(), children.parent_key: parent_id,
             **{c: convert[c](child.get(c)) for c in children.columns}}
            for parent_id, items in self.children.items() for child in items
        ]
        if rows:
            bulk_insert(session, table, rows)


def bulk_insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT ``rows`` with one executemany on the DB-API cursor.

    The values go through the very bind processors SQLAlchemy would apply for this dialect
    (so they are stored exactly as the ORM stores them); what is skipped is SQLAlchemy's
    per-row statement machinery, which cost more than the rest of the apply loop.
    """
    keys = tuple(rows[0])
    if any(len(row) != len(keys) for row in rows) or any(tuple(row) != keys for row in rows):
        session.execute(insert(table), rows)  # rows of different shapes: let SQLAlchemy sort them out
        return
    dialect = session.get_bind().dialect
    sql, processors = _insert_plan(table, keys, dialect)
    params = [tuple(p(row[k]) if p else row[k] for k, p in zip(keys, processors, strict=True)) for row in rows]
    session.connection().exec_driver_sql(sql, params)


@functools.cache
def _insert_plan(table: Table, keys: tuple[str, ...], dialect: Dialect) -> tuple[str, tuple]:
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    preparer = dialect.identifier_preparer
    columns = ", ".join(preparer.quote(k) for k in keys)
    sql = f"INSERT INTO {preparer.format_table(table)} ({columns}) VALUES ({', '.join([marker] * len(keys))})"
    return sql, tuple(table.c[k].type.dialect_impl(dialect).bind_processor(dialect) for k in keys)
