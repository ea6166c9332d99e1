"""The inbox: provider events stored durably, once, before they are acknowledged.

This is the hot path of every webhook. Requests that arrive while every connection of the
inbox is busy committing wait and are then written together, in one statement and one commit
(group commit): under load the database's per-transaction cost and its flush to disk are
shared, and a lone request is written at once, without waiting for company. Every caller
still gets its answer only after the commit holding its events has returned (SQLite
synchronous=FULL, PostgreSQL synchronous_commit on: on disk).

The insert runs on the DB-API connection (on PostgreSQL through libpq itself; one round trip),
with values laid out exactly as the SQLAlchemy column types store them; the rest of revhub
reads these rows through the ORM.
"""

from __future__ import annotations

import os
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy import event as sa_event

_COLUMNS = "provider, connection_id, event_id, event_type, body, received_at, status, attempts"
_PG_FORMATS = [0, 0, 0, 0, 1, 0]  # libpq parameter formats per row: text, but the body binary
_PG_SUCCESS = (1, 2)  # libpq's PGRES_COMMAND_OK and PGRES_TUPLES_OK (psycopg.pq.ExecStatus), without importing psycopg
# Rows per INSERT statement: far under SQLite's 32,766 bound parameters (six per row).
_CHUNK = 200


@dataclass(frozen=True)
class IncomingEvent:
    event_id: str
    event_type: str | None
    body: bytes


class InboxUnavailable(Exception):
    """The events could not be stored (the database refused or is unreachable); nothing was
    acknowledged, so the provider will deliver them again."""


def store(engine: Engine, provider: str, connection_id: uuid.UUID | None, events: list[IncomingEvent]) -> int:
    """Insert ``events`` durably; duplicates of (provider, event id) are absorbed.

    Returns how many were new. Raises :class:`InboxUnavailable` when they could not be stored.
    """
    if not events:
        return 0
    return _committer(engine).submit(_Waiter(provider, connection_id, events))


@dataclass(eq=False)
class _Waiter:
    provider: str
    connection_id: uuid.UUID | None
    events: list[IncomingEvent]
    new: int = 0
    error: BaseException | None = None
    taken: bool = False  # in a batch being written
    done: bool = False


# PostgreSQL flushes the WAL of concurrent commits together: with a second connection a batch
# starts while the previous one's commit is still on its way to disk, instead of waiting for it
# (under load the wait for the disk, not the CPU, bounded the acknowledgements per second).
# SQLite has one writer at a time, so one connection.
_POSTGRES_WRITERS = 2


class _GroupCommit:
    """Leader/follower group commit: whoever finds a connection free writes everything queued.

    Each connection is kept out of the pool: no checkout, ping or autocommit switch per webhook.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._cond = threading.Condition()
        self._queue: list[_Waiter] = []
        count = _POSTGRES_WRITERS if engine.dialect.name == "postgresql" else 1
        self._writers = [_Writer(engine) for _ in range(count)]
        # Last in, first out: at low load the first connection serves alone, kept warm.
        self._idle = list(reversed(self._writers))
        self.pid = os.getpid()

    @property
    def _connection(self):
        """The first writer's DB-API connection (None before the first write)."""
        return self._writers[0].connection

    def submit(self, waiter: _Waiter) -> int:
        with self._cond:
            self._queue.append(waiter)
            while not waiter.done and (waiter.taken or not self._idle):
                self._cond.wait()
            leader = not waiter.done
            if leader:
                writer = self._idle.pop()
                batch, self._queue = self._queue, []
                for member in batch:
                    member.taken = True
        if leader:
            try:
                self._write(writer, batch)
            except BaseException as exc:  # every waiter of the batch must hear of it, not only the leader
                for member in batch:
                    member.error = exc
            finally:
                with self._cond:
                    for member in batch:
                        member.done = True
                    self._idle.append(writer)
                    self._cond.notify_all()
        if waiter.error is not None:
            if isinstance(waiter.error, (_Dropped, *_engine_errors(self.engine))):
                raise InboxUnavailable((str(waiter.error).splitlines() or [type(waiter.error).__name__])[0]) \
                    from waiter.error
            raise waiter.error
        return waiter.new

    def close(self) -> None:
        if self.pid != os.getpid():
            return  # a forked child's copy: the connections are the parent's to close
        for writer in self._writers:
            writer.close()

    def _write(self, writer: _Writer, batch: list[_Waiter]) -> None:
        """Insert every waiter's events in one transaction and count, per waiter, the new ones."""
        dialect = self.engine.dialect.name
        now = datetime.now(UTC)
        rows: list[tuple] = []
        owners: list[tuple[_Waiter, tuple[str, str]]] = []
        seen: set[tuple[str, str]] = set()
        for waiter in batch:
            for event in waiter.events:
                key = (waiter.provider, event.event_id)
                if key in seen:  # the same event twice in one batch: the first claimant stores it
                    continue
                seen.add(key)
                rows.append(_row(dialect, waiter.provider, waiter.connection_id, event, now))
                owners.append((waiter, key))
        try:
            inserted = writer.insert(rows)
        except _Dropped:
            # Nothing pings this connection (a round trip per webhook); one the server dropped
            # (a restart) has been discarded, and the insert is tried once on a new one.
            inserted = writer.insert(rows)
        for waiter, key in owners:
            if key in inserted:
                waiter.new += 1


