"""The look-ups a sync makes for every page are served by indexes, not by reading the table the
same sync is filling (else a full sync's cost per record grows with the store)."""

import pytest
from sqlalchemy import event

from revhub.sync.entities import ENTITIES
from revhub.sync.lookups import natural_key_candidates

pytestmark = pytest.mark.store


def _plan_of_email_lookup(db, entity: str) -> str:
    statements: list[tuple[str, object]] = []

    def seen(conn, cursor, statement, parameters, context, many) -> None:
        if "lower(" in statement:
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        with db.session() as s:
            natural_key_candidates(s, ENTITIES[entity], [{"email": "AP@Acmelabs.example"},
                                                          {"email": "billing@vandijk.example"}])
            statement, parameters = statements[0]
            connection = s.connection()
            if db.dialect == "sqlite":
                rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
                return " | ".join(row[-1] for row in rows)
            # An empty table is cheapest to read whole: ask whether an index can serve the look-up.
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            return " | ".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters))
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)


@pytest.mark.parametrize("entity,table", [("customer", "customers"), ("contact", "contacts")])
def test_a_pages_case_insensitive_email_match_reads_the_lower_email_index(db, entity, table):
    plan = _plan_of_email_lookup(db, entity)

    assert f"ix_{table}_lower_email" in plan, plan
