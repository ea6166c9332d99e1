"""Logging for revhub processes: one JSON event per line in ``serve`` and ``worker``, readable
lines in the demo, with the request id and the sync run id carried through ``contextvars``.

The SDKs' own request logging (stripe, urllib3 under xero-python, simple_salesforce,
requests) is turned down to WARNING unless ``REVHUB_LOG_SDK=1``: at DEBUG those loggers
print request bodies and headers, which is where credentials would leak.
"""

from __future__ import annotations

import contextvars
import logging
import os
import re
import sys
import time
import uuid

from pythonjsonlogger.json import JsonFormatter

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("revhub_request_id", default=None)
RUN_ID: contextvars.ContextVar[int | None] = contextvars.ContextVar("revhub_run_id", default=None)

SDK_LOGGERS = ("stripe", "urllib3", "xero_python", "simple_salesforce", "requests", "requests_oauthlib",
               "apscheduler.executors", "werkzeug", "alembic")
# A caller's X-Request-ID is kept only if it looks like an id (no log injection through it).
_REQUEST_ID_SHAPE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class ContextFilter(logging.Filter):
    """Stamps every record with the current request id and sync run id (None outside them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        record.run_id = RUN_ID.get()
        return True


def json_formatter() -> logging.Formatter:
    """One JSON object per line: time, level, logger, message, request_id, run_id, extras."""
    return JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(run_id)s",
                         rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                         datefmt="%Y-%m-%dT%H:%M:%S%z")


def console_formatter() -> logging.Formatter:
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")


def configure(style: str | None = None, level: str | int | None = None, stream=None) -> None:
    """Root logging for a revhub process. ``style`` is ``json`` or ``console`` (default
    ``REVHUB_LOG_FORMAT`` or json); ``level`` defaults to ``REVHUB_LOG_LEVEL`` or INFO."""
    style = style or os.environ.get("REVHUB_LOG_FORMAT", "json")
    if style not in ("json", "console"):
        raise ValueError(f"REVHUB_LOG_FORMAT must be json or console, got {style!r}")
    level = level or os.environ.get("REVHUB_LOG_LEVEL", "INFO").upper()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(json_formatter() if style == "json" else console_formatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    quiet_sdks()


def sync_finished(summary) -> None:
    """One event per finished sync run, with its counts (the run id comes from the context)."""
    c = summary.counts
    logging.getLogger("revhub.sync").info(
        "sync %s/%s %s", summary.connection, summary.entity, summary.status,
        extra={"connection": summary.connection, "entity": summary.entity, "status": summary.status,
               "fetched": summary.fetched, "records_created": c.created, "records_updated": c.updated,
               "records_deleted": c.deleted, "conflicts": c.conflicts, "api_calls": summary.api_calls,
               "duration_s": round(summary.duration_s, 3), "note": summary.note})


def quiet_sdks() -> None:
    """SDK request chatter off (WARNING and up only) unless ``REVHUB_LOG_SDK=1``."""
    if os.environ.get("REVHUB_LOG_SDK") == "1":
        return
    for name in SDK_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def init_app(app) -> None:
    """Give each request an id (the caller's ``X-Request-ID`` if well-formed), log one line per
    request with its status and duration, and echo the id in the response."""
    from flask import g, request

    log = logging.getLogger("revhub.http")

    @app.before_request
    def _start() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.revhub_request_id = given if _REQUEST_ID_SHAPE.match(given) else uuid.uuid4().hex
        g.revhub_request_token = REQUEST_ID.set(g.revhub_request_id)
        g.revhub_request_started = time.perf_counter()

    @app.after_request
    def _finish(response):
        request_id = g.get("revhub_request_id")
        if request_id:
            response.headers["X-Request-ID"] = request_id
            elapsed = time.perf_counter() - g.revhub_request_started
            # The path only: query strings can carry tokens (OAuth callbacks).
            log.info("%s %s %s", request.method, request.path, response.status_code,
                     extra={"status": response.status_code, "duration_ms": round(elapsed * 1000, 1)})
        return response

    @app.teardown_request
    def _reset(_exc) -> None:
        token = g.pop("revhub_request_token", None)
        if token is not None:
            REQUEST_ID.reset(token)
