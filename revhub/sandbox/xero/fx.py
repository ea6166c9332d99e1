"""What a payment moves in its bank account: ``BankAmount`` from ``Amount`` and ``CurrencyRate``.

Xero (xero-python ``Payment``): ``Amount`` is in the document's currency, ``BankAmount`` is
"the amount of the payment in the currency of the bank account", and ``CurrencyRate`` is the
"exchange rate when payment is received". Xero states every rate as units of the foreign
currency per one unit of the base currency (1 EUR = 1.087000 USD), so a foreign payment into a
base-currency account moves ``Amount / CurrencyRate``. Without a rate Xero takes XE.com's rate
of the day; the sandbox has its own daily table. Every amount is kept at two decimals, rounded
half away from zero (developer.xero.com "Rounding in Xero").
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from revhub.sandbox.xero.amounts import rounded_cents
from revhub.sandbox.xero.errors import ValidationFailed

# Units of each currency per EUR (the sandbox organisation's base currency), mid-market.
_PER_EUR = {"EUR": Decimal(1), "USD": Decimal("1.087"), "GBP": Decimal("0.855"), "JPY": Decimal("163.9"),
            "CHF": Decimal("0.952"), "SEK": Decimal("11.49"), "NOK": Decimal("11.76"), "DKK": Decimal("7.46"),
            "PLN": Decimal("4.35"), "CAD": Decimal("1.49"), "AUD": Decimal("1.66"), "KWD": Decimal("0.3356"),
            "BHD": Decimal("0.4098"), "NZD": Decimal("1.79")}
_PER_EUR.update(ISK=Decimal("150.2"), MGA=Decimal("4975"), UGX=Decimal("4020"))  # XE also quotes these
DAY_RATE_DP = 6  # a published rate of the day carries six decimals
# A rate the client gives is kept to this many places, so that a feed sending the rate its
# processor realised (settled / presented) moves the bank account by exactly what it settled.
GIVEN_RATE_DP = 10


def day_rate(currency: str, base: str, on: date) -> Decimal:
    """The sandbox's rate of the day: units of ``currency`` per one ``base``."""
    if currency == base:
        return Decimal(1)
    if currency not in _PER_EUR or base not in _PER_EUR:
        raise ValidationFailed(f"No exchange rate is available for {currency} on {on.isoformat()}.")
    # A small deterministic daily movement, so that rates differ from day to day as XE's do.
    wobble = Decimal(1) + Decimal(on.toordinal() % 7 - 3) / Decimal(1000)
    rate = _PER_EUR[currency] / _PER_EUR[base] * wobble
    return rate.quantize(Decimal(1).scaleb(-DAY_RATE_DP), rounding=ROUND_HALF_UP)


def payment_rate(given: Decimal | None, currency: str, base: str, on: date) -> Decimal:
    """The payment's ``CurrencyRate``: the one given (a foreign-currency payment), else the day's."""
    if currency == base:
        return Decimal(1)
    if given is None:
        return day_rate(currency, base, on)
    if given <= 0:
        raise ValidationFailed("CurrencyRate must be greater than zero.")
    return given.quantize(Decimal(1).scaleb(-GIVEN_RATE_DP), rounding=ROUND_HALF_UP)


def bank_cents(amount_cents: int, currency: str, bank_currency: str, base: str, rate: Decimal,
               on: date) -> int:
    """``BankAmount`` in cents: ``amount_cents`` of ``currency`` as the bank account's currency moved."""
    if currency == bank_currency:
        return amount_cents
    in_base = Decimal(amount_cents) / 100 / rate
    if bank_currency != base:  # a foreign bank account: from base at that currency's rate of the day
        in_base *= day_rate(bank_currency, base, on)
    return rounded_cents(in_base)
