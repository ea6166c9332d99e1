"""Stripe's own currency rules (https://docs.stripe.com/currencies), kept inside the sandbox.

This is the sandbox's independent reference: revhub keeps its own table, and the tests that
compare the two are how a divergence shows. Amounts on Stripe's wire are integers in the
currency's smallest unit *as Stripe counts it*, which is not always ISO 4217's exponent.
"""

from __future__ import annotations

from revhub.sandbox.stripe.errors import StripeError

# Zero-decimal in Stripe (MGA is 2-decimal in ISO 4217, still zero-decimal here).
ZERO_DECIMAL = frozenset({"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd",
                          "vuv", "xaf", "xof", "xpf"})
# Three-decimal: the API takes them, but the last digit must be 0 (rounded to the nearest ten).
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})
# Special cases: ISK and UGX are zero-decimal, but for backwards compatibility amounts are sent
# with two decimals and must be evenly divisible by 100; HUF and TWD are charged with two
# decimals but paid out as zero-decimal, so payout amounts must be divisible by 100.
WIRE_TWO_DECIMALS = frozenset({"isk", "ugx"})
CHARGE_DIVISIBLE_BY_100 = frozenset({"isk", "ugx"})
PAYOUT_DIVISIBLE_BY_100 = frozenset({"huf", "twd", "isk", "ugx"})
# Charges support up to eight digits of the smallest unit.
MAX_AMOUNT = 99_999_999
# Minimum charge amounts in the smallest unit, for the currencies Stripe lists.
MINIMUM_CHARGE = {"usd": 50, "eur": 50, "gbp": 30, "jpy": 50, "aud": 50, "cad": 50, "chf": 50, "dkk": 250,
                  "nok": 300, "sek": 300, "hkd": 400, "sgd": 50, "nzd": 50, "mxn": 1000, "pln": 200, "czk": 1500,
                  "huf": 17500, "brl": 50, "inr": 50, "aed": 200, "ron": 200, "bgn": 100, "thb": 1000}
_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥"}


def exponent(currency: str) -> int:
    """Digits after the decimal point in Stripe's API amounts for ``currency``."""
    currency = currency.lower()
    if currency in WIRE_TWO_DECIMALS:
        return 2
    if currency in ZERO_DECIMAL:
        return 0
    return 3 if currency in THREE_DECIMAL else 2


def display(amount: int, currency: str) -> str:
    """``5000, "usd"`` → ``$50.00``; zero-decimal currencies without decimals."""
    digits = exponent(currency)
    major = f"{amount / 10 ** digits:,.{digits}f}" if digits else f"{amount:,}"
    return f"{_SYMBOLS.get(currency.lower(), '')}{major}"


def check_charge(amount: int, currency: str, param: str | None = "amount", *, minimum: bool = True) -> None:
    """Refuse an amount Stripe cannot charge (or refund) in ``currency``."""
    currency = currency.lower()
    if amount > MAX_AMOUNT:
        raise StripeError(400, f"Amount must be no more than {display(MAX_AMOUNT, currency)} {currency}",
                          code="amount_too_large", param=param)
    floor = MINIMUM_CHARGE.get(currency)
    if minimum and floor is not None and amount < floor:
        raise StripeError(400, f"Amount must be at least {display(floor, currency)} {currency}",
                          code="amount_too_small", param=param)
    if currency in THREE_DECIMAL and amount % 10:
        raise StripeError(400, f"Invalid amount: {currency} amounts must be rounded to the nearest ten (the last "
                               f"digit must be 0), e.g. {amount - amount % 10} or {amount - amount % 10 + 10}.",
                          code="invalid_amount", param=param)
    if currency in CHARGE_DIVISIBLE_BY_100 and amount % 100:
        raise StripeError(400, f"Invalid amount: {currency} amounts must be evenly divisible by 100.",
                          code="invalid_amount", param=param)


def check_payout(amount: int, currency: str, param: str = "amount") -> None:
    """Refuse a payout amount Stripe cannot pay out in ``currency``."""
    currency = currency.lower()
    if currency in PAYOUT_DIVISIBLE_BY_100 and amount % 100:
        raise StripeError(400, f"Invalid amount: {currency} payouts must be evenly divisible by 100.",
                          code="invalid_amount", param=param)
