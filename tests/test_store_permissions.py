"""The SQLite store and its WAL and shared-memory files are readable by their owner only, and
a new REVHUB_HOME is private (0700): the store holds customers, invoices and encrypted
credentials."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest
from sqlalchemy import text

from revhub.config import load_config
from revhub.store import Database


@pytest.fixture
def usual_umask():
    old = os.umask(0o022)  # the common default, under which files come out 0644
    yield
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def write_something(url: str) -> None:
    database = Database(url)
    try:
        with database.engine.begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
        # While a connection is open the -wal and -shm files exist.
        with database.engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM t"))
            files = {suffix: mode(f"{url.removeprefix('sqlite:///')}{suffix}") for suffix in ("", "-wal", "-shm")}
    finally:
        database.dispose()
    assert files == {"": 0o600, "-wal": 0o600, "-shm": 0o600}


def test_a_new_home_is_0700_and_its_secrets_0600(tmp_path, usual_umask):
    config = load_config(env={}, home=tmp_path / "revhub-home")
    assert mode(config.home) == 0o700
    for name in ("secret_key", "encryption_key", "api_token"):
        assert mode(config.home / name) == 0o600


def test_a_new_store_and_its_wal_files_are_0600(tmp_path, usual_umask):
    write_something(f"sqlite:///{tmp_path / 'revhub.db'}")


def test_an_existing_world_readable_store_is_made_private(tmp_path, usual_umask):
    path = tmp_path / "revhub.db"
    old = sqlite3.connect(path)
    old.execute("PRAGMA journal_mode=WAL")
    old.execute("CREATE TABLE t (x INTEGER)")
    old.commit()
    assert mode(path) == 0o644 and mode(f"{path}-wal") == 0o644  # as revhub used to leave it
    old.close()
    write_something(f"sqlite:///{path}")
