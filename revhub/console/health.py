"""``/healthz``: is the store reachable and at the schema this code expects."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from revhub.store.migrate import current_revision, head_revision

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz():
    from revhub.app import get_db

    db = get_db()
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        revision = current_revision(db.engine)
    except SQLAlchemyError as exc:
        return jsonify(status="error", database="unreachable", detail=type(exc).__name__), 503
    head = head_revision()
    ok = revision == head
    return jsonify(status="ok" if ok else "degraded", database=db.dialect,
                   schema_revision=revision, expected_revision=head), (200 if ok else 503)
