"""Stripe's bracket-encoded parameters (``metadata[po]=1``, ``lines[0][amount]=5``) as nested
dicts and lists, and the typed readers endpoints use to validate them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from revhub.sandbox.stripe.errors import StripeError

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def parse(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """``[("a[b][0]", "x")]`` → ``{"a": {"b": ["x"]}}``; ``expand[]`` appends."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        match = _KEY.match(key)
        if not match:
            raise StripeError(400, f"Invalid parameter name: {key}", code="parameter_invalid_string", param=key)
        parts = [match.group(1)] + re.findall(r"\[([^\[\]]*)\]", match.group(2))
        node: Any = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt = None if last else parts[i + 1]
            container: Any = [] if nxt is not None and (nxt == "" or nxt.isdigit()) else {}
            if isinstance(node, list):
                index = len(node) if part == "" else int(part)
                while len(node) <= index:
                    node.append(None)
                if last:
                    node[index] = value
                else:
                    if node[index] is None:
                        node[index] = container
                    node = node[index]
            else:
                if last:
                    node[part] = value
                else:
                    node = node.setdefault(part, container)
    return _compact(root)


def _compact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_compact(v) for v in value if v is not None]
    return value


def integer(params: dict, name: str, *, required: bool = False, minimum: int | None = None,
            maximum: int | None = None, default: int | None = None) -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        if required:
            raise StripeError(400, f"Missing required param: {name}.", code="parameter_missing", param=name)
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise StripeError(400, f"Invalid integer: {raw}", code="parameter_invalid_integer", param=name) from None
    if minimum is not None and value < minimum:
        raise StripeError(400, f"This value must be greater than or equal to {minimum}.",
                          code="parameter_invalid_integer", param=name)
    if maximum is not None and value > maximum:
        raise StripeError(400, f"This value must be less than or equal to {maximum}.",
                          code="parameter_invalid_integer", param=name)
    return value


def future_timestamp(params: dict, name: str, now: int) -> int | None:
    """A Unix timestamp that Stripe takes only in the future (``due_date``, ``trial_end`` …)."""
    value = integer(params, name)
    if value is not None and value <= now:
        raise StripeError(400, "Invalid timestamp: must be an integer Unix timestamp in the future.", param=name)
    return value


def boolean(params: dict, name: str, default: bool | None = None) -> bool | None:
    raw = params.get(name)
    if raw is None:
        return default
    if str(raw).lower() in ("true", "false"):
        return str(raw).lower() == "true"
    raise StripeError(400, f"Invalid boolean: {raw}", code="parameter_invalid_boolean", param=name)


def string(params: dict, name: str, *, required: bool = False, choices: Iterable[str] | None = None,
           max_length: int = 5000) -> str | None:
    raw = params.get(name)
    if raw in (None, ""):
        if required:
            raise StripeError(400, f"Missing required param: {name}.", code="parameter_missing", param=name)
        return None
    if not isinstance(raw, str):
        raise StripeError(400, f"Invalid string: {raw!r}", code="parameter_invalid_string", param=name)
    if choices is not None and raw not in choices:
        raise StripeError(400, f"Invalid {name}: must be one of {', '.join(choices)}", code="parameter_invalid_string",
                          param=name)
    if len(raw) > max_length:
        raise StripeError(400, f"Invalid {name}: must be at most {max_length} characters",
                          code="parameter_invalid_string_too_long", param=name)
    return raw


def metadata(params: dict, current: dict | None = None) -> dict[str, str]:
    """Merge ``metadata`` (an empty value removes a key), with Stripe's limits."""
    result = dict(current or {})
    given = params.get("metadata")
    if given in (None, ""):
        return {} if given == "" else result
    if not isinstance(given, dict):
        raise StripeError(400, "Invalid object", code="parameter_invalid_object", param="metadata")
    for key, value in given.items():
        if len(key) > 40:
            raise StripeError(400, "Metadata keys must be at most 40 characters.", param=f"metadata[{key}]")
        if value == "":
            result.pop(key, None)
        else:
            if len(str(value)) > 500:
                raise StripeError(400, "Metadata values must be at most 500 characters.", param=f"metadata[{key}]")
            result[key] = str(value)
    if len(result) > 50:
        raise StripeError(400, "Metadata can have up to 50 keys.", param="metadata")
    return result
