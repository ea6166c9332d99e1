"""The deferred-revenue journals job: each closed month's recognised revenue posted to Xero as
one manual journal (``revhub.connectors.xero.push_journals``), for the Xero connections whose
settings ask for it.

Enabled per connection by ``deferred_revenue_journals_from`` (``YYYY-MM``, the first month to
post; the books before it were closed some other way) next to the two account codes. A month is
closed once its last day has passed. Posting reads what Xero already holds under the journals'
narration and posts only the difference (a month posted is never posted again; one that changed
later gets one correcting journal), each post with an Idempotency-Key; the lease
``journals:<name>`` keeps two workers from reading and posting at the same time.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from revhub.connections import Vault
from revhub.connectors.errors import ConnectorError
from revhub.connectors.xero.push_journals import JournalSettingsError, journal_accounts, monthly_totals, post_deferred
from revhub.reports.recognition import schedule
from revhub.reports.store_inputs import service_lines
from revhub.scheduled.targets import active, api_of, still_active
from revhub.store import Connection, Database
from revhub.sync.lease import lease

log = logging.getLogger(__name__)
SETTING = "deferred_revenue_journals_from"
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass
class JournalsRun:
    posted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # months not posted, and connections not set up


def first_month(connection: Connection) -> date | None:
    """The first month the job posts for ``connection``; None when the job is off for it."""
    text = str((connection.settings or {}).get(SETTING) or "").strip()
    if not text:
        return None
    found = _MONTH.match(text)
    if not found:
        raise JournalSettingsError(f"{SETTING}: {text!r} is not a month (YYYY-MM)")
    return date(int(found.group(1)), int(found.group(2)), 1)


def post_closed_months(db: Database, vault: Vault, *, today: date) -> JournalsRun:
    """One tick: post what is missing for every closed month, per enabled Xero connection."""
    run = JournalsRun()
    last_closed = today.replace(day=1) - timedelta(days=1)
    for connection in active(db, "xero"):
        try:
            first = first_month(connection)
            accounts = journal_accounts(connection.settings) if first else None
        except JournalSettingsError as exc:
            run.skipped.append(f"{connection.name}: {exc}")
            log.warning("deferred revenue journals for %s: %s", connection.name, exc)
            continue
        if first is None or first > last_closed:
            continue
        with lease(db, f"journals:{connection.name}") as held:
            if not held or not still_active(db, connection.name):
                continue
            with db.session() as s:
                rows = schedule(service_lines(s), first, last_closed)
            try:
                api = api_of(db, vault, connection)
                base = (api.call("get_organisations", "journal").get("Organisations") or [{}])[0].get("BaseCurrency")
                done = post_deferred(api, connection.name, accounts, base, monthly_totals(rows, today))
            except ConnectorError as exc:
                log.warning("deferred revenue journals to %s not posted (retried next tick): %s", connection.name, exc)
                run.skipped.append(f"{connection.name}: {exc}")
                continue
        run.posted += done.posted
        run.unchanged += done.unchanged
        run.skipped += done.skipped
    return run
