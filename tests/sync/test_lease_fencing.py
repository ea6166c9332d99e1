"""A lease whose holder died is taken over at once; a live holder keeps it by its heartbeat;
a holder that lost it cannot commit another page; a failed release never reaches the caller."""

import logging
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from revhub.store import Database, JobLease, utcnow
from revhub.sync.lease import LeaseLost, lease, release, take
from revhub.sync.liveness import holder_is_gone, process_name, this_host

pytestmark = pytest.mark.store

JOB = "sync:stripe:invoice"


def dead_holder() -> str:
    """The holder name of a process on this host that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return f"{this_host()}:{child.pid}"


def test_a_lease_whose_process_is_gone_is_taken_over_at_once_and_the_takeover_logged(db, caplog):
    gone = dead_holder()
    assert holder_is_gone(gone) and not holder_is_gone(process_name())
    stale = take(db, JOB, holder=gone, ttl=timedelta(hours=1))  # then kill -9
    assert stale
    with caplog.at_level(logging.WARNING, logger="revhub.sync.lease"):
        with lease(db, JOB) as held:
            assert held and held.token == stale.token + 1
    assert any(gone in r.getMessage() and "no longer exists" in r.getMessage() for r in caplog.records)


def test_a_live_holder_keeps_its_lease_past_its_ttl_by_the_heartbeat(database_url):
    first, second = Database(database_url), Database(database_url)
    with lease(first, JOB, holder="host-a:1", ttl=timedelta(seconds=0.3)) as held:
        assert held
        time.sleep(1.0)  # three TTLs
        refused = take(second, JOB, holder="host-b:2")
        assert not refused and refused.other == "host-a:1"
    assert take(second, JOB, holder="host-b:2")


def test_a_holder_whose_lease_expired_and_was_taken_cannot_commit(db):
    stalled = take(db, JOB, holder="host-a:1", ttl=timedelta(seconds=60))
    with db.session(write=True) as s:  # its heartbeat stopped (a stall, a partition) long enough
        s.execute(update(JobLease).values(expires_at=utcnow() - timedelta(seconds=1)))
    successor = take(db, JOB, holder="host-b:2")
    assert successor and successor.token == stalled.token + 1
    with pytest.raises(LeaseLost, match="host-b:2"):
        with db.session(write=True) as s:
            stalled.confirm(s)
    assert not stalled.renew()
    with db.session(write=True) as s:
        successor.confirm(s)
    release(stalled)  # a stale release leaves the successor's lease alone
    with db.session() as s:
        assert s.scalar(select(JobLease.holder)) == "host-b:2"


def test_a_release_that_cannot_reach_the_store_is_logged_not_raised(db, tmp_path, caplog):
    held = take(db, JOB, holder="host-a:1")
    held.db = Database(f"sqlite:///{tmp_path}/missing-dir/revhub.db")
    with caplog.at_level(logging.WARNING, logger="revhub.sync.lease"):
        release(held)
    assert any("could not release lease" in r.getMessage() for r in caplog.records)
