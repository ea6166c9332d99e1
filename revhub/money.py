"""Money as an integer count of minor units plus an ISO 4217 code.

Floats are refused everywhere: a float cannot hold 0.10 exactly, and an amount that
has been through one can no longer be traced to its source.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# ISO 4217 list one (current currencies and funds), minor-unit exponent per code.
# Codes whose minor unit is "N.A." (precious metals, XDR, testing codes) are left out
# on purpose: they are not amounts anyone invoices in.
_EXPONENT_0 = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_EXPONENT_3 = "BHD IQD JOD KWD LYD OMR TND"
_EXPONENT_4 = "CLF UYW"
_EXPONENT_2 = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN "
    "BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB "
    "EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS "
    "KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN "
    "MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD "
    "SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS "
    "UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG"
)

EXPONENTS: dict[str, int] = {
    code: exponent
    for exponent, codes in ((0, _EXPONENT_0), (2, _EXPONENT_2), (3, _EXPONENT_3), (4, _EXPONENT_4))
    for code in codes.split()
}


class MoneyError(ValueError):
    """An amount or currency that cannot be represented exactly."""


def exponent(currency: str) -> int:
    """The number of decimal places of ``currency`` (case-insensitive ISO 4217 code)."""
    if not isinstance(currency, str):
        raise MoneyError(f"currency must be an ISO 4217 code string, got {type(currency).__name__}")
    try:
        return EXPONENTS[currency.upper()]
    except KeyError:
        raise MoneyError(f"unknown currency {currency!r}: not an ISO 4217 code with minor units") from None


def normalize_currency(currency: str) -> str:
    """Upper-case ISO code, validated against the exponent table."""
    exponent(currency)
    return currency.upper()


def to_minor(amount: str | Decimal | int, currency: str) -> int:
    """Exact decimal amount (``"1234.5"``) to integer minor units (EUR → ``123450``).

    Strings and Decimals may carry at most the currency's number of decimals
    (trailing zeros beyond it are fine). Ints are whole major units. Floats are refused.
    """
    if isinstance(amount, bool) or isinstance(amount, float):
        raise MoneyError(
            f"amount {amount!r} is a {type(amount).__name__}; pass a decimal string, Decimal or int"
        )
    places = exponent(currency)
    if isinstance(amount, int):
        return amount * 10**places
    if isinstance(amount, str):
        text = amount.strip()
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise MoneyError(f"amount {amount!r} is not a decimal number") from None
    elif isinstance(amount, Decimal):
        value = amount
    else:
        raise MoneyError(f"amount must be a decimal string, Decimal or int, got {type(amount).__name__}")
    if not value.is_finite():
        raise MoneyError(f"amount {amount!r} is not a finite number")
    scaled = value.scaleb(places)
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"amount {amount!r} has more than {places} decimals for {currency.upper()}")
    return int(scaled)


def to_decimal(minor: int, currency: str) -> Decimal:
    """Integer minor units to an exact Decimal with the currency's number of places."""
    if not isinstance(minor, int) or isinstance(minor, bool):
        raise MoneyError(f"minor units must be an int, got {type(minor).__name__}")
    places = exponent(currency)
    return Decimal(minor).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def to_decimal_string(minor: int, currency: str) -> str:
    """Integer minor units to a plain decimal string (``123450`` EUR → ``"1234.50"``)."""
    return format(to_decimal(minor, currency), "f")


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount: ``minor`` units of ``currency``."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise MoneyError(f"Money.minor must be an int, got {type(self.minor).__name__}")
        object.__setattr__(self, "currency", normalize_currency(self.currency))

    @classmethod
    def parse(cls, amount: str | Decimal | int, currency: str) -> Money:
        """Money from a decimal amount in major units."""
        return cls(to_minor(amount, currency), currency)

    @property
    def decimal(self) -> Decimal:
        return to_decimal(self.minor, self.currency)

    def __str__(self) -> str:
        return f"{to_decimal_string(self.minor, self.currency)} {self.currency}"

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise MoneyError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)
