"""A worker's start-up reads survive a store connection dropped under them (a database restart,
a failover, an administrator terminating backends): the read is tried again on a fresh
connection instead of the worker exiting with a traceback."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from revhub.cli_support import check_store
from revhub.connections import Vault
from revhub.sync.jobs import job_id, plan
from revhub.sync.scheduler import build_scheduler

pytestmark = pytest.mark.store


def _drop_first(db, marker: str) -> list[str]:
    """The first statement containing ``marker`` fails as a terminated backend does."""
    dropped: list[str] = []

    @event.listens_for(db.engine, "before_cursor_execute")
    def drop_once(conn, cursor, statement, parameters, context, executemany):
        if marker in statement and not dropped:
            dropped.append(statement)
            raise OperationalError(statement, parameters,
                                   Exception("terminating connection due to administrator command"))

    return dropped


def test_the_schedule_is_built_when_the_connection_drops_under_its_first_read(connections, config):
    dropped = _drop_first(connections, "FROM connections")
    scheduler = build_scheduler(connections, Vault(config.encryption_key))
    assert dropped
    assert {job_id(c, e) for c, e in plan(connections)} <= {job.id for job in scheduler.get_jobs()}


def test_the_store_check_reads_the_revision_again_after_a_dropped_connection(db):
    dropped = _drop_first(db, "alembic_version")
    check_store(db)
    assert dropped
