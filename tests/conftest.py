"""Shared fixtures.

Store tests run on SQLite, or on PostgreSQL when ``REVHUB_TEST_POSTGRES_URL`` is set (CI runs
the suite both ways). On PostgreSQL each test session gets its own schema, migrated once,
and each test starts from empty tables.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import select, text

from revhub.config import load_config
from revhub.store import Base, Conflict, Connection, Database
from revhub.store.migrate import upgrade
from tests.sync.changes import apply, customer

POSTGRES_URL = os.environ.get("REVHUB_TEST_POSTGRES_URL")


def _with_search_path(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture(scope="session")
def store_backend(tmp_path_factory):
    """(kind, template) — a migrated SQLite file to copy, or a migrated PostgreSQL schema URL."""
    if POSTGRES_URL:
        schema = f"revhub_test_{uuid.uuid4().hex[:10]}"
        admin = Database(POSTGRES_URL)
        with admin.engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = _with_search_path(POSTGRES_URL, schema)
        migrated = Database(url)
        upgrade(migrated.engine)
        migrated.dispose()
        yield "postgresql", url
        with admin.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        return
    template = tmp_path_factory.mktemp("store") / "template.db"
    database = Database(f"sqlite:///{template}")
    upgrade(database.engine)
    database.dispose()
    yield "sqlite", template


@pytest.fixture
def database_url(store_backend, tmp_path: Path) -> str:
    """A migrated, empty database for one test."""
    kind, template = store_backend
    if kind == "sqlite":
        path = tmp_path / "revhub.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    database = Database(template)
    with database.engine.begin() as conn:
        conn.execute(text(_EMPTY_USED_TABLES))
    database.dispose()
    return template


# TRUNCATE swaps every table's files, about 0.5 s for the whole schema per test: only the
# tables a test wrote to are truncated, and the id sequences it used are restarted, so each test
# still starts from empty tables and ids from 1.
_EMPTY_USED_TABLES = """DO $$
DECLARE t text; used text[] := '{}'; seq record; found boolean;
BEGIN
  FOREACH t IN ARRAY %s LOOP
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %%I)', t) INTO found;
    IF found THEN used := used || t; END IF;
  END LOOP;
  IF cardinality(used) > 0 THEN
    EXECUTE 'TRUNCATE ' || (SELECT string_agg(quote_ident(x), ', ') FROM unnest(used) x) || ' CASCADE';
  END IF;
  FOR seq IN SELECT sequencename FROM pg_sequences
             WHERE schemaname = current_schema() AND last_value IS NOT NULL LOOP
    EXECUTE format('ALTER SEQUENCE %%I RESTART', seq.sequencename);
  END LOOP;
END $$""" % ("ARRAY[" + ", ".join(f"'{t.name}'" for t in Base.metadata.sorted_tables) + "]::text[]")


@pytest.fixture
def db(database_url: str):
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def config(tmp_path: Path, database_url: str):
    return load_config(env={}, home=tmp_path / "home", database_url=database_url,
                       secret_key="test-secret")


@pytest.fixture
def app(config, db):
    from revhub.app import create_app

    application = create_app(config, db)
    application.config.update(TESTING=True)
    return application


@pytest.fixture
def client(app):
    return app.test_client()


# -- canonical data shared by the sync, CLI and console tests --------------------------

@pytest.fixture
def connections(db):
    with db.session(write=True) as s:
        for name in ("salesforce", "stripe", "xero"):
            s.add(Connection(name=name, provider=name, settings={}))
    return db


@pytest.fixture
def conflict_id(connections):
    """An open conflict: Salesforce and Xero both changed a customer's e-mail since the last sync."""
    apply(connections, "salesforce", customer("001A", "1"))
    apply(connections, "xero", customer("c-1", "1"))
    apply(connections, "salesforce", customer("001A", "2", email="finance@acmelabs.example"))
    apply(connections, "xero", customer("c-1", "2", email="payables@acmelabs.example"))
    with connections.session() as s:
        return s.scalar(select(Conflict.id).where(Conflict.status == "open"))
