"""Field values: from request JSON into Python, and from Python into Salesforce's JSON.

In memory a record holds ``str``, ``bool``, ``int``, ``Decimal`` (numbers and money, exact),
``date``, ``datetime`` (UTC) or ``None``. On the wire datetimes look like
``2024-01-02T03:04:05.000+0000`` and numbers are JSON numbers written from the Decimal,
never through a float.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from revhub.sandbox.salesforce.errors import ApiError, dml
from revhub.sandbox.salesforce.ids import to18

_DATETIME_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
# Salesforce's own check is looser than RFC 5322: a local part, an @ and a dotted domain.
_EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_encode_str = json.encoder.encode_basestring


def format_datetime(value: datetime) -> str:
    """Salesforce's datetime wire format, always UTC with milliseconds."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def parse_datetime(text: str) -> datetime | None:
    """An ISO-8601 datetime with offset (``Z``, ``+01:00``, ``+0100``), or None if not one.

    A missing offset means UTC, as Salesforce reads it.
    """
    match = _DATETIME_RE.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micros = int((fraction or "0").ljust(6, "0")[:6])
    try:
        value = datetime(int(year), int(month), int(day), int(hour), int(minute),
                         int(second or 0), micros, tzinfo=UTC)
    except ValueError:
        return None
    if offset and offset != "Z":
        sign = 1 if offset[0] == "+" else -1
        digits = offset[1:].replace(":", "")
        shift = sign * (int(digits[:2]) * 60 + int(digits[2:]))
        value = value.replace(tzinfo=timezone(timedelta(minutes=shift)))
    return value.astimezone(UTC)


def parse_date(text: str) -> date | None:
    match = _DATE_RE.match(text)
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def encode(value) -> str:
    """One value as Salesforce JSON text."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _encode_str(value)
    if isinstance(value, datetime):
        return '"' + format_datetime(value) + '"'
    if isinstance(value, date):
        return '"' + value.isoformat() + '"'
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(_encode_str(k) + ":" + encode(v) for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(encode(v) for v in value) + "]"
    raise TypeError(f"cannot encode {type(value).__name__}")


def coerce(field, raw):
    """``raw`` from request JSON as the in-memory value of ``field`` (a FieldDef).

    Raises an ApiError shaped as Salesforce answers a value of the wrong type.
    """
    if raw is None:
        return None
    kind = field.type
    if kind in ("string", "textarea", "email", "phone", "url", "picklist"):
        if not isinstance(raw, str):
            if isinstance(raw, bool) or not isinstance(raw, (int, Decimal)):
                raise _wrong_type(field, raw)
            raw = format(raw, "f") if isinstance(raw, Decimal) else str(raw)
        if field.length and len(raw) > field.length:
            raise dml("STRING_TOO_LONG",
                      f"{field.label}: data value too large: {raw[:80]} (max length={field.length})",
                      [field.name])
        if kind == "email" and raw and not _EMAIL_RE.match(raw):
            raise dml("INVALID_EMAIL_ADDRESS", f"{field.label}: invalid email address: {raw}",
                      [field.name])
        return raw
    if kind == "boolean":
        if not isinstance(raw, bool):
            raise _wrong_type(field, raw)
        return raw
    if kind in ("double", "currency", "percent", "int"):
        if isinstance(raw, bool) or not isinstance(raw, (int, Decimal)):
            raise _wrong_type(field, raw)
        value = Decimal(raw)
        if kind == "int":
            if value != value.to_integral_value():
                raise _wrong_type(field, raw)
            return int(value)
        return _fit(field, value)
    if kind == "date":
        value = parse_date(raw) if isinstance(raw, str) else None
        if value is None:
            raise _wrong_type(field, raw)
        return value
    if kind == "datetime":
        value = parse_datetime(raw) if isinstance(raw, str) else None
        if value is None:
            raise _wrong_type(field, raw)
        return value
    if kind == "base64":  # a file's bytes (ContentVersion.VersionData), base64 in JSON
        if not isinstance(raw, str):
            raise _wrong_type(field, raw)
        try:
            return base64.b64decode(raw, validate=True)
        except binascii.Error:
            raise _wrong_type(field, raw) from None
    if kind in ("id", "reference"):
        value = to18(raw) if isinstance(raw, str) else None
        if value is None:
            raise dml("MALFORMED_ID", f"{field.label}: id value of incorrect type: {raw}",
                      [field.name])
        return value
    raise AssertionError(f"unhandled field type {kind}")


def _fit(field, value: Decimal) -> Decimal:
    """A number as the field stores it: rounded half-up to its scale, refused past its precision."""
    if field.scale is None or field.precision is None:
        return value
    rounded = value.quantize(Decimal(1).scaleb(-field.scale), rounding=ROUND_HALF_UP)
    if abs(rounded) >= Decimal(10) ** (field.precision - field.scale):
        raise dml("NUMBER_OUTSIDE_VALID_RANGE",
                  f"{field.label}: value outside of valid range on numeric field: {format(value, 'f')}",
                  [field.name])
    return rounded


def _wrong_type(field, raw) -> ApiError:
    shown = raw if isinstance(raw, str) else json.dumps(raw, default=str)
    return ApiError(400, "JSON_PARSER_ERROR",
                    f"Cannot deserialize instance of {field.type} from value {shown} "
                    f"or request may be missing a required field")
