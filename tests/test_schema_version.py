"""The store's revision and this revhub's head, read without Alembic, agree with Alembic's."""

from __future__ import annotations

import shutil

from revhub.store import Database, migrate, schema_version


def test_the_head_read_from_the_scripts_is_alembics():
    assert schema_version.head_revision() == migrate.head_revision()


def test_the_current_revision_is_alembics_before_and_after_upgrading(tmp_path):
    database = Database(f"sqlite:///{tmp_path}/s.db")
    try:
        assert schema_version.current_revision(database.engine) is None
        assert migrate.current_revision(database.engine) is None
        migrate.upgrade(database.engine, "0010_leases")
        assert schema_version.current_revision(database.engine) == "0010_leases"
        migrate.upgrade(database.engine)
        assert schema_version.current_revision(database.engine) == migrate.current_revision(database.engine)
    finally:
        database.engine.dispose()


def test_scripts_that_are_not_one_plain_chain_are_left_to_alembic(tmp_path):
    for script in schema_version.VERSIONS.glob("*.py"):
        shutil.copy(script, tmp_path / script.name)
    assert schema_version._parsed_head(tmp_path) == migrate.head_revision()
    # A second head (two branches from the newest revision): no single head to name.
    head = migrate.head_revision()
    (tmp_path / "9998_a.py").write_text(f"revision = '9998_a'\ndown_revision = '{head}'\n")
    (tmp_path / "9999_b.py").write_text(f"revision: str = '9999_b'\ndown_revision = ('{head}',)\n")
    assert schema_version._parsed_head(tmp_path) is None
    # A merge of the two: one head again.
    (tmp_path / "9999_m.py").write_text("revision = '9999_m'\ndown_revision = ('9998_a', '9999_b')\n")
    assert schema_version._parsed_head(tmp_path) == "9999_m"
    # A revision computed at import time cannot be read without running the script.
    (tmp_path / "9999_x.py").write_text("revision = make_revision()\ndown_revision = '9999_m'\n")
    assert schema_version._parsed_head(tmp_path) is None


def test_the_current_revision_of_the_test_store_is_alembics_on_either_engine(db):
    # The test store: SQLite, or a PostgreSQL schema reached through search_path in CI.
    assert schema_version.current_revision(db.engine) == migrate.current_revision(db.engine) \
        == schema_version.head_revision()
