"""The JSON request log line: the fields and order python-json-logger wrote, one object per
line, ASCII only, extras and exceptions included."""

from __future__ import annotations

import io
import json
import logging
import uuid
from datetime import UTC, datetime

from revhub import logs


def _line(*args, exc_info=None, **extra) -> dict:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.json_formatter())
    handler.addFilter(logs.ContextFilter())
    logger = logging.getLogger("revhub.test_log_lines")
    logger.addHandler(handler)
    logger.propagate, logger.level = False, logging.INFO
    token, run = logs.REQUEST_ID.set("req-1"), logs.RUN_ID.set(None)
    try:
        logger.info(*args, exc_info=exc_info, extra=extra or None)
    finally:
        logs.REQUEST_ID.reset(token)
        logs.RUN_ID.reset(run)
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert text.count("\n") == 1 and text.isascii()
    return json.loads(text)


def test_a_request_line_has_the_fixed_fields_first_then_its_extras():
    line = _line("%s %s %s", "POST", "/webhooks/stripe/x", 200, status=200, duration_ms=1.5)
    assert list(line) == ["time", "level", "logger", "message", "request_id", "run_id", "status", "duration_ms"]
    assert line["message"] == "POST /webhooks/stripe/x 200"
    assert (line["level"], line["logger"], line["request_id"], line["run_id"]) == (
        "INFO", "revhub.test_log_lines", "req-1", None)
    assert datetime.strptime(line["time"], "%Y-%m-%dT%H:%M:%S%z")


def test_values_json_cannot_hold_are_written_as_text_and_non_ascii_is_escaped():
    at, ident = datetime(2026, 11, 28, 1, 2, 3, tzinfo=UTC), uuid.uuid4()
    line = _line("caf\u00e9 %s", "\u00fc", at=at, id=ident, raw=b"\x00\xff", huge=10 ** 30, error=ValueError("no"))
    assert line["message"] == "caf\u00e9 \u00fc"
    assert (line["at"], line["id"], line["raw"], line["huge"], line["error"]) == (
        "2026-11-28T01:02:03+00:00", str(ident), "AP8=", 10 ** 30, "ValueError: no")


def test_an_exception_is_logged_with_its_traceback():
    try:
        raise RuntimeError("store down")
    except RuntimeError:
        line = _line("failed", exc_info=True)
    assert line["message"] == "failed"
    assert "RuntimeError: store down" in line["exc_info"] and "Traceback" in line["exc_info"]


def test_a_dict_message_becomes_fields():
    line = _line({"event": "started", "count": 3})
    assert (line["message"], line["event"], line["count"]) == ("", "started", 3)
