"""What each system can hold, per currency: decimals on the wire, granularity, limits.

revhub keeps money as ISO 4217 minor units (``revhub.money``); the systems differ from ISO and
from each other, and an amount one of them cannot hold exactly must be refused at intake rather
than rounded somewhere on the way (declared policy: refuse, never round silently).

Stripe (https://docs.stripe.com/currencies): amounts are integers in the currency's smallest
unit as *Stripe* counts it. Zero-decimal: BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF VND VUV XAF
XOF XPF (MGA is two-decimal in ISO). ISK and UGX became zero-decimal but are still sent as
two-decimal values whose decimals are 00 (divisible by 100). Three-decimal BHD JOD KWD OMR TND
must end in 0 (divisible by 10). HUF and TWD charge with two decimals (only payouts are whole
units). Amounts have at most eight digits (99999999).

Xero (https://developer.xero.com/documentation/api-guides/rounding-in-xero): line amounts, tax
and totals are kept to two decimals; unit prices to four with ``unitdp=4`` (revhub sends it).

Salesforce: currency fields of revhub's package have scale 2.
"""

from __future__ import annotations

from dataclasses import dataclass

from revhub.money import exponent

_STRIPE_ZERO = frozenset("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF VND VUV XAF XOF XPF".split())
_STRIPE_WHOLE_AS_TWO = frozenset({"ISK", "UGX"})
_STRIPE_THREE = frozenset("BHD JOD KWD OMR TND".split())
# ISO funds and unit-of-account codes: not currencies anyone is charged in.
_STRIPE_UNSUPPORTED = frozenset("BOV CHE CHW CLF COU MXV USN UYI UYW".split())
STRIPE_MAX_DIGITS = 8

PROVIDER_NAMES = {"stripe": "Stripe", "xero": "Xero", "salesforce": "Salesforce", "hubspot": "HubSpot",
                  "quickbooks": "QuickBooks"}


@dataclass(frozen=True)
class WireRule:
    """How ``provider`` holds amounts in ``currency``."""

    provider: str
    currency: str
    exponent: int            # decimals of an amount on the wire
    step: int = 1            # an amount on the wire must be a multiple of this (in wire units)
    unit_exponent: int | None = None  # decimals of a unit price, when different from amounts
    max_wire: int | None = None       # the largest amount, in wire units
    supported: bool = True

    def unit_rule(self) -> WireRule:
        """The rule for unit prices."""
        if self.unit_exponent is None:
            return self
        return WireRule(self.provider, self.currency, self.unit_exponent, 1, None, self.max_wire, self.supported)


def rule(provider: str, currency: str) -> WireRule:
    """The wire rule of ``provider`` for ``currency`` (ISO code, any case)."""
    code = currency.upper()
    iso = exponent(code)
    if provider == "stripe":
        if code in _STRIPE_ZERO:
            return WireRule("stripe", code, 0, max_wire=10**STRIPE_MAX_DIGITS - 1)
        if code in _STRIPE_WHOLE_AS_TWO:
            return WireRule("stripe", code, 2, 100, max_wire=10**STRIPE_MAX_DIGITS - 1)
        if code in _STRIPE_THREE:
            return WireRule("stripe", code, 3, 10, max_wire=10**STRIPE_MAX_DIGITS - 1)
        return WireRule("stripe", code, iso, max_wire=10**STRIPE_MAX_DIGITS - 1,
                        supported=code not in _STRIPE_UNSUPPORTED)
    if provider == "xero":
        return WireRule("xero", code, 2, unit_exponent=4)
    if provider == "salesforce":
        return WireRule("salesforce", code, 2)
    if provider == "hubspot":
        return WireRule("hubspot", code, iso)  # number properties: the currency's own decimals
    if provider == "quickbooks":  # QBO amounts: decimals, two places at most
        return WireRule("quickbooks", code, 2)
    raise ValueError(f"no currency rules for provider {provider!r}")


def to_wire(minor: int, wire: WireRule) -> int | None:
    """``minor`` (ISO minor units) in the rule's wire units; None when not exactly representable."""
    shift = wire.exponent - exponent(wire.currency)
    if shift >= 0:
        value = minor * 10**shift
    elif minor % 10**-shift:
        return None
    else:
        value = minor // 10**-shift
    return value if value % wire.step == 0 else None


def from_wire(value: int, wire: WireRule) -> int:
    """Wire units back to ISO minor units (exact for every amount ``to_wire`` produced)."""
    shift = wire.exponent - exponent(wire.currency)
    return value // 10**shift if shift >= 0 else value * 10**-shift


def stripe_amount(minor: int, currency: str) -> int:
    """``minor`` as the integer Stripe expects; ValueError when Stripe cannot hold it exactly."""
    wire = to_wire(minor, rule("stripe", currency))
    if wire is None:
        raise ValueError(f"Stripe cannot hold {minor} minor units of {currency} exactly")
    return wire


def stripe_minor(amount: int, currency: str) -> int:
    """An integer amount from Stripe as ISO minor units."""
    return from_wire(amount, rule("stripe", currency))


def refusal(provider: str, currency: str, minor: int, *, unit: bool = False) -> str | None:
    """Why ``provider`` cannot hold ``minor`` of ``currency`` exactly, or None when it can."""
    wire = rule(provider, currency)
    name = PROVIDER_NAMES.get(provider, provider)
    if not wire.supported:
        return f"{name} does not take payments in {currency.upper()}"
    if unit:
        wire = wire.unit_rule()
    value = to_wire(minor, wire)
    if value is None:
        quantum = wire.step * 10 ** (exponent(currency) - wire.exponent) if wire.exponent <= exponent(currency) \
            else None
        detail = (f"only in multiples of {_major(quantum, currency)}" if quantum
                  else f"with at most {wire.exponent} decimals")
        return f"{name} holds {currency.upper()} {'unit prices' if unit else 'amounts'} {detail}"
    if wire.max_wire is not None and abs(value) > wire.max_wire:
        return f"{name} takes at most {_major(from_wire(wire.max_wire, wire), currency)} {currency.upper()}"
    return None


def _major(minor: int, currency: str) -> str:
    from revhub.money import to_decimal_string

    return to_decimal_string(minor, currency)
