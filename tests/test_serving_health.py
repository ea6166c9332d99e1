"""Liveness and readiness: ready only while the store is reachable, migrated and taking writes."""

from __future__ import annotations

import errno
import subprocess

import pytest
from sqlalchemy import event, select

from revhub.app import create_app
from revhub.config import load_config
from revhub.store import Database, ReadinessProbe
from revhub.store.migrate import upgrade


def _client(tmp_path, database: Database):
    config = load_config(env={}, home=tmp_path / "home", database_url=database.url, secret_key="s")
    return create_app(config, database).test_client()


@pytest.mark.store
def test_live_and_ready_when_the_store_is_migrated_and_writable(client, db):
    assert client.get("/healthz/live").json == {"status": "ok"}
    ready = client.get("/healthz/ready")
    assert ready.status_code == 200
    assert ready.json["checks"] == {"database": "ok", "migrations": "ok", "writes": "ok"}
    assert client.get("/healthz").status_code == 200
    with db.session() as s:  # the probe really wrote, and keeps one row per process
        assert len(s.scalars(select(ReadinessProbe.holder)).all()) == 1


def test_not_ready_while_the_database_is_unreachable(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'no-such-folder' / 'revhub.db'}")
    client = _client(tmp_path, database)
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert response.json["failed"] == "database" and "unreachable" in response.json["detail"]
    assert client.get("/healthz/live").status_code == 200  # the process itself is fine


def test_not_ready_while_migrations_are_pending(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(database.engine, "0006_settled")
    response = _client(tmp_path, database).get("/healthz/ready")
    assert response.status_code == 503
    assert response.json["failed"] == "migrations" and "revhub db upgrade" in response.json["detail"]
    assert response.json["schema_revision"] == "0006_settled"


@pytest.mark.store
def test_not_ready_while_the_store_refuses_writes(tmp_path, database_url):
    database = Database(database_url)

    @event.listens_for(database.engine, "connect")
    def read_only(dbapi_conn, _record) -> None:  # a read-only store (replica, remounted disk)
        if database.dialect == "sqlite":
            dbapi_conn.execute("PRAGMA query_only=ON")
            return
        dbapi_conn.autocommit = True  # a SET inside the connect-time transaction would be rolled back
        dbapi_conn.execute("SET default_transaction_read_only = on")
        dbapi_conn.autocommit = False

    response = _client(tmp_path, database).get("/healthz/ready")
    database.dispose()
    assert response.status_code == 503, response.json
    assert response.json["failed"] == "writes" and "refused a write" in response.json["detail"]


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB tmpfs of our own (skipped where mounting is not allowed)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)],
                             capture_output=True).returncode == 0
    if not mounted:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


def test_not_ready_while_the_disk_is_full(tmp_path, small_disk):
    database = Database(f"sqlite:///{small_disk / 'revhub.db'}")
    upgrade(database.engine)
    client = _client(tmp_path, database)
    assert client.get("/healthz/ready").status_code == 200
    with open(small_disk / "filler", "wb", buffering=0) as filler:  # the rest of the disk fills up
        try:
            while True:
                filler.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    response = client.get("/healthz/ready")
    database.dispose()
    assert response.status_code == 503, response.json
    assert response.json["failed"] == "writes" and "full" in response.json["detail"]
