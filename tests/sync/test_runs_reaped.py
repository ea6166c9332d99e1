"""A sync stops without another write once its lease is lost; runs left ``running`` by a dead
process are marked ``abandoned`` with the reason; `revhub sync` says what it skipped."""

import logging
import subprocess
import sys
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import event, func, select, update

from revhub.cli import main
from revhub.connectors.base import Page
from revhub.store import Customer, JobLease, SyncCursor, SyncRun, utcnow
from revhub.sync.jobs import sync_one
from revhub.sync.lease import release, take
from revhub.sync.liveness import this_host
from revhub.sync.reaping import reap_runs
from revhub.sync.runner import GROUP_RECORDS, run_sync
from tests.sync.changes import customer

pytestmark = pytest.mark.store

JOB = "sync:stripe:customer"


class StolenMidway:
    """Pages of customers; after the first group is committed another process takes the lease."""

    def __init__(self, db, pages: int = 12) -> None:
        self.db, self.pages = db, pages

    def pull(self, entity, cursor, full=False):
        for n in range(self.pages):
            if n == GROUP_RECORDS // 100 + 1:
                with self.db.session(write=True) as s:  # this holder stalled past its expiry
                    s.execute(update(JobLease).values(expires_at=utcnow() - timedelta(seconds=1)))
                assert take(self.db, JOB, holder="host-b:2")
            yield Page([customer(f"cus_{n}_{i}", "1", email=f"ap{n}.{i}@example.com", tax_id=None)
                        for i in range(100)], {"page": n}, api_calls=1)


