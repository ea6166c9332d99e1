"""The migrations build exactly the schema the models describe: tables, columns, indexes and
constraints (a model index without its migration would exist in tests' expectations only)."""

from __future__ import annotations

import pytest

from revhub.store.migrate import pending_changes

pytestmark = pytest.mark.store


def test_a_migrated_store_has_every_table_column_and_index_of_the_models(db):
    # pending_changes is what `revhub db check` reports; it knows SQLite cannot compare the
    # indexes on expressions (lower(email)), which PostgreSQL's run compares.
    assert pending_changes(db.engine) == []