class _Writer:
    """One connection of the group commit; only the leader holding it touches it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.connection = None
        self._prepared: set[int] = set()  # batch sizes with a statement prepared on this connection

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - closing a connection that is already broken
                pass

    def _connect(self):
        raw = self.engine.raw_connection()  # through the pool once, so its connect hooks run
        raw.detach()
        connection = raw.dbapi_connection
        # Each caller is answered once its events are committed: the commit must be on disk,
        # whatever a server, role or engine default says (a power loss must not undo an ack).
        if self.engine.dialect.name == "postgresql":
            connection.autocommit = True
            connection.execute("SET synchronous_commit TO on")
            connection.execute("SET client_encoding TO 'UTF8'")  # the encoding _row's parameters are in
        else:
            connection.execute("PRAGMA synchronous=FULL")
        return connection

    def insert(self, rows: list[tuple]) -> set[tuple[str, str]]:
        if self.connection is None:
            self.connection = self._connect()
            self._prepared = set()
        connection, dialect = self.connection, self.engine.dialect.name
        try:
            if dialect == "postgresql":
                return self._insert_postgres(connection, rows)
            return self._insert_sqlite(connection, rows)
        except BaseException as exc:
            dbapi = self.engine.dialect.loaded_dbapi
            if isinstance(exc, dbapi.Error) and _disconnected(self.engine, exc, connection):
                self.close()
                self.engine.dispose()  # after a server restart every pooled connection is dead too
                raise _Dropped() from exc
            try:
                connection.rollback()
            except Exception:  # noqa: BLE001 - a connection that cannot roll back is not reused
                self.close()
            raise

    def _insert_sqlite(self, connection, rows: list[tuple]) -> set[tuple[str, str]]:
        cursor = connection.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        inserted: set[tuple[str, str]] = set()
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start:start + _CHUNK]
            cursor.execute(_sql("sqlite", len(chunk)), [value for row in chunk for value in row])
            inserted.update((provider, event_id) for provider, event_id in cursor.fetchall())
        connection.commit()
        return inserted

    def _insert_postgres(self, connection, rows: list[tuple]) -> set[tuple[str, str]]:
        """The batch through libpq itself: a statement prepared once per batch size, text
        parameters encoded here and the body as binary bytea.

        psycopg's cursor (adaptation, prepared-statement bookkeeping, its wait loop) cost
        ~50 µs of CPU more per statement, measured, than the round trip needs; libpq releases
        the GIL while it waits for the commit, so the worker's other threads keep running.
        """
        pgconn = connection.pgconn
        # One statement alone in autocommit is one atomic and durable round trip; a batch of
        # several statements gets an explicit transaction.
        explicit = len(rows) > _CHUNK
        if explicit:
            _checked(pgconn.exec_(b"BEGIN"))
        inserted: set[tuple[str, str]] = set()
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start:start + _CHUNK]
            name = self._statement(pgconn, len(chunk))
            result = _checked(pgconn.exec_prepared(name, [value for row in chunk for value in row],
                                                   _PG_FORMATS * len(chunk)))
            for i in range(result.ntuples):
                inserted.add((result.get_value(i, 0).decode(), result.get_value(i, 1).decode()))
        if explicit:
            _checked(pgconn.exec_(b"COMMIT"))
        return inserted

    def _statement(self, pgconn, count: int) -> bytes:
        name = b"revhub_inbox_%d" % count
        if count not in self._prepared:
            _checked(pgconn.prepare(name, _sql("postgresql", count).encode()))
            self._prepared.add(count)
        return name


_committers_lock = threading.Lock()
_inherited: list[_GroupCommit] = []


def _committer(engine: Engine) -> _GroupCommit:
    """The engine's group commit, kept on the engine so that it lives and dies with it."""
    committer = engine.__dict__.get("_revhub_group_commit")
    if committer is not None and committer.pid == os.getpid():
        return committer
    with _committers_lock:
        committer = engine.__dict__.get("_revhub_group_commit")
        if committer is not None and committer.pid != os.getpid():
            # Inherited through a fork: the parent's socket and locks are not ours. Kept
            # referenced, so that collecting it never closes the parent's connection.
            _inherited.append(committer)
            committer = None
        if committer is None:
            committer = _GroupCommit(engine)
            sa_event.listen(engine, "engine_disposed", lambda _engine: committer.close())
            engine.__dict__["_revhub_group_commit"] = committer
        return committer


