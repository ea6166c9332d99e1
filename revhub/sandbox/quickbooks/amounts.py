"""Decimal money on QBO's wire: amounts are JSON numbers in major units, rounded per currency."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from revhub.money import exponent
from revhub.sandbox.quickbooks.faults import invalid


def dec(value: Any, element: str) -> Decimal:
    """A request's number as a Decimal, or QBO's 2010 invalid-property error naming ``element``."""
    if isinstance(value, bool):
        raise invalid(f"{element}: a number is required", element)
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise invalid(f"{element}: {value!r} is not a number", element) from None


def rounded(value: Decimal, currency: str) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-exponent(currency)), rounding=ROUND_HALF_UP)


def wire(value: Any) -> Any:
    """Stored objects (Decimals inside) as JSON-ready values: Decimals become JSON numbers."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 else float(value)
    if isinstance(value, dict):
        return {k: wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [wire(v) for v in value]
    return value
