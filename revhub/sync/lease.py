"""Job leases: one holder per scheduled job across every revhub process, on both engines.

A lease is a row: holder, a fencing token incremented on every take, and an expiry. The
holder renews the expiry from a heartbeat thread, and again inside every transaction that
commits a page with its cursor, where it also checks that its token still stands
(:meth:`Lease.confirm`). A holder that lost its lease (its heartbeat failed until the
lease expired, or it was wrongly judged dead) therefore cannot commit another page.

No database connection is held open for the lease's length, so a terminated connection,
an ``idle_in_transaction_session_timeout`` or a pooler restart cannot make it vanish.

A lease is free when nobody holds it, when it has expired, or when its holder is a process
on this host that no longer exists (``kill -9``): that one is taken over at once.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from revhub.store import Database, JobLease, utcnow
from revhub.sync.liveness import holder_is_gone, process_name
from revhub.sync.store_retry import reconnecting

log = logging.getLogger(__name__)
HOLDER = process_name()
# Short, because a heartbeat renews it: a holder on another host that dies blocks its job
# for at most this long.
DEFAULT_TTL = timedelta(seconds=60)


def job_name(connection: str, entity: str) -> str:
    """The lease (and scheduler job id) of syncing ``entity`` from ``connection``."""
    return f"sync:{connection}:{entity}"


class LeaseLost(RuntimeError):
    """This process no longer holds the lease it worked under; it must stop writing."""


@dataclass
class Lease:
    """The outcome of asking for a lease: held (with its token) or refused (with its holder)."""

    db: Database
    name: str
    holder: str
    ttl: timedelta
    held: bool = False
    token: int = 0
    # When refused: who holds it, and until when.
    other: str | None = None
    other_until: datetime | None = None
    lost: threading.Event = field(default_factory=threading.Event)

    def __bool__(self) -> bool:
        return self.held

    def confirm(self, session: Session) -> None:
        """Renew the lease inside ``session``'s transaction, or raise :class:`LeaseLost`.

        Called in the transaction that commits a page and its cursor: the page commits only
        if the lease is still ours when it does (on PostgreSQL the renewal's row lock keeps a
        taker waiting until then)."""
        renewed = session.execute(update(JobLease).where(
            JobLease.name == self.name, JobLease.token == self.token, JobLease.holder == self.holder,
        ).values(expires_at=utcnow() + self.ttl)).rowcount
        if renewed != 1:
            self.lost.set()
            raise LeaseLost(f"lease {self.name} (token {self.token}) is no longer held by {self.holder}: "
                            f"{describe(self.db, self.name)}")

    def renew(self) -> bool:
        """Heartbeat: extend the expiry in a transaction of its own. False once the lease is lost."""
        try:
            with self.db.session(write=True) as s:
                self.confirm(s)
            return True
        except LeaseLost as exc:
            log.error("%s", exc)
            return False


def describe(db: Database, name: str) -> str:
    """Who holds ``name`` now, for messages."""
    with db.session() as s:
        row = s.get(JobLease, name)
    if row is None or row.holder is None:
        return "nobody holds it now"
    return f"held by {row.holder} (token {row.token}) until {row.expires_at:%Y-%m-%d %H:%M:%S}Z"


def _ensure_row(db: Database, name: str) -> None:
    # A write transaction from the start: on SQLite a deferred one that reads, then inserts,
    # fails at once ("database is locked") when another process writes, instead of waiting.
    with db.engine.execution_options(sqlite_immediate=True).begin() as conn:
        if conn.execute(select(JobLease.name).where(JobLease.name == name)).first() is None:
            try:
                with conn.begin_nested():
                    conn.execute(insert(JobLease).values(name=name, token=0))
            except IntegrityError:
                pass  # another process created it first


def take(db: Database, name: str, holder: str = HOLDER, ttl: timedelta = DEFAULT_TTL) -> Lease:
    """Take ``name`` if it is free, expired or held by a dead process on this host."""
    _ensure_row(db, name)
    result = Lease(db, name, holder, ttl)
    now = utcnow()
    with db.session(write=True) as s:
        row = s.scalar(select(JobLease).where(JobLease.name == name).with_for_update(skip_locked=True))
        if row is None:  # locked by its holder's page commit (PostgreSQL): held, and renewed now
            row = s.scalar(select(JobLease).where(JobLease.name == name))
            result.other, result.other_until = row.holder, row.expires_at
            return result
        why = _free(row, now)
        if why is None:
            result.other, result.other_until = row.holder, row.expires_at
            return result
        if row.holder is not None:
            log.warning("lease %s taken over from %s: %s", name, row.holder, why)
        row.holder, row.token, row.expires_at = holder, (row.token or 0) + 1, now + ttl
        result.held, result.token = True, row.token
    return result


def _free(row: JobLease, now: datetime) -> str | None:
    """Why the lease in ``row`` can be taken, or None while its holder keeps it."""
    if row.holder is None:
        return "free"
    if row.expires_at is None or row.expires_at < now:
        return f"it expired at {row.expires_at:%Y-%m-%d %H:%M:%S}Z without a heartbeat" if row.expires_at \
            else "it has no expiry"
    if holder_is_gone(row.holder):
        return f"its process {row.holder} no longer exists"
    return None


def release(held: Lease) -> None:
    """Give the lease back. Never raises: a release that fails leaves a lease that expires."""
    try:
        with held.db.session(write=True) as s:
            s.execute(update(JobLease).where(JobLease.name == held.name, JobLease.token == held.token)
                      .values(holder=None, expires_at=None))
    except SQLAlchemyError as exc:
        log.warning("could not release lease %s (token %d); it expires by itself: %s",
                    held.name, held.token, exc)


class Heartbeat:
    """Renews a held lease every third of its TTL until stopped or lost."""

    def __init__(self, held: Lease) -> None:
        self.held = held
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{held.name}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _beat(self) -> None:
        interval = max(self.held.ttl.total_seconds() / 3, 0.05)
        while not self._stop.wait(interval):
            try:
                if not self.held.renew():
                    return
            except SQLAlchemyError as exc:  # a dropped connection: the next beat reconnects
                log.warning("heartbeat of lease %s failed; retrying: %s", self.held.name, exc)


@contextlib.contextmanager
def lease(db: Database, name: str, holder: str = HOLDER, ttl: timedelta = DEFAULT_TTL) -> Iterator[Lease]:
    """Yield a :class:`Lease` that is truthy if this process holds ``name`` for the block,
    renewed by a heartbeat while the block runs and released after it."""
    held = reconnecting(lambda: take(db, name, holder, ttl), f"taking lease {name}")
    if not held:
        yield held
        return
    try:
        with Heartbeat(held):
            yield held
    finally:
        release(held)
