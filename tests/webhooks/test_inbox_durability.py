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


def test_the_inbox_keeps_synchronous_commit_on_when_the_server_default_is_off(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's synchronous_commit")
    from sqlalchemy.engine import make_url

    from revhub.store import Database

    url = make_url(database_url)
    options = f"{url.query.get('options', '')} -csynchronous_commit=off".strip()
    relaxed = Database(url.update_query_dict({"options": options}).render_as_string(hide_password=False))
    try:
        with relaxed.engine.connect() as conn:  # what every other connection of this role gets
            assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "off"
        cursor = inbox_connection(relaxed).cursor()
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
    finally:
        relaxed.dispose()
