"""Background work of a revhub process: the sync clock and the inbox and outbox workers."""

from __future__ import annotations

import logging
import threading

from revhub.connections import Vault
from revhub.mappings.outbox import OutboxWorker
from revhub.store import Database
from revhub.sync.scheduler import build_scheduler
from revhub.webhooks.worker import InboxWorker

log = logging.getLogger(__name__)


class Workers:
    """Scheduler plus two queue loops; every piece coordinates through the database only."""

    def __init__(self, db: Database, vault: Vault, poll_seconds: float = 1.0, schedule: bool = True) -> None:
        self.db, self.vault, self.poll_seconds, self.schedule = db, vault, poll_seconds, schedule
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._scheduler = None

    def start(self) -> Workers:
        if self.schedule:
            self._scheduler = build_scheduler(self.db, self.vault)
            self._scheduler.start()
        for name, drain in (("inbox", InboxWorker(self.db, self.vault).drain),
                            ("outbox", OutboxWorker(self.db, self.vault).drain)):
            thread = threading.Thread(target=self._loop, args=(name, drain), name=f"revhub-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def _loop(self, name: str, drain) -> None:
        while not self._stop.is_set():
            try:
                drain()
            except Exception:  # keep the loop alive; the cause is logged with its traceback
                log.exception("%s worker pass failed", name)
            self._stop.wait(self.poll_seconds)

    def stop(self) -> None:
        self._stop.set()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
        for thread in self._threads:
            thread.join(timeout=10)
