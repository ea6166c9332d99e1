"""Request bodies as JSON, safely: the one parser every JSON endpoint uses.

A body from the network can be nested deeper than Python's recursion limit (``json.loads``
then raises ``RecursionError``), be invalid UTF-8, carry a lone surrogate that no database
can store, use Python's ``NaN``/``Infinity`` extensions, or be a list where an object is
needed. Each of these is :class:`BodyError` with a message for the sender (status 400; an
oversized body is 413), never a 500.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from flask import Request

# Far deeper than any provider's event or a purchase order (a dozen levels), far shallower
# than the interpreter's recursion limit, so that no later recursive walk can overflow.
MAX_DEPTH = 64
# The only way a lone surrogate gets into a str parsed from valid UTF-8: a \\uD800-\\uDFFF escape.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")
# orjson turns an integer beyond 64 bits into a float (the standard parser keeps it exact): a
# body with a run of 19 or more digits anywhere takes the standard parser. Found by mapping
# every digit to 9 and everything else to a space, then a substring search: a tenth of the
# cost of the regular expression \d{19}.
_DIGIT_MAP = bytes(57 if 48 <= b <= 57 else 32 for b in range(256))
_LONG_DIGIT_RUN = b"9" * 19


class BodyError(ValueError):
    """The request body is not acceptable JSON; ``status`` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def _no_constant(name: str) -> Any:
    raise BodyError(f"{name} is not JSON")


def parse_json(raw: bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value of ``raw`` (UTF-8, RFC 8259), or :class:`BodyError` saying what is wrong."""
    value = _fast_parse(raw)
    if value is _REFUSED:
        return _standard_parse(raw, max_depth)
    # orjson refuses lone surrogates itself; the depth it allows (1,024) is checked when the
    # raw bytes hold more brackets than the limit.
    if raw.count(b"{") + raw.count(b"[") > max_depth:
        _check_shape(value, max_depth)
    return value


_REFUSED = object()


def _fast_parse(raw: bytes) -> Any:
    """orjson's value of ``raw`` (a third of the standard parser's CPU on a Stripe event), or
    ``_REFUSED`` for anything it refuses or might read differently (the standard path decides,
    with its own messages)."""
    if _LONG_DIGIT_RUN in raw.translate(_DIGIT_MAP):
        return _REFUSED
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _REFUSED


def _standard_parse(raw: bytes, max_depth: int) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError(f"body is not valid UTF-8 (byte {exc.start})") from None
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise BodyError(f"JSON nested too deeply (at most {max_depth} levels)") from None
    except json.JSONDecodeError as exc:
        raise BodyError(f"body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    # The walk costs more than the parse; it is skipped when the raw bytes already rule out
    # both faults: fewer brackets than the depth limit, and no surrogate escape.
    if raw.count(b"{") + raw.count(b"[") > max_depth or _SURROGATE_ESCAPE.search(raw):
        _check_shape(value, max_depth)
    return value


def _check_shape(value: Any, max_depth: int) -> None:
    """Depth and text of every node, walked with a stack (no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            _check_text(node)
            continue
        if not isinstance(node, (dict, list)):
            continue
        if depth > max_depth:
            raise BodyError(f"JSON nested too deeply (at most {max_depth} levels)")
        if isinstance(node, dict):
            for key in node:
                _check_text(key)
            node = node.values()
        stack.extend((child, depth + 1) for child in node)


def _check_text(string: str) -> None:
    try:
        string.encode("utf-8")
    except UnicodeEncodeError:
        raise BodyError("a JSON string holds a lone surrogate (\\ud800-\\udfff), which is not text") from None


def _is_json_type(mimetype: str) -> bool:
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def request_json(request: Request, *, want_object: bool = True, check_content_type: bool = True,
                 max_depth: int = MAX_DEPTH) -> Any:
    """The request's body as JSON (an object unless ``want_object`` is false).

    Webhook callers pass ``check_content_type=False``: the provider's signature, not its
    header, vouches for the body. Size is bounded by Flask's ``MAX_CONTENT_LENGTH`` (a 413).
    """
    if check_content_type and not _is_json_type(request.mimetype):
        raise BodyError(f"Content-Type must be application/json, not {request.mimetype or 'missing'!r}")
    limit = request.max_content_length
    if limit is not None and request.content_length is not None and request.content_length > limit:
        raise BodyError(f"body is larger than {limit} bytes", 413)
    value = parse_json(request.get_data(cache=True), max_depth=max_depth)
    if want_object and not isinstance(value, dict):
        raise BodyError(f"body must be a JSON object, not {_json_kind(value)}")
    return value


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return {list: "an array", str: "a string", int: "a number", float: "a number"}.get(type(value), "a value")
