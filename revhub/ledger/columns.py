"""The figures of the books check, side by side per currency and period, and their JSON."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from revhub.money import to_decimal_string

if TYPE_CHECKING:
    from revhub.ledger.check import Difference, Entry

SIDES = ("stripe", "xero", "store")
# The side-by-side rows every view shows: (label, Stripe figure, Xero figure, store figure).
ROWS = (
    ("cash in", "captured", "payments", "payments"),
    ("refunds out", "refunded", "refunds", "refunds"),
    ("fees", "fees", "fees", "fees"),
    ("net", "net", "net", "net"),
    ("payouts", "payouts", "transfers", "payouts"),
    ("payouts in transit", "in_transit", None, None),
    # Disputes withdrawn less reinstated (net already takes them off).
    ("disputes", "disputed", "disputes", "disputes"),
    ("clearing balance change", "balance_change", "clearing_movement", None),
)


@dataclass
class Ledger:
    """One currency and period: each side's figures in minor units."""

    currency: str
    period: str
    stripe: dict[str, int] = field(default_factory=dict)
    xero: dict[str, int] = field(default_factory=dict)
    store: dict[str, int] = field(default_factory=dict)


def ledgers(groups: list[list[Entry]], period_of: Callable[[list[Entry]], str]) -> list[Ledger]:
    """Each side's figures per currency and period (a group counts in ``period_of(group)``)."""
    totals: dict[tuple[str, str], dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    for group in groups:
        period = period_of(group)
        for e in group:
            totals[(e.currency, period)][(e.side, e.kind)] += e.amount_minor
            # The balance rows follow the account itself, in the account's currency.
            if e.under_way and e.side == "stripe" and e.kind == "payout":
                totals[(e.currency, period)][("stripe", "in_transit")] += e.amount_minor
            if e.side == "stripe" or e.clearing:
                currency, amount = e.settled
                totals[(currency, period)][(e.side, "balance")] += amount if e.kind == "payment" else -amount
    return [_ledger(currency, period, cell) for (currency, period), cell in sorted(totals.items())]


def _ledger(currency: str, period: str, t: dict[tuple[str, str], int]) -> Ledger:
    def net(side: str) -> int:
        return t[(side, "payment")] - t[(side, "refund")] - t[(side, "fee")] - t[(side, "dispute")]

    return Ledger(
        currency, period,
        stripe={"captured": t[("stripe", "payment")], "refunded": t[("stripe", "refund")],
                "fees": t[("stripe", "fee")], "disputed": t[("stripe", "dispute")], "net": net("stripe"),
                "payouts": t[("stripe", "payout")],
                "in_transit": t[("stripe", "in_transit")],
                "balance_change": t[("stripe", "balance")]},
        xero={"payments": t[("xero", "payment")], "refunds": t[("xero", "refund")], "fees": t[("xero", "fee")],
              "disputes": t[("xero", "dispute")], "net": net("xero"), "transfers": t[("xero", "payout")],
              "clearing_movement": t[("xero", "balance")]},
        store={"payments": t[("store", "payment")], "refunds": t[("store", "refund")],
               "fees": t[("store", "fee")], "disputes": t[("store", "dispute")], "net": net("store"),
               "payouts": t[("store", "payout")]})


def ledger_json(ledger: Ledger, books: str = "xero") -> dict:
    """A ledger with its figures as exact decimal strings; the ledger column under the name of
    the books system it holds (``books``: xero or quickbooks)."""
    out = asdict(ledger)
    for side in SIDES:
        out[side] = {name: to_decimal_string(v, ledger.currency) for name, v in out[side].items()}
    if books != "xero":
        out[books] = out.pop("xero")
    return out


def difference_json(difference: Difference) -> dict:
    """A difference with its amounts as exact decimal strings (None where a side has none)."""
    out = asdict(difference)
    out["amounts"] = {s: None if v is None else to_decimal_string(v, difference.currency)
                      for s, v in difference.amounts.items()}
    return out
