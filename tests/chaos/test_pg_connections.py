"""PostgreSQL connections terminated under `revhub sync` (pg_terminate_backend, as an
idle-in-transaction timeout, a pooler restart or a failover would): the lease does not
vanish with a connection, no two processes run one job at once, and the CLI carries on."""

from __future__ import annotations

import time

import pytest

from revhub.sync.jobs import plan
from tests.chaos.conftest import (
    calm,
    compare,
    fault,
    fired,
    overlapping_runs,
    runs_by_status,
    terminate_backends,
)
from tests.conftest import POSTGRES_URL

pytestmark = [pytest.mark.store,
              pytest.mark.skipif(not POSTGRES_URL, reason="terminates PostgreSQL backends")]
COMPANIES = 3


def test_a_terminated_connection_does_not_hand_the_job_to_a_second_process(db, vault, sandboxes, revhub):
    running = sandboxes("xero", companies=COMPANIES)
    # Held until calm(): a loaded machine can take seconds to start the second process.
    rule = fault(running, "xero", kind="slow", delay=120.0, count=1, path="/Invoices")
    first = revhub.spawn("sync", "--connection", "xero", "--entity", "invoice")
    deadline = time.monotonic() + 30
    while not fired(rule):
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()
        time.sleep(0.01)
    terminate_backends(db, first.app_name)

    second = revhub.run("sync", "--connection", "xero", "--entity", "invoice")
    assert second.returncode == 3, second.stdout + second.stderr
    assert f":{first.pid} " in second.stderr
    calm(running)

    out, err = first.communicate(timeout=30)
    assert first.returncode == 0, out + err
    assert "Traceback" not in err
    assert overlapping_runs(db) == []
    assert runs_by_status(db) == {"succeeded": 1}


def test_connections_terminated_all_through_a_sync_lose_and_double_nothing(db, vault, sandboxes, revhub,
                                                                           reference):
    running = sandboxes("salesforce", "stripe", "xero", companies=COMPANIES)
    expected = reference(running, COMPANIES)
    for provider in ("salesforce", "stripe", "xero"):  # a run long enough to be cut many times
        fault(running, provider, kind="slow", delay=0.15, rate=1.0)
    proc = revhub.spawn("sync")
    terminated = 0
    while proc.poll() is None:
        time.sleep(0.3)
        terminated += terminate_backends(db, proc.app_name)
    out, err = proc.communicate()
    assert terminated >= 3
    assert "Traceback" not in err, err[-3000:]
    # It went on to every entity: each planned job has its line in the table.
    assert out.count("incremental") == len(plan(db)), out
    assert proc.returncode in (0, 1), out + err

    calm(running)
    again = revhub.run("sync")  # whatever a dropped connection stopped is finished now
    assert again.returncode == 0, again.stdout + again.stderr
    verdict = compare(db, vault, expected)
    assert (verdict.lost, verdict.doubled) == (0, 0), verdict.detail
    assert overlapping_runs(db) == []
    assert runs_by_status(db)["running"] == 0
