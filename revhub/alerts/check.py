"""The periodic alert check the worker's scheduler runs, and the books-check alert."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from revhub.alerts import sources
from revhub.alerts.channels import Channel
from revhub.alerts.dispatch import Raised, raise_alert
from revhub.alerts.events import Alert
from revhub.alerts.settings import AlertSettings, load_alert_settings
from revhub.connections import Vault
from revhub.store import Database, utcnow

log = logging.getLogger(__name__)
LEASE_NAME = "alerts:check"
CHECK_INTERVAL_SECONDS = 60


def collect(db: Database, vault: Vault | None, now: datetime) -> list[Alert]:
    """Every source's new alerts; the marks move in the same transaction as the reads."""
    with db.session(write=True) as s:
        return [*sources.dead_letters(s, now), *sources.failed_runs(s, now), *sources.conflicts(s, now),
                *sources.exceptions(s, now), *sources.token_expiry(s, now, vault)]


def check(db: Database, vault: Vault | None = None, settings: AlertSettings | None = None,
          channels: list[Channel] | None = None, now: datetime | None = None) -> list[Raised]:
    """Look at the store once and raise an alert for each new problem. Runs under a lease so
    that of several workers only one looks at a time (the others return an empty list)."""
    from revhub.sync.lease import lease

    settings = settings or load_alert_settings()
    now = now or utcnow()
    with lease(db, LEASE_NAME, ttl=timedelta(seconds=CHECK_INTERVAL_SECONDS * 2)) as held:
        if not held:
            return []
        return [raise_alert(db, alert, settings, channels, now) for alert in collect(db, vault, now)]


def books_alert(report, period: str | None = None) -> Alert | None:
    """The alert for a books check with differences (None when the books balance)."""
    if report.balanced:
        return None
    n = len(report.differences)
    scope = f" for {period}" if period else ""
    first = getattr(report.differences[0], "message", "") or str(report.differences[0])
    return Alert("books", f"books:{period or 'all'}", f"Books check{scope}: {n} difference{'s' * (n != 1)}",
                 f"Stripe, {_books(report)} and the store disagree. First: {first}"[:2000], "critical")


def _books(report) -> str:
    """The name of the books system the check compared (Xero or QuickBooks)."""
    from revhub.ledger.check import LEDGER_NAMES

    return LEDGER_NAMES.get(getattr(report, "ledger", "xero"), "Xero")


def scheduled_check(db: Database, vault: Vault) -> None:
    """The scheduler's job: one check; a failure is logged and the next tick tries again."""
    try:
        check(db, vault)
    except Exception:  # the scheduler must stay up; alerts about alerts would loop
        log.exception("alert check failed")


def books_checked(db: Database, report, period: str | None = None) -> Raised | None:
    """After a books check: raise its alert when the books do not balance. A bad alert
    setting is logged, never allowed to turn the check's own answer into an error."""
    from revhub.config import ConfigError

    alert = books_alert(report, period)
    if alert is None:
        return None
    try:
        return raise_alert(db, alert)
    except ConfigError as exc:
        log.warning("books check alert not sent: %s", exc)
        return None
