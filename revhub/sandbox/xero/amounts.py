"""Xero's money arithmetic: every amount at two decimal places, whatever the currency.

Xero documents (developer.xero.com "Rounding in Xero") that all monetary calculations are to
two decimal places: ``UnitAmount`` is kept at 2 dp unless the request carries ``unitdp=4``
(then 4), ``LineAmount`` is quantity × unit amount rounded to 2 dp, tax is computed and
rounded per line, and ``SubTotal``/``TotalTax``/``Total`` are sums of the rounded lines.
Rounding is half away from zero (2.165 → 2.17, as Xero's staff describe it). JPY and
3-decimal currencies such as KWD are no exception in Xero, so none here.

Sums are done in integer cents so no float or binary fraction is ever involved.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from revhub.sandbox.xero.errors import ValidationFailed

CENT = Decimal("0.01")
UNIT_DP = (2, 4)


def cents(value: Decimal) -> int:
    """Whole cents of a 2-dp amount already held by the sandbox."""
    return int((value * 100).to_integral_value())


def amount(count: int) -> Decimal:
    """The 2-dp Decimal for a count of cents (``1234`` → ``12.34``)."""
    return (Decimal(count) / 100).quantize(CENT)


def rounded_cents(value: Decimal) -> int:
    """Cents of a computed amount, rounded half away from zero as Xero rounds."""
    return cents(value.quantize(CENT, rounding=ROUND_HALF_UP))


def exact_cents(value: Decimal, name: str = "Amount") -> int:
    """Cents of an amount a client sent; more than 2 decimals is refused."""
    try:
        quantized = value.quantize(CENT)
    except InvalidOperation:
        raise ValidationFailed(f"{name} must be a number.") from None
    if quantized != value:
        raise ValidationFailed(f"{name} {value} has more than 2 decimal places.")
    return cents(quantized)


def unit_amount(value: Decimal, dp: int) -> Decimal:
    """A unit amount kept as Xero keeps it: rounded to ``dp`` (2, or 4 with ``unitdp=4``)."""
    return value.quantize(Decimal(1).scaleb(-dp), rounding=ROUND_HALF_UP)
