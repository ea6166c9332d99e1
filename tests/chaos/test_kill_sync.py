"""kill -9 of `revhub sync` at each step of a run: the next `revhub sync` takes the dead
process's leases at once, marks its runs abandoned, and finishes with nothing lost or doubled
(every provider record read back through its SDK, the store against a fault-free sync).

The step is reached by watching the store and the sandboxes from here; a slow answer from a
provider holds the process at that step long enough to be killed there."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from revhub.store import Connection, SyncCursor, SyncRun
from tests.chaos.conftest import calm, compare, fault, fired, kill_when, overlapping_runs, runs_by_status

pytestmark = pytest.mark.store
COMPANIES = 3


def _count(db, query) -> int:
    with db.session() as s:
        return s.scalar(query)


def _cursor_of(db, connection: str, entity: str) -> bool:
    return bool(_count(db, select(func.count()).select_from(SyncCursor).join(
        Connection, Connection.id == SyncCursor.connection_id).where(Connection.name == connection,
                                                                      SyncCursor.entity == entity)))


def _arm(running, step: str):
    """The slow answer that holds the run at ``step``, and the moment to kill it."""
    if step == "run-started":  # the first job's first call: its lease taken, its run row written
        rule = fault(running, "salesforce", kind="slow", delay=1.5, count=1)
        return lambda db: _count(db, select(func.count()).select_from(SyncRun)) >= 1
    if step == "provider-call-in-flight":  # mid-way through the plan, a page being fetched
        rule = fault(running, "stripe", kind="slow", delay=1.5, count=1, path="^/v1/invoices")
        return lambda db: fired(rule)
    # A job's pages and cursor committed; the next job's first call is held.
    fault(running, "stripe", kind="slow", delay=1.5, count=1, path="^/v1/payment_intents|^/v1/charges")
    return lambda db: _cursor_of(db, "stripe", "invoice")


@pytest.mark.parametrize("step", ["run-started", "provider-call-in-flight", "after-page-commit"])
def test_a_sync_killed_at_each_step_is_taken_over_at_once_and_ends_complete(db, vault, sandboxes, revhub, reference,
                                                                            step):
    running = sandboxes("salesforce", "stripe", "xero", companies=COMPANIES)
    expected = reference(running, COMPANIES)
    at_step = _arm(running, step)

    killed = revhub.spawn("sync")
    kill_when(killed, lambda: at_step(db), step)
    with db.session() as s:
        cut_short = s.scalars(select(SyncRun.id).where(SyncRun.status == "running")).all()

    started = time.monotonic()
    again = revhub.run("sync")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "skipped" not in again.stderr
    assert time.monotonic() - started < 30  # not an hour's wait for the dead process's leases

    calm(running)
    verdict = compare(db, vault, expected)
    assert (verdict.lost, verdict.doubled) == (0, 0), verdict.detail
    assert overlapping_runs(db) == []
    statuses = runs_by_status(db)
    assert statuses["running"] == 0 and statuses["failed"] == 0, statuses
    with db.session() as s:  # the runs the kill cut short are recorded so, with the reason
        notes = s.scalars(select(SyncRun.note).where(SyncRun.status == "abandoned")).all()
    assert len(notes) == len(cut_short) and all(f":{killed.pid} no longer exists" in n for n in notes), notes


def test_a_sync_running_elsewhere_makes_the_cli_exit_3_naming_the_holder(db, vault, sandboxes, revhub):
    running = sandboxes("stripe", companies=COMPANIES)
    # Held until calm(): a loaded machine can take seconds to start the second process.
    rule = fault(running, "stripe", kind="slow", delay=120.0, count=1, path="^/v1/customers")
    first = revhub.spawn("sync", "--connection", "stripe", "--entity", "customer")
    deadline = time.monotonic() + 30
    while not fired(rule):
        assert first.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    second = revhub.run("sync", "--connection", "stripe", "--entity", "customer")
    assert second.returncode == 3, second.stdout + second.stderr
    assert "stripe/customer skipped: running in " in second.stderr and f":{first.pid} " in second.stderr
    calm(running)
    out, err = first.communicate(timeout=30)
    assert first.returncode == 0, out + err
