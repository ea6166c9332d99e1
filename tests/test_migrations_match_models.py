"""The migrations build exactly the schema the models describe: tables, columns, indexes and
constraints (a model index without its migration would exist in tests' expectations only)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from revhub.store import Base

pytestmark = pytest.mark.store


# SQLite's reflection cannot read an index on an expression (lower(email)): there the
# comparison skips those indexes and says so; PostgreSQL's run compares them too.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_a_migrated_store_has_every_table_column_and_index_of_the_models(db):
    with db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []
