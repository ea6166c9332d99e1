"""Gather the three sides of the books check and compare them.

Each side is read for the period plus a margin either side, so a payment Stripe dates on
the last day of a month and Xero on the first of the next is still one record; the
comparison then keeps the groups whose anchor date falls in the period.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from revhub.connections import Vault, update_credentials
from revhub.connectors.quickbooks.ledger_settings import quickbooks_ledger
from revhub.connectors.registry import build_connector
from revhub.ledger.check import LEDGERS, Entry, Report, compare
from revhub.ledger.sources_store import read_store
from revhub.ledger.sources_stripe import read_stripe
from revhub.ledger.sources_xero import XeroLedgerReader, ledger_accounts
from revhub.mappings.ledger_settings import LedgerSettingsError, ledger_settings
from revhub.money import normalize_currency
from revhub.store import Connection, Database

MARGIN = timedelta(days=7)
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class PeriodError(ValueError):
    """A period that is not YYYY-MM."""


def month_bounds(period: str) -> tuple[date, date]:
    """The first day of ``period`` (YYYY-MM) and the first day of the month after it."""
    match = _PERIOD.match(period or "")
    if not match:
        raise PeriodError(f"period must look like YYYY-MM, e.g. 2026-11; got {period!r}")
    first = date(int(match.group(1)), int(match.group(2)), 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following


def read_window(period: str | None) -> tuple[date | None, date | None]:
    """The dates every side is read for: the period with a margin either side (all time if None)."""
    if period is None:
        return None, None
    first, following = month_bounds(period)
    return first - MARGIN, following + MARGIN


def gather(db: Database, vault: Vault, period: str | None = None) -> list[Entry]:
    """Entries from every enabled Stripe and books (Xero or QuickBooks) connection, and from the store."""
    since, until = read_window(period)
    with db.session() as s:
        connections = s.scalars(select(Connection).where(Connection.enabled.is_(True),
                                                         Connection.provider.in_(("stripe", *LEDGERS)))
                                .order_by(Connection.name)).all()
        stripe_systems = {c.name for c in connections if c.provider == "stripe"}
        entries = read_store(s, stripe_systems, since, until)
    for connection in connections:
        connector = build_connector(connection, vault, _saver(db, vault, connection.name))
        if connection.provider == "stripe":
            entries += read_stripe(connector.api, since, until)
        elif connection.provider == "quickbooks":
            from revhub.ledger.sources_quickbooks import QuickBooksLedgerReader

            books = QuickBooksLedgerReader(connector.api, quickbooks_ledger(connection.settings))
            entries += books.entries(since, until)
        else:
            reader = XeroLedgerReader(connector.api, ledger_accounts(connection.settings or {}))
            entries += reader.entries(since, until)
    return entries


def _saver(db: Database, vault: Vault, name: str):
    def save(changes: dict) -> None:
        # A rotated Xero refresh token is only good if it is kept at once.
        with db.session(write=True) as s:
            update_credentials(s, vault, name, changes)

    return save


def run_check(db: Database, vault: Vault, period: str | None = None, currency: str | None = None) -> Report:
    """The books check for one period (YYYY-MM) and currency, or for everything."""
    if period is not None:
        month_bounds(period)  # refuse a malformed period before any provider is called
    wanted = normalize_currency(currency) if currency else None
    books = ledger_of(db)
    return compare(gather(db, vault, period), period, wanted, fees_per_payout=_fees_per_payout(db), ledger=books)


def ledger_of(db: Database) -> str:
    """The books system the check compares (xero unless QuickBooks is the enabled one); one only:
    two books systems side by side would each be read as the whole ledger."""
    with db.session() as s:
        providers = set(s.scalars(select(Connection.provider).where(Connection.enabled.is_(True),
                                                                    Connection.provider.in_(LEDGERS))).all())
    if len(providers) > 1:
        raise LedgerSettingsError("both a Xero and a QuickBooks connection are enabled: the books check compares "
                                  "one ledger; disable one of them")
    return providers.pop() if providers else "xero"


def _fees_per_payout(db: Database) -> bool:
    """Whether a Xero connection books each payout's fees as one booking (fee_treatment=per_payout)."""
    with db.session() as s:
        settings = s.scalars(select(Connection.settings).where(Connection.enabled.is_(True),
                                                               Connection.provider == "xero")).all()
        books = s.scalars(select(Connection.settings).where(Connection.enabled.is_(True),
                                                            Connection.provider == "quickbooks")).all()
    return any(ledger_settings(chosen).fee_treatment == "per_payout" for chosen in settings) or any(
        quickbooks_ledger(chosen).fee_treatment == "per_payout" for chosen in books)
