"""Reading Stripe's balance: fees listed in pages by creation time, the transactions each
payout settled, and charges' balance transactions filled in from one paged list (never one
request per charge). Mixed into :class:`~revhub.connectors.stripe.connector.StripeConnector`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from revhub.connectors.base import Change, Page
from revhub.connectors.stripe import balance
from revhub.connectors.stripe.normalize import iso_datetime

PAGE_LIMIT = 100


class StripeBalanceReader:
    api: Any

    def _pages(self, path: str, entity: str, **params: Any) -> Iterator[list[dict[str, Any]]]:
        """Every page of a Stripe list, newest first (https://docs.stripe.com/api/pagination)."""
        params = {"limit": PAGE_LIMIT, **params}
        while True:
            body = self.api.get(path, entity, **params)
            yield body["data"]
            if not body["has_more"] or not body["data"]:
                return
            params["starting_after"] = body["data"][-1]["id"]

    def _list_fees(self, cursor: dict[str, Any] | None, full: bool) -> Iterator[Page]:
        """Fees from balance transactions created since the cursor's second (that second again:
        what was seen then comes back unchanged), a page at a time. Stripe lists newest first,
        so every page but the last keeps the old cursor: a crash re-lists, never skips.
        https://docs.stripe.com/api/balance_transactions/list"""
        since = None if full or not cursor else cursor.get("created")
        params: dict[str, Any] = {"created": {"gte": since}} if since else {}
        kept = {"created": since} if since else {}
        newest = since or 0
        calls = self.api.calls
        pages = self._pages("/v1/balance_transactions", "fee", **params)
        page = next(pages)
        while True:
            following = next(pages, None)
            newest = max([newest, *(t.get("created") or 0 for t in page)])
            changes = [Change("fee", t["id"], f"{int(t.get('created') or 0):010d}.00.{0:016d}", balance.fee(t),
                              changed_at=iso_datetime(t.get("created"))) for t in reversed(page) if balance.has_fee(t)]
            yield Page(changes, kept if following is not None else {"created": newest},
                       api_calls=self.api.calls - calls)
            calls = self.api.calls
            if following is None:
                return
            page = following

    def _settled_by_payouts(self, payouts: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
        """Per payout, the balance transactions it paid out (one paged list per payout).
        https://docs.stripe.com/api/balance_transactions/list#balance_transaction_list-payout"""
        return {p["id"]: [t for page in self._pages("/v1/balance_transactions", "payout", payout=p["id"])
                          for t in page] for p in payouts}

    def _expand_balance_transactions(self, charges: list[dict[str, Any]]) -> None:
        """Fill in charges' balance transactions (events carry only their ids) from one paged
        list over the charges' creation window."""
        wanted = {c["balance_transaction"] for c in charges if isinstance(c.get("balance_transaction"), str)}
        if not wanted:
            return
        created = [c.get("created") or 0 for c in charges if c.get("balance_transaction") in wanted]
        window = {"gte": min(created) - 60, "lte": max(created) + 60}
        found = {t["id"]: t for page in self._pages("/v1/balance_transactions", "payment", created=window)
                 for t in page if t["id"] in wanted}
        for charge in charges:
            txn = charge.get("balance_transaction")
            if isinstance(txn, str) and txn in found:
                charge["balance_transaction"] = found[txn]