def test_a_run_that_lost_its_lease_stops_abandoned_without_committing_another_page(connections):
    held = take(connections, JOB, holder="host-a:1")
    summary = run_sync(connections, StolenMidway(connections), "stripe", "customer", lease=held)
    assert summary.status == "abandoned" and "host-b:2" in summary.note
    with connections.session() as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == GROUP_RECORDS
        assert s.scalar(select(SyncCursor.value)) == {"page": GROUP_RECORDS // 100 - 1}
        assert s.scalar(select(SyncRun.status)) == "abandoned"


def _running_run(db, holder: str, token: int) -> int:
    with db.session(write=True) as s:
        from revhub.store import Connection
        conn = s.scalar(select(Connection).where(Connection.name == "stripe"))
        run = SyncRun(connection_id=conn.id, entity="customer", status="running", started_at=utcnow(),
                      holder=holder, lease_token=token)
        s.add(run)
        s.flush()
        return run.id


def test_a_run_whose_process_was_killed_is_reaped_as_abandoned_with_the_reason(connections):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead = f"{this_host()}:{child.pid}"
    held = take(connections, JOB, holder=dead)
    run_id = _running_run(connections, dead, held.token)
    live = take(connections, "sync:stripe:invoice", holder="host-b:2")
    with connections.session(write=True) as s:
        from revhub.store import Connection
        conn = s.scalar(select(Connection).where(Connection.name == "stripe"))
        s.add(SyncRun(connection_id=conn.id, entity="invoice", status="running", started_at=utcnow(),
                      holder="host-b:2", lease_token=live.token))
    assert reap_runs(connections) == 1
    with connections.session() as s:
        run = s.get(SyncRun, run_id)
        assert run.status == "abandoned" and run.finished_at is not None
        assert f"its process {dead} no longer exists" in run.note
        assert s.scalar(select(SyncRun.status).where(SyncRun.entity == "invoice")) == "running"


def test_a_run_whose_lease_passed_to_another_holder_is_reaped(connections):
    first = take(connections, JOB, holder="host-a:1", ttl=timedelta(seconds=60))
    run_id = _running_run(connections, "host-a:1", first.token)
    with connections.session(write=True) as s:
        s.execute(update(JobLease).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert reap_runs(connections) == 1
    with connections.session() as s:
        assert "expired" in s.get(SyncRun, run_id).note


def test_sync_says_which_entity_was_skipped_and_by_whom_and_exits_3(connections, config, caplog):
    take(connections, "sync:stripe:invoice", holder="other-host:4242", ttl=timedelta(minutes=5))
    env = {"REVHUB_DATABASE_URL": config.database_url, "REVHUB_HOME": str(config.home),
           "REVHUB_ENCRYPTION_KEY": config.encryption_key, "REVHUB_SECRET_KEY": config.secret_key}
    with caplog.at_level(logging.WARNING, logger="revhub.sync.jobs"):
        result = CliRunner().invoke(main, ["sync", "--connection", "stripe", "--entity", "invoice"], env=env)
    assert result.exit_code == 3, result.output
    assert "stripe/invoice skipped: running in other-host:4242" in result.output
    assert any("stripe/invoice" in r.getMessage() and "other-host:4242" in r.getMessage()
               for r in caplog.records if r.levelno == logging.WARNING)


def test_sync_one_reports_a_skip_with_the_holder(connections):
    take(connections, "sync:stripe:invoice", holder="other-host:4242")
    skipped = sync_one(connections, None, "stripe", "invoice")
    assert skipped.status == "skipped" and skipped.holder == "other-host:4242"


def test_a_run_that_finishes_while_the_reaper_reads_is_left_succeeded(connections):
    """The reaper lists the running runs; the run's process then finishes it and releases its
    lease before the reaper reads that lease (PostgreSQL reads each statement afresh). The run
    stays ``succeeded``: it is not taken for one whose process let go of an unfinished run."""
    if connections.dialect != "postgresql":
        pytest.skip("on SQLite the reaper reads and writes under the one write lock: no interleaving")
    held = take(connections, JOB, holder="host-a:1")
    run_id = _running_run(connections, "host-a:1", held.token)
    finished = []

    def finish_meanwhile(conn, cursor, statement, *args) -> None:
        if finished or "sync_runs" not in statement or "FOR UPDATE" in statement:
            return
        finished.append(statement)  # the holder commits its run's end, then gives the lease back
        with connections.engine.begin() as other:
            other.execute(update(SyncRun).where(SyncRun.id == run_id).values(status="succeeded",
                                                                               finished_at=utcnow()))
        release(held)

    event.listen(connections.engine, "after_cursor_execute", finish_meanwhile)
    try:
        assert reap_runs(connections) == 0
    finally:
        event.remove(connections.engine, "after_cursor_execute", finish_meanwhile)
    assert finished
    with connections.session() as s:
        run = s.get(SyncRun, run_id)
        assert (run.status, run.note) == ("succeeded", None)


def test_a_start_retried_after_its_commit_went_through_keeps_one_run(connections):
    """A start whose commit reached the store but whose connection dropped before the answer is
    tried again: it carries on with the run it made (same holder and token), not a second one
    that would stay ``running`` until reaped as released without finishing."""
    held = take(connections, JOB, holder="host-a:1")
    run_id = _running_run(connections, "host-a:1", held.token)  # the first try's commit
    summary = run_sync(connections, StolenMidway(connections, pages=1), "stripe", "customer", lease=held)
    assert summary.run_id == run_id and summary.status == "succeeded"
    with connections.session() as s:
        assert s.execute(select(SyncRun.id, SyncRun.status)).all() == [(run_id, "succeeded")]


def test_a_run_its_process_is_writing_is_left_to_the_next_pass_without_waiting(connections):
    """A run row locked by a transaction (its process committing a page) is not judged now:
    the reaper neither waits for that commit nor reaps a run that is plainly being written."""
    if connections.dialect != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    held = take(connections, JOB, holder="host-a:1")
    run_id = _running_run(connections, "host-a:1", held.token)
    with connections.session(write=True) as s:
        s.execute(update(JobLease).values(expires_at=utcnow() - timedelta(seconds=1)))
    with connections.engine.connect() as page_commit:
        with page_commit.begin():
            page_commit.execute(select(SyncRun.id).where(SyncRun.id == run_id).with_for_update())
            assert reap_runs(connections) == 0
    assert reap_runs(connections) == 1
