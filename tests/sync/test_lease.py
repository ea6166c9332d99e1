"""Scheduled jobs run under a database lease: never twice at once, across processes."""

import threading
import time

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from revhub.store import Database
from revhub.sync.lease import lease

pytestmark = pytest.mark.store


def test_a_held_lease_is_refused_to_a_second_holder(database_url):
    first, second = Database(database_url), Database(database_url)
    with lease(first, "sync:stripe:invoice", holder="a") as held_a:
        with lease(second, "sync:stripe:invoice", holder="b") as held_b:
            assert (bool(held_a), bool(held_b)) == (True, False)
            assert held_b.other == "a"
    with lease(second, "sync:stripe:invoice", holder="b") as held_b:
        assert bool(held_b) is True


def test_two_scheduler_instances_never_run_the_same_job_concurrently(database_url):
    spans: list[tuple[str, float, float]] = []
    lock = threading.Lock()

    def job(name: str, db: Database) -> None:
        with lease(db, "sync:xero:invoice", holder=name) as held:
            if not held:
                return
            start = time.monotonic()
            time.sleep(0.25)
            with lock:
                spans.append((name, start, time.monotonic()))

    schedulers = []
    for name in ("worker-1", "worker-2"):
        # Separate engines stand for separate processes: nothing is shared but the database.
        db = Database(database_url)
        scheduler = BackgroundScheduler(job_defaults={"coalesce": True, "max_instances": 1})
        scheduler.add_job(job, "interval", seconds=0.05, args=(name, db), id="sync:xero:invoice")
        schedulers.append(scheduler)
    for scheduler in schedulers:
        scheduler.start()
    time.sleep(2.5)
    for scheduler in schedulers:
        scheduler.shutdown(wait=True)
    spans.sort(key=lambda s: s[1])
    assert len(spans) >= 4
    for (_, _, end), (_, next_start, _) in zip(spans, spans[1:], strict=False):
        assert next_start >= end, "two runs of the same job overlapped"
