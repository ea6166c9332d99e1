"""Exact decimal amounts through xero-python, which turns every ``Decimal`` into a float.

An amount wrapped in :class:`ExactDecimal` leaves xero-python's serializer as a placeholder
string, and :class:`ExactJsonPool` (the client's urllib3 pool) writes it back as the JSON
number it was, digit for digit, just before the request leaves. Nothing else is touched.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from xero_python.api_client.serializer import serialize

_PLACEHOLDER = re.compile(r'"\\u0000dec:(-?[0-9]+(?:\.[0-9]+)?)\\u0000"')


class ExactDecimal(Decimal):
    """A Decimal that reaches Xero as an exact JSON number."""


@serialize.register("ExactDecimal")
def _serialize_exact(value: ExactDecimal, explicit_type: str | None = None) -> str:
    return f"\x00dec:{value:f}\x00"


def exact(value: Decimal) -> ExactDecimal:
    """``value`` marked to be sent as an exact number."""
    return ExactDecimal(value)


def restore_numbers(body: str) -> str:
    """The JSON ``body`` with each placeholder back as its number."""
    return _PLACEHOLDER.sub(r"\1", body)


class ExactJsonPool:
    """A urllib3 pool manager whose JSON bodies carry exact numbers."""

    def __init__(self, pool: Any) -> None:
        self._pool = pool

    def request(self, method: str, url: str, body: Any = None, **kwargs: Any) -> Any:
        if isinstance(body, str):
            body = restore_numbers(body)
        return self._pool.request(method, url, body=body, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)
