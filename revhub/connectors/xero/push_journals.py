"""Deferred revenue posted to Xero as monthly manual journals: for each month that has ended,
the revenue recognised in it (``revhub.reports.recognition``) moves from the deferred revenue
account to the revenue account — debit deferred revenue, credit revenue — both chosen in the
Xero connection's settings (``deferred_revenue_account_code``, ``revenue_account_code``).

Idempotent: each journal's narration names its month and currency (``revhub deferred revenue
2026-11 EUR``); before posting, the journals Xero already holds under that prefix are read
(voided and deleted ones ignored) and only the difference is posted. Re-running posts
nothing; a month whose recognised revenue has changed since (an invoice added, voided or
re-dated) gets one correcting journal for the difference (``… correction 1``), never an edit
of a posted one. Each post carries an Idempotency-Key naming connection, month, currency and
the journal's sequence, so a retried request cannot post twice.

Xero's manual journals are in the organisation's base currency only: revenue in another
currency is not posted (reported as skipped).
https://developer.xero.com/documentation/api/accounting/manualjournals
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from revhub.connectors.xero.exact_json import exact
from revhub.money import to_decimal
from revhub.reports.receivables import month_end
from revhub.reports.recognition import ScheduleRow

PREFIX = "revhub deferred revenue "
PAGE = 100


class JournalSettingsError(ValueError):
    """A Xero connection without the accounts deferred revenue is posted between."""


@dataclass(frozen=True)
class JournalAccounts:
    deferred_revenue: str
    revenue: str


def journal_accounts(settings: Mapping[str, Any] | None) -> JournalAccounts:
    """The two account codes from a Xero connection's settings; the error names the missing one."""
    settings = settings or {}
    for name in ("deferred_revenue_account_code", "revenue_account_code"):
        if not str(settings.get(name) or "").strip():
            raise JournalSettingsError(f"{name}: set it on the Xero connection (`revhub connections set ...`) "
                                       "to the account code deferred revenue is posted to/from")
    chosen = JournalAccounts(str(settings["deferred_revenue_account_code"]), str(settings["revenue_account_code"]))
    if chosen.deferred_revenue == chosen.revenue:
        raise JournalSettingsError("revenue_account_code: must differ from deferred_revenue_account_code")
    return chosen


def monthly_totals(rows: Iterable[ScheduleRow], today: date) -> dict[tuple[str, str], int]:
    """(month, currency) → revenue recognised in it, all customers, for months that have ended."""
    out: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows:
        year, mon = map(int, r.month.split("-"))
        if month_end(year, mon) < today:
            out[(r.month, r.currency)] += r.recognised_minor
    return dict(sorted(out.items()))


@dataclass
class Posted:
    posted: list[str] = field(default_factory=list)  # narrations of the journals posted now
    unchanged: list[str] = field(default_factory=list)  # months already posted as they are
    skipped: list[str] = field(default_factory=list)  # why a month was not posted


def _narration(month: str, currency: str, sequence: int) -> str:
    base = f"{PREFIX}{month} {currency}"
    return base if sequence == 0 else f"{base} correction {sequence}"


def already_posted(api: Any, accounts: JournalAccounts) -> dict[tuple[str, str], tuple[Decimal, int]]:
    """(month, currency) → (amount on the deferred revenue account, journals) in Xero now."""
    found: dict[tuple[str, str], tuple[Decimal, int]] = {}
    page = 1
    while True:
        rows = api.call("get_manual_journals", "journal", where=f'Narration.StartsWith("{PREFIX}")',
                        page=page).get("ManualJournals") or []
        for mj in rows:
            if mj.get("Status") in ("VOIDED", "DELETED"):
                continue
            words = mj["Narration"][len(PREFIX):].split()
            if len(words) < 2:
                continue
            key = (words[0], words[1])
            amount = sum((Decimal(str(ln["LineAmount"])) for ln in mj.get("JournalLines") or []
                          if ln.get("AccountCode") == accounts.deferred_revenue), Decimal("0"))
            total, count = found.get(key, (Decimal("0"), 0))
            found[key] = (total + amount, count + 1)
        if len(rows) < PAGE:
            return found
        page += 1


def post_deferred(api: Any, connection: str, accounts: JournalAccounts, base_currency: str,
                  totals: Mapping[tuple[str, str], int]) -> Posted:
    """Post what is missing for each (month, currency) in ``totals``; see the module docstring."""
    done = Posted()
    existing = already_posted(api, accounts)
    for (month, currency), minor in totals.items():
        if currency != base_currency:
            done.skipped.append(f"{month} {currency}: Xero's manual journals are in {base_currency} only")
            continue
        # Recognised revenue leaves the deferred revenue account: a debit there, a credit to revenue.
        wanted = to_decimal(minor, currency)
        have, count = existing.get((month, currency), (Decimal("0"), 0))
        delta = wanted - have
        if delta == 0:
            if count:
                done.unchanged.append(f"{month} {currency}")
            continue
        narration = _narration(month, currency, count)
        year, mon = map(int, month.split("-"))
        body = {"ManualJournals": [{
            "Narration": narration, "Date": month_end(year, mon).isoformat(), "Status": "POSTED",
            "LineAmountTypes": "NoTax", "JournalLines": [
                {"LineAmount": exact(delta), "AccountCode": accounts.deferred_revenue,
                 "Description": f"Revenue recognised in {month}" + (" (correction)" if count else "")},
                {"LineAmount": exact(-delta), "AccountCode": accounts.revenue,
                 "Description": f"Revenue recognised in {month}" + (" (correction)" if count else "")}]}]}
        api.call("create_manual_journals", "journal", manual_journals=body, summarize_errors=True,
                 idempotency_key=f"revhub-deferred-{connection}-{month}-{currency}-{count}")
        done.posted.append(narration)
    return done
