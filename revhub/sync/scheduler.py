"""The clock: an APScheduler job per (connection, entity), each run under a database lease."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from revhub.alerts.check import CHECK_INTERVAL_SECONDS, scheduled_check
from revhub.connections import Vault
from revhub.store import Connection, Database
from revhub.sync.jobs import job_id, plan, sync_one
from revhub.sync.lease import lease
from revhub.sync.reaping import reap_runs
from revhub.sync.store_retry import reconnecting

log = logging.getLogger(__name__)
DEFAULT_INTERVAL_SECONDS = 300
# How often runs left "running" by a process that died are marked abandoned.
REAP_INTERVAL_SECONDS = 60
DOCUMENTS_INTERVAL_SECONDS = 60


def _run(db: Database, vault: Vault, connection: str, entity: str) -> None:
    try:
        sync_one(db, vault, connection, entity)
    except Exception:  # a job must not take the scheduler down; the run row has the details
        log.exception("scheduled sync %s/%s crashed", connection, entity)


def _reap(db: Database) -> None:
    try:
        reap_runs(db)
    except Exception:  # the next tick tries again; the scheduler must stay up
        log.exception("reaping abandoned sync runs failed")


def _push_documents(db: Database, vault: Vault) -> None:
    from revhub.config import load_config
    from revhub.documents import DocumentSettings, store_for
    from revhub.documents.remote import push_documents

    try:
        with lease(db, "documents:push") as held:  # one process at a time, or two could attach one file
            if not held:
                return
            for outcome in push_documents(db, vault, store_for(DocumentSettings.of(load_config()))):
                if outcome.status == "failed":
                    log.warning("PO document %s to %s: %s", outcome.document_id, outcome.system, outcome.detail)
    except Exception:  # the next tick tries again; the scheduler must stay up
        log.exception("attaching PO documents failed")


def _send_reminders(db: Database, vault: Vault) -> None:
    from revhub.scheduled.reminders import send_scheduled

    try:
        send_scheduled(db, vault)
    except Exception:  # the next tick tries again; each reminder's row keeps where it got to
        log.exception("scheduled reminders failed")


def _push_figures(db: Database, vault: Vault) -> None:
    from revhub.scheduled.figures import push_changed_figures
    from revhub.store import utcnow

    try:
        push_changed_figures(db, vault, on=utcnow().date())
    except Exception:  # the next tick tries again; the scheduler must stay up
        log.exception("scheduled key figures to Salesforce failed")


def _post_journals(db: Database, vault: Vault) -> None:
    from revhub.scheduled.journals import post_closed_months
    from revhub.store import utcnow

    try:
        post_closed_months(db, vault, today=utcnow().date())
    except Exception:  # the next tick tries again; what Xero holds decides what is still missing
        log.exception("scheduled deferred revenue journals failed")


def _add_finance_jobs(scheduler: BackgroundScheduler, db: Database, vault: Vault) -> None:
    """Reminders, key figures and journals (revhub.scheduled), each off when its interval is 0."""
    from revhub.scheduled.settings import finance_schedule

    every = finance_schedule()
    for job, seconds, func in (("dunning:send", every.reminders_every, _send_reminders),
                               ("figures:salesforce", every.figures_every, _push_figures),
                               ("journals:xero", every.journals_every, _post_journals)):
        if seconds:
            scheduler.add_job(func, "interval", seconds=seconds, args=(db, vault), id=job, replace_existing=True,
                              next_run_time=datetime.now(UTC) + timedelta(seconds=min(seconds, 30)))


def _intervals(db: Database) -> dict[str, int]:
    with db.session() as s:
        return {c.name: int((c.settings or {}).get("sync_interval_seconds", DEFAULT_INTERVAL_SECONDS))
                for c in s.scalars(select(Connection))}


def build_scheduler(db: Database, vault: Vault) -> BackgroundScheduler:
    """A scheduler with one job per enabled connection and entity, plus the housekeeping and
    finance jobs (not yet started)."""
    scheduler = BackgroundScheduler(timezone=UTC,
                                    job_defaults={"coalesce": True, "max_instances": 1})
    intervals = reconnecting(lambda: _intervals(db), "reading the connections' sync intervals")
    for connection, entity in plan(db):
        scheduler.add_job(_run, "interval", seconds=intervals[connection], args=(db, vault, connection, entity),
                          id=job_id(connection, entity), replace_existing=True)
    scheduler.add_job(_reap, "interval", seconds=REAP_INTERVAL_SECONDS, args=(db,), id="reap:sync-runs",
                      replace_existing=True)
    scheduler.add_job(scheduled_check, "interval", seconds=CHECK_INTERVAL_SECONDS, args=(db, vault),
                      id="alerts:check", replace_existing=True)
    # PO documents go to their Xero invoice and Salesforce PO once each (revhub.documents.remote).
    scheduler.add_job(_push_documents, "interval", seconds=DOCUMENTS_INTERVAL_SECONDS, args=(db, vault),
                      id="documents:push", replace_existing=True)
    _add_finance_jobs(scheduler, db, vault)
    return scheduler
