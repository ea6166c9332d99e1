"""The account's balance: balance transactions in the settlement currency, and daily payouts.

Every charge and refund moves the balance by a balance transaction (``txn_``) in the currency
the account settles in: the account's default currency (EUR) unless the charge's own currency
is one it settles in, converted at ``exchange_rate`` otherwise. Fees follow Stripe's standard
pricing for a Dutch account (1.5 % + €0.25 for EEA cards, 2 % more when converting). Funds
become available two days later, at midnight UTC, and an automatic payout each midnight pays
out the available balance per currency; the payout's own transaction and the ones it settled
are listed by ``GET /v1/balance_transactions?payout=po_…``.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from revhub.sandbox.stripe.currencies import PAYOUT_DIVISIBLE_BY_100, exponent
from revhub.sandbox.stripe.store import Store, new_id

DAY = 86400
AVAILABLE_AFTER_DAYS = 2
# Mid-market rates used to convert into the settlement currency: units of EUR per unit.
EUR_RATES = {"eur": Decimal(1), "usd": Decimal("0.92"), "gbp": Decimal("1.17"), "jpy": Decimal("0.0061"),
             "chf": Decimal("1.05"), "sek": Decimal("0.087"), "nok": Decimal("0.085"), "dkk": Decimal("0.134"),
             "pln": Decimal("0.23"), "cad": Decimal("0.67"), "aud": Decimal("0.60"), "kwd": Decimal("2.98"),
             "bhd": Decimal("2.44"), "isk": Decimal("0.0066"), "huf": Decimal("0.0025"), "mga": Decimal("0.0002")}
REPORTING = {"charge": "charge", "refund": "refund", "payout": "payout", "adjustment": "other_adjustment"}


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


class Balance:
    """Balance transactions and payouts of one account."""

    def __init__(self, store: Store, now: Callable[[], int], emit: Callable[..., Any], default_currency: str = "eur",
                 settlement_currencies: tuple[str, ...] = ("eur",)) -> None:
        self.store, self.now, self.emit = store, now, emit
        self.default_currency = default_currency
        self.settlement_currencies = set(settlement_currencies) | {default_currency}
        self._unpaid: list[dict[str, Any]] = []   # transactions no payout has settled yet
        self._next_payout: int | None = None       # the earliest midnight at which one is due
        self._arriving: list[dict[str, Any]] = []  # payouts in transit
        # Each payout's balance transactions, oldest first: ``?payout=`` reads them from here
        # rather than testing every transaction of the account once per payout.
        self._of_payout: dict[str, list[str]] = {}

    def clear(self) -> None:
        """Forget what is waiting (the store itself is cleared by its owner)."""
        self._unpaid, self._arriving, self._next_payout, self._of_payout = [], [], None, {}

    def transactions_of(self, payout_id: str) -> list[str]:
        """The ids of the balance transactions ``payout_id`` settled (its own among them), oldest first."""
        return self._of_payout.get(payout_id, [])

    def settlement(self, currency: str) -> tuple[str, Decimal | None]:
        """The currency a charge in ``currency`` settles in, and the rate used (None: no conversion)."""
        if currency in self.settlement_currencies or currency not in EUR_RATES:
            return currency, None
        return self.default_currency, EUR_RATES[currency] / EUR_RATES[self.default_currency]

    def convert(self, amount: int, currency: str) -> tuple[int, str, Decimal | None]:
        """``amount`` minor units of ``currency`` in the settlement currency, with the rate."""
        target, rate = self.settlement(currency)
        if rate is None:
            return amount, currency, None
        major = Decimal(amount) / 10 ** exponent(currency) * rate
        return _round(major * 10 ** exponent(target)), target, rate

    def fee(self, settled: int, currency: str, converted: bool) -> int:
        """Stripe's standard EEA card fee on ``settled`` minor units, plus 2 % when converted."""
        percent = Decimal("0.015") + (Decimal("0.02") if converted else 0)
        fixed = _round(Decimal("0.25") * 10 ** exponent(currency))
        return _round(settled * percent) + fixed

    def record(self, amount: int, currency: str, source: str, kind: str, created: int, *,
               charge_fee: bool = False, fixed_fee: int | None = None, category: str | None = None,
               description: str | None = None) -> dict[str, Any]:
        """A balance transaction for ``amount`` (presentment currency) moved by ``source``;
        ``fixed_fee`` is a fee already in the settlement currency (a dispute fee, or its refund)."""
        settled, target, rate = self.convert(amount, currency)
        fee = self.fee(settled, target, rate is not None) if charge_fee else (fixed_fee or 0)
        available = (created // DAY + 1 + AVAILABLE_AFTER_DAYS) * DAY if kind != "payout" else created
        txn = {"id": new_id("balance_transaction"), "object": "balance_transaction", "amount": settled,
               "available_on": available, "balance_type": "payments", "created": created, "currency": target,
               "description": description, "exchange_rate": float(rate) if rate is not None else None, "fee": fee,
               "fee_details": [{"amount": fee, "application": None, "currency": target,
                                "description": "Stripe processing fees" if charge_fee else "Dispute fee",
                                "type": "stripe_fee"}] if fee else [],
               "net": settled - fee, "reporting_category": category or REPORTING[kind], "source": source,
               "status": "available" if available <= created else "pending", "type": kind, "_payout": None}
        self.store["balance_transaction"].add(txn)
        if kind != "payout":
            self._unpaid.append(txn)
            payout_at = available
            self._next_payout = payout_at if self._next_payout is None else min(self._next_payout, payout_at)
        return txn

    # -- the clock's work ----------------------------------------------------------------
    def settle(self, now: int) -> None:
        """Make funds available, pay out at every midnight that has passed, land payouts."""
        for txn in self._unpaid:
            if txn["status"] == "pending" and txn["available_on"] <= now:
                txn["status"] = "available"
        if self._next_payout is not None and self._next_payout <= now:
            self._pay_out(now)
        for payout in [p for p in self._arriving if p["arrival_date"] <= now]:
            self._arriving.remove(payout)
            payout["status"] = "paid"
            self.emit("payout.paid", payout, created=payout["arrival_date"])

    def _pay_out(self, now: int) -> None:
        by_day: dict[int, list[dict[str, Any]]] = {}
        for txn in self._unpaid:
            if txn["available_on"] <= now:
                by_day.setdefault(txn["available_on"], []).append(txn)
        carry: dict[str, list[dict[str, Any]]] = {}
        for midnight in sorted(by_day):
            for txn in by_day[midnight]:
                carry.setdefault(txn["currency"], []).append(txn)
            for currency, txns in list(carry.items()):
                smallest = 100 if currency in PAYOUT_DIVISIBLE_BY_100 else 1
                if sum(t["net"] for t in txns) >= smallest:  # a negative balance waits for more funds
                    self._payout(currency, txns, midnight)
                    del carry[currency]
        self._unpaid = [t for t in self._unpaid if not t["_payout"]]
        waiting = [t["available_on"] for t in self._unpaid if t["available_on"] > now]
        self._next_payout = min(waiting) if waiting else None

    def _payout(self, currency: str, txns: list[dict[str, Any]], at: int) -> dict[str, Any]:
        amount = sum(t["net"] for t in txns)
        if currency in PAYOUT_DIVISIBLE_BY_100:  # HUF, TWD …: paid out in whole units, the rest stays
            amount -= amount % 100
        payout = {"id": new_id("payout"), "object": "payout", "amount": amount, "application_fee": None,
                  "application_fee_amount": None, "arrival_date": at + DAY, "automatic": True,
                  "balance_transaction": None, "created": at, "currency": currency, "description": "STRIPE PAYOUT",
                  "destination": "ba_sandbox_" + currency, "failure_balance_transaction": None, "failure_code": None,
                  "failure_message": None, "livemode": False, "metadata": {}, "method": "standard",
                  "original_payout": None, "payout_method": None, "reconciliation_status": "completed",
                  "reversed_by": None, "source_type": "card", "statement_descriptor": None, "status": "in_transit",
                  "trace_id": None, "type": "bank_account"}
        own = self.record(-amount, currency, payout["id"], "payout", at)
        own["_payout"] = payout["id"]
        payout["balance_transaction"] = own["id"]
        for txn in txns:
            txn["_payout"] = payout["id"]
        position = self.store["balance_transaction"].position
        self._of_payout[payout["id"]] = sorted((t["id"] for t in (*txns, own)), key=position.__getitem__)
        self.store["payout"].add(payout)
        self._arriving.append(payout)
        self.emit("payout.created", payout, created=at)
        return payout

    def summary(self) -> dict[str, Any]:
        """``GET /v1/balance``: available and pending funds per currency."""
        available: dict[str, int] = {}
        pending: dict[str, int] = {}
        for txn in self.store.all("balance_transaction"):
            bucket = available if txn["status"] == "available" else pending
            bucket[txn["currency"]] = bucket.get(txn["currency"], 0) + txn["net"]
        for currency in self.settlement_currencies:
            available.setdefault(currency, 0)
            pending.setdefault(currency, 0)

        def rows(amounts: dict[str, int]) -> list[dict[str, Any]]:
            return [{"amount": amount, "currency": currency, "source_types": {"card": amount}}
                    for currency, amount in sorted(amounts.items())]

        return {"object": "balance", "available": rows(available), "connect_reserved": None,
                "instant_available": None, "issuing": None, "livemode": False, "pending": rows(pending),
                "refund_and_dispute_prefunding": None}
