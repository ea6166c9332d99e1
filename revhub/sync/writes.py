"""Everything one page of changes writes, accumulated and then sent as a few executemany
statements: canonical rows, child rows, links, audit, conflicts, exceptions, outbox."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, insert, update
from sqlalchemy.orm import Session

from revhub.store import AuditEntry, Conflict, Link, OutboxMessage
from revhub.store.ids import new_id
from revhub.sync.entities import EntitySpec, column_converter
from revhub.sync.exception_queue import close_placed, file_exceptions
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
            session.execute(insert(table), self.inserts)
        if self.updates:
            columns = [k for k in self.updates[0] if k != "id"]
            stmt = update(table).where(table.c.id == bindparam("_id")).values(
                {c: bindparam(c) for c in columns})
            session.execute(stmt, [{**{c: row[c] for c in columns}, "_id": row["id"]}
                                   for row in self.updates])
        if self.children and spec.children:
            self._replace_children(session)
        if self.new_links:
            session.execute(insert(Link.__table__), self.new_links)
            close_placed(session, self.new_links)  # a record placed now waits in no exception
        if self.link_updates:
            links = Link.__table__
            session.execute(
                update(links).where(links.c.id == bindparam("_id")).values(
                    remote_version=bindparam("remote_version"),
                    base_snapshot=bindparam("base_snapshot"),
                    last_synced_at=bindparam("last_synced_at")),
                self.link_updates)
        if self.exceptions:
            file_exceptions(session, self.exceptions)  # one open exception per unplaced record
        for model, rows in ((AuditEntry, self.audit), (Conflict, self.conflicts), (OutboxMessage, self.outbox)):
            if rows:
                session.execute(insert(model.__table__), rows)

    def _replace_children(self, session: Session) -> None:
        children = self.spec.children
        table = children.table
        parent = table.c[children.parent_key]
        # Records inserted in this page have no children yet: only updated ones need clearing.
        inserted = {row["id"] for row in self.inserts}
        for part in chunks([p for p in self.children if p not in inserted]):
            session.execute(delete(table).where(parent.in_(part)))
        convert = {c: column_converter(table, c) for c in children.columns}
        rows = [
            {"id": new_id(), children.parent_key: parent_id,
             **{c: convert[c](child.get(c)) for c in children.columns}}
            for parent_id, items in self.children.items() for child in items
        ]
        if rows:
            session.execute(insert(table), rows)
