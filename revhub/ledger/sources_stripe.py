"""The Stripe side of the books check: Stripe's balance transactions, listed in pages.

Every movement of a Stripe balance is a balance transaction: a charge (or payment) in, a
refund out, a payout to the bank, each with the fee Stripe kept, in the settlement currency.
One paged list (with the source object expanded) gives the whole side; no per-record call.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from typing import Any

from revhub.connectors.stripe.client import StripeAPI
from revhub.currency_rules import stripe_minor
from revhub.ledger.check import Entry

PAGE_LIMIT = 100
_KINDS = {"charge": "payment", "payment": "payment", "refund": "refund", "payment_refund": "refund",
          "payout": "payout", "payout_failure": "payout", "payout_cancel": "payout", "stripe_fee": "fee"}
# Adjustments for disputes: the chargeback's withdrawal and, when it is won, its reversal.
DISPUTE_CATEGORIES = ("dispute", "dispute_reversal")
# A payout on its way to the bank: Xero books the transfer only once it has arrived.
_UNDER_WAY = ("pending", "in_transit")


def balance_transactions(api: StripeAPI, since: date | None, until: date | None) -> Iterator[dict[str, Any]]:
    """Balance transactions created in [since, until), newest first, their source expanded.
    https://docs.stripe.com/api/balance_transactions/list"""
    params: dict[str, Any] = {"limit": PAGE_LIMIT, "expand": ["data.source"]}
    created = {name: int(datetime.combine(day, time(), UTC).timestamp())
               for name, day in (("gte", since), ("lt", until)) if day}
    if created:
        params["created"] = created
    while True:
        body = api.get("/v1/balance_transactions", "ledger", **params)
        yield from body["data"]
        if not body["has_more"] or not body["data"]:
            return
        params["starting_after"] = body["data"][-1]["id"]


def settled_by_payouts(api: StripeAPI, txns: list[dict[str, Any]]) -> dict[str, str]:
    """Balance transaction id → the id of the payout (among ``txns``) that settled it: one
    paged list per payout. https://docs.stripe.com/api/balance_transactions/list#balance_transaction_list-payout"""
    found: dict[str, str] = {}
    for txn in txns:
        source = txn.get("source")
        payout = source.get("id") if isinstance(source, dict) else source
        if txn.get("type") != "payout" or not payout:
            continue
        params: dict[str, Any] = {"limit": PAGE_LIMIT, "payout": payout}
        while True:
            body = api.get("/v1/balance_transactions", "ledger", **params)
            found.update({t["id"]: payout for t in body["data"] if t.get("type") != "payout"})
            if not body["has_more"] or not body["data"]:
                break
            params["starting_after"] = body["data"][-1]["id"]
    return found


def entries_of(txn: dict[str, Any], payout: str | None = None) -> list[Entry]:
    """A balance transaction as ledger entries: the movement itself, and its fee if any (with
    ``payout``, the payout that settled the transaction, if any)."""
    if txn.get("type") == "adjustment" and txn.get("reporting_category") in DISPUTE_CATEGORIES:
        return dispute_entries(txn, payout)
    kind = _KINDS.get(txn.get("type") or "")
    if kind is None:
        return []  # other adjustments, transfers, reserves: outside what revhub books
    source = txn.get("source")
    source_id = source.get("id") if isinstance(source, dict) else source
    day = datetime.fromtimestamp(txn["created"], UTC).date()
    currency = txn["currency"].upper()
    found: list[Entry] = []
    # Stripe's units are not always ISO minor units (ISK and UGX with two decimals, MGA with none).
    settled = stripe_minor(abs(txn["amount"]), currency)
    if kind == "fee":
        return [Entry("stripe", "fee", txn["id"], currency, settled, day, frozenset({txn["id"]}))]
    intent = source.get("payment_intent") if isinstance(source, dict) else None
    own_id = source_id or txn["id"]
    movement_currency, amount = _presented(txn, source)
    keys = frozenset(k for k in (own_id, txn["id"], intent if kind == "payment" else None) if k)
    if txn["type"] in ("payout_failure", "payout_cancel"):
        amount = -amount  # the payout's money back in the balance: it cancels the payout it names
    under_way = kind == "payout" and isinstance(source, dict) and source.get("status") in _UNDER_WAY
    found.append(Entry("stripe", kind, own_id, movement_currency, amount, day, keys, (txn["id"],),
                       under_way=under_way, settled_currency=currency,
                       settled_minor=amount if amount < 0 else settled))
    if txn.get("fee"):
        found.append(Entry("stripe", "fee", txn["id"], currency, stripe_minor(abs(txn["fee"]), currency), day,
                           frozenset(k for k in (own_id, intent) if k), (own_id,), payout=payout))
    return found


def dispute_entries(txn: dict[str, Any], payout: str | None = None) -> list[Entry]:
    """A dispute's withdrawal (positive: money out of the balance) or reinstatement (negative),
    and its fee (negative when given back); all keyed by the dispute id, so a dispute's
    movements are one record, whatever the other sides split them into."""
    source = txn.get("source")
    dispute = source.get("id") if isinstance(source, dict) else source
    currency = txn["currency"].upper()
    day = datetime.fromtimestamp(txn["created"], UTC).date()
    moved = stripe_minor(abs(txn["amount"]), currency)
    out = moved if txn["amount"] < 0 else -moved
    keys = frozenset(k for k in (dispute, txn["id"]) if k)
    found = [Entry("stripe", "dispute", dispute or txn["id"], currency, out, day, keys, (txn["id"],))]
    if txn.get("fee"):
        fee = stripe_minor(abs(txn["fee"]), currency) * (1 if txn["fee"] > 0 else -1)
        found.append(Entry("stripe", "fee", txn["id"], currency, fee, day, keys, (dispute or txn["id"],),
                           payout=payout))
    return found


def _presented(txn: dict[str, Any], source: Any) -> tuple[str, int]:
    """The amount as the customer paid or was refunded it: the source's own currency and
    amount when Stripe converted it for settlement, else the transaction's."""
    if isinstance(source, dict) and source.get("currency") and source["currency"] != txn["currency"]:
        amount = source.get("amount_captured") or source.get("amount") or 0
        return source["currency"].upper(), stripe_minor(abs(amount), source["currency"].upper())
    return txn["currency"].upper(), stripe_minor(abs(txn["amount"]), txn["currency"].upper())


def read_stripe(api: StripeAPI, since: date | None, until: date | None) -> list[Entry]:
    """Every charge, refund, fee and payout of one Stripe account in [since, until)."""
    txns = list(balance_transactions(api, since, until))
    payouts = settled_by_payouts(api, txns)
    return [e for txn in txns for e in entries_of(txn, payouts.get(txn["id"]))]