def _engine_errors(engine: Engine) -> tuple[type[BaseException], ...]:
    from sqlalchemy.exc import SQLAlchemyError

    return engine.dialect.loaded_dbapi.Error, SQLAlchemyError


def _row(dialect: str, provider: str, connection_id: uuid.UUID | None, event: IncomingEvent,
         now: datetime) -> tuple:
    if dialect == "sqlite":
        # As sqlalchemy.Uuid and revhub's UTCDateTime store them on SQLite.
        return (provider, connection_id.hex if connection_id else None, event.event_id, event.event_type,
                event.body, now.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f"))
    # libpq parameters: text in the connection's encoding (UTF-8, set in _connect), the body binary.
    return (provider.encode(), str(connection_id).encode() if connection_id else None, event.event_id.encode(),
            event.event_type.encode() if event.event_type is not None else None, event.body,
            now.isoformat().encode())


def _sql(dialect: str, count: int) -> str:
    if dialect == "sqlite":
        values = ", ".join(["(?, ?, ?, ?, ?, ?, 'pending', 0)"] * count)
    else:
        values = ", ".join(f"(${n + 1}, ${n + 2}, ${n + 3}, ${n + 4}, ${n + 5}, ${n + 6}, 'pending', 0)"
                           for n in range(0, 6 * count, 6))
    return (f"INSERT INTO inbox_events ({_COLUMNS}) VALUES {values} "
            "ON CONFLICT (provider, event_id) DO NOTHING RETURNING provider, event_id")


def _checked(result):
    """``result``, or the psycopg error it carries (a DB-API error, as the cursor would raise)."""
    if result.status in _PG_SUCCESS:
        return result
    from psycopg import errors

    raise errors.error_from_result(result, encoding="utf-8")


def _disconnected(engine: Engine, exc: BaseException, connection) -> bool:
    if engine.dialect.is_disconnect(exc, connection, None):
        return True
    # libpq calls made directly leave psycopg's own "broken" flag unset: ask libpq.
    pgconn = getattr(connection, "pgconn", None)
    if pgconn is None:
        return False
    from psycopg import pq

    return pgconn.status == pq.ConnStatus.BAD


class _Dropped(Exception):
    """The server had closed the pooled connection; nothing was written."""
