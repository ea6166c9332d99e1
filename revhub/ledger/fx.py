"""The exchange rate a payment processor realised, stated as Xero states rates. Pure; imports
only :mod:`revhub.money`, so the Xero write-back and the Xero sandbox's seed share it.

Xero's ``CurrencyRate`` is units of the document's currency per one unit of the bank
account's (base) currency, and a foreign payment moves its bank account by
``BankAmount = Amount / CurrencyRate``, kept at two decimals rounded half away from zero
(xero-python ``Payment.bank_amount``; developer.xero.com "Rounding in Xero"). Given the rate
Stripe realised (what it settled for what the customer paid), Xero's clearing account moves
by exactly what Stripe's balance did.

Precision: Xero documents rates to six decimals (``Invoice.CurrencyRate`` "max length =
[18].[6]"; Xero help: exchange rates are entered and rounded to six decimal places). So the
rate sent is the six-place rate nearest the realised one that still converts to the settled
amount exactly; only where none does (roughly: more than 10,000 units settled at a rate near
1) are more places sent, up to ten.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from revhub.money import to_decimal

XERO_RATE_DP = 6      # the places Xero documents for a CurrencyRate
FINEST_RATE_DP = 10   # the most places sent, when no six-place rate converts exactly
_CENT = Decimal("0.01")  # Xero keeps every amount, BankAmount included, at two decimals


def bank_amount(amount: Decimal, rate: Decimal) -> Decimal:
    """What Xero moves in the bank account for ``amount`` at ``rate`` (two decimals, half away
    from zero)."""
    return (amount / rate).quantize(_CENT, rounding=ROUND_HALF_UP)


def realised_rate(presented_minor: int, presented_currency: str, settled_minor: int,
                  settled_currency: str) -> Decimal | None:
    """Xero's ``CurrencyRate`` (units of ``presented_currency`` per one ``settled_currency``)
    under which ``presented_minor`` converts to exactly ``settled_minor``; None when the
    processor did not convert (same currency) or either amount is nothing."""
    if presented_currency.upper() == settled_currency.upper() or not presented_minor or not settled_minor:
        return None
    presented = abs(to_decimal(presented_minor, presented_currency))
    settled = abs(to_decimal(settled_minor, settled_currency))
    exact = presented / settled
    for places in (XERO_RATE_DP, FINEST_RATE_DP):
        found = _converting(presented, settled, exact, Decimal(1).scaleb(-places))
        if found is not None:
            return found
    return exact.quantize(Decimal(1).scaleb(-FINEST_RATE_DP), rounding=ROUND_HALF_UP)


def _converting(presented: Decimal, settled: Decimal, exact: Decimal, step: Decimal) -> Decimal | None:
    """The rate on ``step`` nearest ``exact`` that converts ``presented`` to ``settled``: the
    nearest one, else its neighbour on the other side of ``exact`` (deterministic)."""
    nearest = exact.quantize(step, rounding=ROUND_HALF_UP)
    other = nearest - step if nearest > exact else nearest + step
    for rate in (nearest, other):
        if rate > 0 and bank_amount(presented, rate) == settled:
            return rate
    return None


def split_settled(settled: int, parts: list[int]) -> list[int]:
    """``settled`` (what the processor settled for the whole payment) shared among ``parts``
    (the presented amounts it was split into) in proportion, summing exactly to ``settled``:
    each part gets its floor, and the units left over go to the largest remainders, the
    earlier part first on a tie, so the same split always comes out the same."""
    total = sum(parts)
    if total <= 0:
        return [0 for _ in parts]
    shares = [settled * part // total for part in parts]
    remainders = [settled * part % total for part in parts]
    left = settled - sum(shares)
    for i in sorted(range(len(parts)), key=lambda i: (-remainders[i], i))[:left]:
        shares[i] += 1
    return shares


def part_rates(parts: list[int], currency: str, settled_minor: int, settled_currency: str) -> list[Decimal | None]:
    """The ``CurrencyRate`` of each part of one payment split in Xero (invoices, then any
    over-payment): what was settled for the whole, shared among the parts in proportion, each
    part at the rate realised on its share, so the parts move the bank account by exactly the
    settled total."""
    shares = split_settled(abs(settled_minor), parts)
    return [realised_rate(part, currency, share, settled_currency) for part, share in zip(parts, shares, strict=True)]
