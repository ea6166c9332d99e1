"""Logging for revhub processes: one JSON event per line in ``serve`` and ``worker``, readable
lines in the demo, with the request id and the sync run id carried through ``contextvars``.

The SDKs' own request logging (stripe, urllib3 under xero-python, simple_salesforce,
requests) is turned down to WARNING unless ``REVHUB_LOG_SDK=1``: at DEBUG those loggers
print request bodies and headers, which is where credentials would leak.
"""

from __future__ import annotations

import base64
import contextvars
import dataclasses
import datetime
import enum
import json
import logging
import os
import re
import sys
import time
import traceback
import types
import uuid

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


# A LogRecord's own attributes; every other attribute of a record is an ``extra`` and is logged.
_RECORD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "asctime", "message", "request_id", "run_id", "taskName"}
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def _jsonable(value: object) -> object:
    """What the encoder cannot write itself, as python-json-logger wrote it."""
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, BaseException):
        return f"{type(value).__name__}: {value}"
    if isinstance(value, types.TracebackType):
        return "".join(traceback.format_tb(value)).strip()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (bytes, bytearray)):
        return base64.urlsafe_b64encode(value).decode()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, type):
        return value.__name__
    try:
        return str(value)
    except Exception:  # noqa: BLE001 - a log line must not fail because of one value
        return "__could_not_encode__"


class JsonLineFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, run_id, then
    ``exc_info``/``stack_info`` and the record's extras, in that order.

    The same fields and order python-json-logger produced, written directly: its per-record
    field discovery and encoder set-up were ~12 % of a whole request's CPU (one line per request).
    ASCII only, so that no stream encoding can refuse a line.
    """

    def __init__(self) -> None:
        super().__init__(datefmt=_TIME_FORMAT)
        self._encoder = json.JSONEncoder(default=_jsonable, ensure_ascii=True)
        self._second: tuple[int, str] = (-1, "")  # the time field changes once a second

    def format(self, record: logging.LogRecord) -> str:
        given = record.msg if isinstance(record.msg, dict) else None
        data: dict[str, object] = {
            "time": self._time(record), "level": record.levelname, "logger": record.name,
            "message": "" if given is not None else record.getMessage(),
            "request_id": record.__dict__.get("request_id"), "run_id": record.__dict__.get("run_id")}
        if given:
            data.update(given)  # a dict logged as the message: its keys are fields
        if record.exc_info and not data.get("exc_info"):
            data["exc_info"] = self.formatException(record.exc_info)
        if record.exc_text and not data.get("exc_info"):
            data["exc_info"] = record.exc_text
        if record.stack_info and not data.get("stack_info"):
            data["stack_info"] = self.formatStack(record.stack_info)
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRS and not key.startswith("_"):
                data[key] = value
        return self._encoder.encode(data)

    def _time(self, record: logging.LogRecord) -> str:
        second = int(record.created)
        cached = self._second
        if cached[0] != second:
            cached = self._second = (second, time.strftime(_TIME_FORMAT, self.converter(record.created)))
        return cached[1]


def json_formatter() -> logging.Formatter:
    """One JSON object per line: time, level, logger, message, request_id, run_id, extras."""
    return JsonLineFormatter()


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
