"""Xero's JSON dialect: MS-JSON dates, decimal amounts as JSON numbers, PascalCase envelopes.

Records are held as plain dicts whose amounts are ``Decimal`` and whose dates are
``datetime``; ``dumps`` renders them exactly as Xero does. The standard ``json`` module
cannot write a ``Decimal`` as a number without a float on the way, so this module has its
own small encoder (strings still go through the C escaper).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time
from decimal import Decimal
from json.encoder import encode_basestring_ascii

_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{2}:?\d{2})?\)/$")
_PLAIN_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class DateFormatError(ValueError):
    """A date in a request body that Xero would not understand."""


def ms_date(value: datetime | date) -> str:
    """``/Date(<ms>+0000)/`` for a UTC datetime, or a date at UTC midnight."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(), tzinfo=UTC)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    millis = int(value.timestamp() * 1000)
    return f"/Date({millis}+0000)/"


def parse_date(text: object) -> datetime:
    """A request date: ``/Date(ms[±hhmm])/`` (what xero-python sends), ``YYYY-MM-DD`` or ISO.

    Returns an aware UTC datetime; raises ``DateFormatError`` for anything else.
    """
    if not isinstance(text, str):
        raise DateFormatError(f"{text!r} is not a date")
    match = _MS_DATE.match(text.strip())
    if match:
        return datetime.fromtimestamp(int(match.group(1)) / 1000, UTC)
    try:
        if _PLAIN_DATE.match(text):
            return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise DateFormatError(f"{text!r} is not a date") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def day(value: datetime) -> datetime:
    """The UTC midnight of ``value``: Xero's date-only fields carry no time of day."""
    return datetime.combine(value.date(), time(), tzinfo=UTC)


def loads(body: bytes) -> object:
    """Parse a request body keeping every number exact (floats become ``Decimal``)."""
    return json.loads(body, parse_float=Decimal)


def dumps(value: object) -> str:
    """Render ``value`` as Xero JSON: Decimal → number, datetime/date → MS-JSON date."""
    parts: list[str] = []
    _encode(value, parts.append)
    return "".join(parts)


def _encode(value: object, out) -> None:
    if isinstance(value, str):
        out(encode_basestring_ascii(value))
    elif value is None:
        out("null")
    elif value is True:
        out("true")
    elif value is False:
        out("false")
    elif isinstance(value, int):
        out(str(value))
    elif isinstance(value, Decimal):
        out(format(value, "f"))
    elif isinstance(value, (datetime, date)):
        out('"' + ms_date(value) + '"')
    elif isinstance(value, dict):
        out("{")
        first = True
        for key, item in value.items():
            if not first:
                out(",")
            first = False
            out(encode_basestring_ascii(key))
            out(":")
            _encode(item, out)
        out("}")
    elif isinstance(value, (list, tuple)):
        out("[")
        for index, item in enumerate(value):
            if index:
                out(",")
            _encode(item, out)
        out("]")
    elif isinstance(value, RawJSON):
        out(value.text)
    else:
        raise TypeError(f"cannot render {type(value).__name__} as Xero JSON")


class RawJSON:
    """Already-rendered JSON text (a cached record) to splice into a response unchanged."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text
