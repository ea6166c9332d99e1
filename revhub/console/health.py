"""Health: ``/healthz/live`` (the process answers), ``/healthz/ready`` (the store is reachable,
migrated to this code's head and takes writes) and ``/healthz`` (readiness, as before).

Readiness answers 503 with a JSON body naming the failed check, so a load balancer stops
sending traffic and an operator sees why.
"""

from __future__ import annotations

import os
import socket

from flask import Blueprint, jsonify
from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from revhub.store import Database, ReadinessProbe, utcnow
from revhub.store.migrate import current_revision, head_revision

health = Blueprint("health", __name__)
HOLDER = f"{socket.gethostname()}:{os.getpid()}"[:128]


@health.get("/healthz/live")
def live():
    return jsonify(status="ok")


@health.get("/healthz/ready")
@health.get("/healthz")
def ready():
    from revhub.app import get_db

    db = get_db()
    body = {"database": db.dialect, "expected_revision": head_revision()}
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        body["schema_revision"] = revision = current_revision(db.engine)
    except SQLAlchemyError as exc:
        return _failed(body, "database", f"unreachable: {type(exc).__name__}")
    if revision != body["expected_revision"]:
        return _failed(body, "migrations", f"database at {revision}, code expects {body['expected_revision']}: "
                                           "run `revhub db upgrade`")
    try:
        probe_write(db)
    except SQLAlchemyError as exc:
        return _failed(body, "writes", f"the store refused a write: {type(exc).__name__}: "
                                       f"{str(exc.orig if getattr(exc, 'orig', None) else exc)[:200]}")
    return jsonify(status="ok", checks={"database": "ok", "migrations": "ok", "writes": "ok"}, **body), 200


def _failed(body: dict, check: str, detail: str):
    return jsonify(status="error", failed=check, detail=detail, **body), 503


def probe_write(db: Database) -> None:
    """Upsert and commit this process's probe row: a real write that reaches the disk."""
    with db.session(write=True) as s:
        now = utcnow()
        if s.execute(update(ReadinessProbe).where(ReadinessProbe.holder == HOLDER)
                     .values(probed_at=now)).rowcount:
            return
        try:
            with s.begin_nested():
                s.add(ReadinessProbe(holder=HOLDER, probed_at=now))
        except IntegrityError:
            pass  # another thread of this process inserted it meanwhile: its write is the proof
