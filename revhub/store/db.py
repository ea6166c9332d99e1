"""Engines and sessions for SQLite (WAL, synchronous FULL, foreign keys on) and PostgreSQL."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

# What every SQLite connection commits with; the inbox insists on it (webhooks/inbox.py).
SQLITE_SYNCHRONOUS = "FULL"


def json_dumps(value: Any) -> str:
    """JSON column text (orjson: the standard encoder was ~6 % of a full sync's CPU).

    Anything orjson refuses (an integer beyond 64 bits) is written as the standard library
    would write it, so what a column accepts does not change."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value)


def json_loads(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)  # NaN, Infinity or a huge integer written by the standard encoder


def make_engine(url: str, **kwargs) -> Engine:
    """An engine with revhub's connection settings for the URL's backend."""
    kwargs.setdefault("json_serializer", json_dumps)
    kwargs.setdefault("json_deserializer", json_loads)
    if url.startswith("sqlite"):
        _private_store_file(make_url(url).database)
        kwargs.setdefault("connect_args", {}).update(check_same_thread=False, timeout=30)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _private_store_file(database: str | None) -> None:
    """The store file exists and is its owner's alone (0600), and so are its journals.

    SQLite creates the -wal and -shm files with the database file's permissions, so creating
    that file 0600 first (and tightening one left 0644 by an earlier version) covers them too.
    """
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.parent.is_dir():
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # empty: a new database
        except FileExistsError:
            pass
    for suffix in ("", "-wal", "-shm", "-journal"):
        member = Path(f"{path}{suffix}")
        try:
            if member.stat().st_mode & 0o077 and member.stat().st_uid == os.getuid():
                member.chmod(0o600)
        except FileNotFoundError:
            continue


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        # pysqlite's own transaction handling is bypassed so that BEGIN is ours to emit.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        # FULL: every commit syncs the WAL, so what revhub has acknowledged (a webhook, a PO,
        # a console save) survives a power loss. NORMAL would sync only at checkpoints and could
        # lose the last commits; measured cost: ~3-5 ms per lone commit on ext4, shared by all
        # the events of one group commit in the inbox (README, "Durability").
        cur.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        # A writer takes the write lock up front; a deferred BEGIN upgraded later fails
        # at once with SQLITE_BUSY under WAL instead of waiting for the busy timeout.
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """One engine and its session factory; attached to the Flask app and the CLI."""

    def __init__(self, url: str, **engine_kwargs) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = self.engine.execution_options(sqlite_immediate=True)
        self.write_sessions = sessionmaker(self._writer, expire_on_commit=False)
        self._inbox_engine: Engine | None = None

    @property
    def inbox_engine(self) -> Engine:
        """The webhook hot path's engine: on PostgreSQL its own pool without a ping per
        checkout (the inbox handles a dropped connection itself); on SQLite the one engine."""
        if self.dialect != "postgresql":
            return self.engine
        if self._inbox_engine is None:
            # Named, so its connections are told apart from the rest in pg_stat_activity.
            self._inbox_engine = make_engine(self.url, pool_pre_ping=False,
                                             connect_args={"application_name": "revhub-inbox"})
        return self._inbox_engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def session(self, write: bool = False) -> Iterator[Session]:
        """A session that commits when the block ends normally and rolls back otherwise."""
        factory = self.write_sessions if write else self.sessions
        with factory() as session:
            with session.begin():
                yield session

    def dispose(self) -> None:
        self.engine.dispose()
        if self._inbox_engine is not None:
            self._inbox_engine.dispose()


# SQLite primary result codes that mean "the store cannot take this now", not "a bug":
# BUSY, LOCKED, READONLY, IOERR, CORRUPT, FULL, CANTOPEN. https://www.sqlite.org/rescode.html
_SQLITE_UNAVAILABLE = {5, 6, 8, 10, 11, 13, 14}
# PostgreSQL SQLSTATE classes likewise: connection exception, insufficient resources (disk
# full, out of memory, too many connections), operator intervention (shutdown), system error
# (I/O); and 25006, a read-only transaction (a standby, or a read-only default).
_POSTGRES_UNAVAILABLE_CLASSES = ("08", "53", "57", "58")


def storage_unavailable(exc: BaseException) -> str | None:
    """One line saying why the store refused, when ``exc`` means the store is unavailable
    (full, read-only, unreachable, out of connections); None when it is anything else."""
    from sqlalchemy import exc as sa_exc

    if isinstance(exc, sa_exc.TimeoutError):
        return "no database connection free in time (pool exhausted)"
    original = getattr(exc, "orig", None) or exc
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return _one_line(original)
    if isinstance(original, sqlite3.Error):
        code = getattr(original, "sqlite_errorcode", None)
        return _one_line(original) if code is not None and code & 0xFF in _SQLITE_UNAVAILABLE else None
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate and (sqlstate[:2] in _POSTGRES_UNAVAILABLE_CLASSES or sqlstate == "25006"):
        return _one_line(original)
    # A driver-level failure to connect or a lost connection carries no SQLSTATE.
    if sqlstate is None and isinstance(original, _psycopg_operational_error()):
        return _one_line(original)
    return None


def _psycopg_operational_error() -> tuple[type[BaseException], ...]:
    try:
        import psycopg
    except ImportError:  # the PostgreSQL extra is not installed: no such errors can occur
        return ()
    return (psycopg.OperationalError,)


def _one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": ")
