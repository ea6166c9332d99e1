"""``revhub worker``: the sync clock and the inbox and outbox drains, stopping cleanly on SIGTERM.

On SIGTERM (or SIGINT) the process stops taking work: the scheduler starts no new sync and
the drains claim no new batch. Work in flight is finished within ``grace_seconds`` (a
provider call is never cut in the middle; a sync commits its pages with their cursor and
releases its lease). Claims a drain took but never started are handed back, so another
worker takes them at once instead of after the claim expires. Exit status 0 means
everything stopped in time; 1 means some work was still running at the deadline (its
claims then lapse and are retried, each write under its idempotency key).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable

from sqlalchemy import update

from revhub.connections import Vault
from revhub.mappings.outbox import OutboxWorker
from revhub.store import Database, InboxEvent, OutboxMessage
from revhub.sync.liveness import process_name
from revhub.sync.scheduler import build_scheduler
from revhub.webhooks.worker import InboxWorker

log = logging.getLogger(__name__)


class WorkerProcess:
    """One ``revhub worker``: ``run()`` blocks until a stop signal and returns the exit status."""

    def __init__(self, db: Database, vault: Vault, *, schedule: bool = True, poll_seconds: float = 1.0,
                 batch: int = 100, grace_seconds: float = 30.0) -> None:
        self.db, self.schedule, self.poll_seconds = db, schedule, poll_seconds
        self.batch, self.grace_seconds = batch, grace_seconds
        self.stopping = threading.Event()
        # <host>/<pid namespace>:<pid>: the form revhub.sync.liveness reads, so the claims of a
        # worker killed outright are taken back at once by the next one.
        me = process_name()
        self.inbox = InboxWorker(db, vault, name=f"{me}:inbox")
        self.outbox = OutboxWorker(db, vault, name=f"{me}:outbox")
        self._scheduler = build_scheduler(db, vault) if schedule else None
        self._threads: list[threading.Thread] = []

    def request_stop(self, signum: int | None = None, _frame=None) -> None:
        if not self.stopping.is_set():
            log.info("stop requested (%s): finishing work in flight", signal.Signals(signum).name if signum else "call")
        self.stopping.set()

    def run(self, install_signals: bool = True) -> int:
        if install_signals:
            signal.signal(signal.SIGTERM, self.request_stop)
            signal.signal(signal.SIGINT, self.request_stop)
        if self._scheduler is not None:
            self._scheduler.start()
        for name, step in (("inbox", self._inbox_step), ("outbox", self._outbox_step)):
            thread = threading.Thread(target=self._loop, args=(name, step), name=f"revhub-{name}")
            thread.start()
            self._threads.append(thread)
        log.info("revhub worker running (schedule=%s, batch=%d)", self.schedule, self.batch)
        while not self.stopping.wait(0.5):
            pass
        return self._shutdown()

    def _loop(self, name: str, step: Callable[[], bool]) -> None:
        while not self.stopping.is_set():
            try:
                busy = step()
            except Exception:  # keep the loop alive; the cause is logged with its traceback
                log.exception("%s worker pass failed", name)
                busy = False
            if not busy:
                self.stopping.wait(self.poll_seconds)

    def _inbox_step(self) -> bool:
        """One claimed batch of webhook events; True if there was any."""
        r = self.inbox.drain_once(self.batch)
        return bool(r.processed or r.ignored or r.failed or r.parked)

    def _outbox_step(self) -> bool:
        """One claimed batch of writes, pushed and recorded; True if there was any."""
        r = self.outbox.drain(limit=self.batch, max_rounds=1)
        return bool(r.sent or r.skipped or r.superseded or r.retried or r.dead)

    def _shutdown(self) -> int:
        deadline = time.monotonic() + self.grace_seconds
        stopper = None
        if self._scheduler is not None:
            # shutdown(wait=True) waits for running syncs; in a thread, so the grace period bounds it.
            stopper = threading.Thread(target=self._scheduler.shutdown, kwargs={"wait": True}, daemon=True)
            stopper.start()
        for thread in [*self._threads, *([stopper] if stopper else [])]:
            thread.join(max(0.0, deadline - time.monotonic()))
        unfinished = [t.name for t in [*self._threads, *([stopper] if stopper else [])] if t.is_alive()]
        if unfinished:
            log.error("still running at the end of the %.0f s grace period: %s; their claims lapse and are "
                      "retried", self.grace_seconds, ", ".join(unfinished))
            return 1
        released = self.release_claims()
        log.info("revhub worker stopped cleanly%s", f" ({released} unstarted claim(s) handed back)"
                 if released else "")
        return 0

    def release_claims(self) -> int:
        """Hand back whatever this process still holds claimed (nothing of it is in flight)."""
        released = 0
        with self.db.session(write=True) as s:
            for table, name in ((OutboxMessage.__table__, self.outbox.name), (InboxEvent.__table__, self.inbox.name)):
                released += s.execute(update(table).where(table.c.status == "processing", table.c.locked_by == name)
                                      .values(status="pending", locked_by=None, locked_until=None,
                                              attempts=table.c.attempts - 1)).rowcount
        return released
