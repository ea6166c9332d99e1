"""Tax per line and invoice totals, computed as Xero computes them: tax on each line amount,
rounded half up to the currency's minor unit, then summed.

https://developer.xero.com/documentation/api-guides/rounding-in-xero ("Xero calculates tax on
a per line basis, rounding to two decimal places, and then sums the tax totals of each line").
Amounts here are integer minor units, so "rounded to the minor unit" is rounding to an integer;
for currencies with fewer than two decimals the hub sends each line's tax to Xero explicitly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Totals:
    subtotal_minor: int   # excluding tax
    tax_minor: int
    total_minor: int      # including tax


def line_tax(amount_minor: int, rate_percent: Decimal, *, inclusive: bool) -> int:
    """The tax in a line of ``amount_minor`` (tax included in it when ``inclusive``)."""
    rate = Decimal(rate_percent)
    if not rate:
        return 0
    exact = Decimal(amount_minor) * rate / (100 + rate if inclusive else 100)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def totals(lines: Iterable[tuple[int, int]], *, inclusive: bool) -> Totals:
    """Subtotal, tax and total of lines given as (line amount, line tax)."""
    pairs = list(lines)
    line_sum = sum(amount for amount, _ in pairs)
    tax = sum(t for _, t in pairs)
    if inclusive:
        return Totals(line_sum - tax, tax, line_sum)
    return Totals(line_sum, tax, line_sum + tax)
