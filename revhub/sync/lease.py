"""Database leases: one holder per scheduled job across every revhub process.

On PostgreSQL the lease is a row lock (``FOR UPDATE SKIP LOCKED``) held by a dedicated
connection for the length of the job: if the process dies, its connection closes and the
lock goes with it. SQLite has one writer per file, so a conditional update with an
expiry is enough there.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from revhub.store import Database, JobLease, utcnow

HOLDER = f"{socket.gethostname()}:{os.getpid()}"


def _ensure_row(db: Database, name: str) -> None:
    with db.engine.begin() as conn:
        if conn.execute(select(JobLease.name).where(JobLease.name == name)).first() is None:
            try:
                with conn.begin_nested():
                    conn.execute(insert(JobLease).values(name=name))
            except IntegrityError:
                pass  # another process created it first


@contextlib.contextmanager
def lease(db: Database, name: str, holder: str = HOLDER, ttl: timedelta = timedelta(hours=1)) -> Iterator[bool]:
    """Yield True if this process holds ``name`` for the block, False if another one does."""
    _ensure_row(db, name)
    if db.dialect == "postgresql":
        with db.engine.connect() as conn, conn.begin():
            row = conn.execute(select(JobLease.name).where(JobLease.name == name)
                               .with_for_update(skip_locked=True)).first()
            if row is None:
                yield False
                return
            conn.execute(update(JobLease).where(JobLease.name == name)
                         .values(holder=holder, expires_at=utcnow() + ttl))
            yield True
        return
    now = utcnow()
    with db.engine.begin() as conn:
        taken = conn.execute(update(JobLease).where(
            JobLease.name == name,
            or_(JobLease.holder.is_(None), JobLease.expires_at < now, JobLease.holder == holder),
        ).values(holder=holder, expires_at=now + ttl)).rowcount
    if not taken:
        yield False
        return
    try:
        yield True
    finally:
        with db.engine.begin() as conn:
            conn.execute(update(JobLease).where(JobLease.name == name, JobLease.holder == holder)
                         .values(holder=None, expires_at=None))
