"""How long one provider call may take, for every connector.

A call with no limit can hang on a stalled provider for as long as the socket lives, holding
the job's lease all the while; every call is therefore bounded. The limit is the connection's
``timeout_seconds`` setting, else ``REVHUB_CALL_TIMEOUT``, else 30 seconds. A call that gives
up at the limit is a ``RetriableError`` (a timeout is transient), classified by each client.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from revhub.connectors.errors import ConfigError

DEFAULT_CALL_TIMEOUT = 30.0
ENV_NAME = "REVHUB_CALL_TIMEOUT"


def parse_timeout(raw: Any, name: str) -> float:
    """``raw`` as a positive number of seconds; a ``ConfigError`` naming ``name`` otherwise."""
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}", provider="revhub") from None
    if not seconds > 0 or seconds == float("inf"):
        raise ConfigError(f"{name} must be a positive number of seconds, got {raw!r}", provider="revhub")
    return seconds


def call_timeout(settings: Mapping[str, Any], env: Mapping[str, str] | None = None) -> float:
    """The limit for one call on this connection (see the module docstring for the order)."""
    if settings.get("timeout_seconds") not in (None, ""):
        return parse_timeout(settings["timeout_seconds"], "timeout_seconds")
    raw = (os.environ if env is None else env).get(ENV_NAME)
    if raw not in (None, ""):
        return parse_timeout(raw, ENV_NAME)
    return DEFAULT_CALL_TIMEOUT
