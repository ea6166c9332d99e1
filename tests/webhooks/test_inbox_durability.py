"""An acknowledged webhook survives a power loss: the inbox's connection commits with
SQLite's synchronous=FULL (the WAL is synced at every commit, not only at checkpoints) and
PostgreSQL's synchronous_commit on."""

from __future__ import annotations

import pytest

from revhub.webhooks import inbox
from revhub.webhooks.inbox import IncomingEvent

pytestmark = pytest.mark.store

SQLITE_FULL = 2


def inbox_connection(db):
    """The DB-API connection the inbox's group commit writes with (after one event stored)."""
    assert inbox.store(db.inbox_engine, "stripe", None, [IncomingEvent("evt_durable", "x", b"{}")]) == 1
    return inbox._committer(db.inbox_engine)._connection


def test_the_inbox_commits_durably_before_it_acknowledges(db):
    cursor = inbox_connection(db).cursor()
    if db.dialect == "sqlite":
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == SQLITE_FULL
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    else:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"


def test_every_sqlite_write_session_is_durable_too(db):
    # The PO API's 201 and the console's saves are acknowledgements as well.
    if db.dialect != "sqlite":
        pytest.skip("SQLite's synchronous setting")
    with db.session(write=True) as s:
        assert s.connection().exec_driver_sql("PRAGMA synchronous").scalar() == SQLITE_FULL
