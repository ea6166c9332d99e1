"""``revhub demo``: the sandboxes, seeded, connected to a fresh embedded store, synced, with
webhooks and workers running, and the console served."""

from __future__ import annotations

import logging
import os
import secrets
import threading
from pathlib import Path

from revhub.config import Config
from revhub.connections import Vault
from revhub.demo_recon import add_recon_cases, seed_recon_cases
from revhub.runtime import Workers
from revhub.sandbox.dataset import generate
from revhub.sandbox.launch import STARTERS, SandboxSet
from revhub.store import Database
from revhub.store.migrate import upgrade
from revhub.sync.jobs import plan, sync_all

log = logging.getLogger(__name__)
# The demo's store is the default store of its REVHUB_HOME (config.py's default URL), so every
# other command (`revhub conflicts list`, `revhub outbox list`...) works on it with no setting.
DEMO_DATABASE = "revhub.db"
# Written beside a store the demo made: only such a store is wiped by the next demo.
DEMO_MARKER = "revhub.db.demo"


class DemoSettingError(ValueError):
    """A REVHUB_DEMO_* setting names nothing the demo can run; the message names the setting."""


# The CRMs a demo can run; REVHUB_DEMO_CRM picks one (Salesforce unless set).
DEMO_CRMS = ("salesforce", "hubspot")
# The books a demo can keep; REVHUB_DEMO_LEDGER picks one (Xero unless set). The seeded ledger,
# the write-back of Stripe's fees and payouts and the books check all use the chosen one.
DEMO_LEDGERS = ("xero", "quickbooks")
# A QuickBooks company keeping its books in EUR, the demo's Stripe account's settlement currency
# (so the clearing account follows Stripe's balance), its seeded refunds paid out of the clearing
# account as refund receipts.
QUICKBOOKS_DEMO_COMPANY = {"home_currency": "EUR", "refund_document": "RefundReceipt"}


def _chosen(value: str | None, setting: str, default: str, allowed: tuple[str, ...]) -> str:
    chosen = (value or os.environ.get(setting) or default).strip().lower()
    if chosen not in allowed:
        raise DemoSettingError(f"{setting} must be one of {', '.join(allowed)}; got {chosen!r}")
    return chosen


def demo_providers(crm: str | None = None, ledger: str | None = None) -> tuple[str, ...]:
    """The sandboxes a demo starts: Stripe, one CRM (``crm`` or REVHUB_DEMO_CRM) and one ledger
    (``ledger`` or REVHUB_DEMO_LEDGER)."""
    crm = _chosen(crm, "REVHUB_DEMO_CRM", "salesforce", DEMO_CRMS)
    ledger = _chosen(ledger, "REVHUB_DEMO_LEDGER", "xero", DEMO_LEDGERS)
    return tuple(p for p in STARTERS if (p not in DEMO_CRMS or p == crm) and (p not in DEMO_LEDGERS or p == ledger))


class DemoStoreError(RuntimeError):
    """REVHUB_HOME holds a store the demo did not make; it is left alone."""


def demo_database(config: Config) -> Path:
    return config.home / DEMO_DATABASE


def prepare(config: Config, companies: int = 20, seed: int = 1) -> tuple[Database, Vault, SandboxSet]:
    """A fresh demo store and seeded sandboxes wired to it (webhooks pointing at the hub);
    DemoStoreError, before anything is touched, if the home holds a store the demo did not make."""
    providers = demo_providers()
    path = demo_database(config)
    marker = config.home / DEMO_MARKER
    if path.exists() and not marker.exists():
        raise DemoStoreError(f"{path} is a store the demo did not make, and the demo starts from an empty "
                             f"one: run the demo with another REVHUB_HOME")
    config.home.mkdir(parents=True, exist_ok=True)
    marker.write_text("made by `revhub demo`; the next demo replaces this store\n")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)  # the sandboxes are new, so is the store
    db = Database(f"sqlite:///{path}")
    upgrade(db.engine)
    vault = Vault(config.encryption_key)
    sandboxes = SandboxSet(config.home / "sandboxes", seed=seed).start(
        providers, options={"quickbooks": QUICKBOOKS_DEMO_COMPANY})
    if "quickbooks" in sandboxes.running:
        from revhub.sandbox.quickbooks.seeding import LEDGER_SETTINGS

        sandboxes["quickbooks"].settings.update(LEDGER_SETTINGS)
    dataset = generate(companies, seed=seed)
    add_recon_cases(dataset)  # revhub.demo_recon: the reconciliation cases the console shows
    sandboxes.load(dataset)
    hub = f"http://{config.host}:{config.port}"
    _wire_webhooks(sandboxes, hub)
    sandboxes.connect(db, vault)
    return db, vault, sandboxes


def _wire_webhooks(sandboxes: SandboxSet, hub: str) -> None:
    if "stripe" in sandboxes.running:
        import stripe

        running = sandboxes["stripe"]
        client = stripe.StripeClient(running.credentials["api_key"], base_addresses={"api": running.url})
        endpoint = client.v1.webhook_endpoints.create(params={"url": f"{hub}/webhooks/stripe/stripe",
                                                              "enabled_events": ["*"]})
        running.credentials["webhook_secrets"] = [endpoint.secret]
    if "xero" in sandboxes.running:
        xero = sandboxes["xero"]
        key = secrets.token_urlsafe(32)
        xero.credentials["webhook_key"] = key
        # Intent-to-receive runs when the hub is up; configured from a thread once it serves.
        threading.Timer(2.0, _configure_xero, args=(xero.sandbox, f"{hub}/webhooks/xero/xero", key)).start()
    if "salesforce" in sandboxes.running:
        sf = sandboxes["salesforce"]
        sf.sandbox.add_package_outbound_messages(
            f"{hub}/webhooks/salesforce/salesforce/{sf.credentials['outbound_secret']}")


    if "hubspot" in sandboxes.running:
        sandboxes["hubspot"].sandbox.subscribe(f"{hub}/webhooks/hubspot/hubspot")


def _configure_xero(sandbox, url: str, key: str) -> None:
    try:
        sandbox.configure_webhooks(url, key)
    except Exception:  # the demo goes on with polling only; the cause is logged
        log.exception("Xero webhook set-up failed")


def start_mail_server(home: Path):
    """The demo's SMTP server (aiosmtpd, an ephemeral port): everything revhub mails in the demo
    lands in ``home/mailbox``, which the console shows at /mailbox. ``REVHUB_SMTP_*`` of this
    process point at it."""
    import os

    from revhub.mail.local_server import LocalSmtpServer
    from revhub.mail.mailbox import mailbox_dir

    server = LocalSmtpServer(mailbox_dir(home)).start()
    os.environ.update(server.environ())
    log.info("demo SMTP server on %s:%d, mailbox %s", server.host, server.port, server.directory)
    return server


def send_reminders(db: Database, vault: Vault | None = None) -> None:
    """Today's payment reminders, through the demo's SMTP server; one overdue invoice is seeded
    first when the generated books have none to chase."""
    from revhub.dunning.planner import plan as reminder_plan
    from revhub.dunning.sender import send_due
    from revhub.mail import send
    from revhub.store import utcnow

    today = utcnow().date()
    with db.session() as s:
        due = [p for p in reminder_plan(s, today) if p.action == "send"]
    if not due:
        seed_overdue_invoice(db, today)
    report = send_due(db, send, today=today, actor="demo")
    log.info("demo reminders: %d sent, %d failed", len(report.sent), len(report.failed))
    if vault is not None:
        from revhub.dunning.activity import push_pending

        tasks = push_pending(db, vault)
        log.info("demo reminders: %d Salesforce tasks written", len(tasks.created))


def seed_overdue_invoice(db: Database, today) -> None:
    """An open invoice 8 days overdue for the first customer with an address, as the Stripe
    connection would store it (so it is linked like any synced invoice)."""
    from datetime import timedelta

    from sqlalchemy import select

    from revhub.connectors.base import Change
    from revhub.store import Customer
    from revhub.sync.apply import apply_changes
    from revhub.sync.context import context_for

    with db.session(write=True) as s:
        customer = s.scalar(select(Customer).where(Customer.email.is_not(None), Customer.deleted_at.is_(None))
                            .order_by(Customer.name).limit(1))
        if customer is None:
            return
        due = today - timedelta(days=8)
        apply_changes(s, context_for(s, "stripe", actor="demo"), [Change("invoice", "in_demo_overdue", "1", {
            "number": "DEMO-OVERDUE-1", "po_number": "4500099001", "customer_id": str(customer.id),
            "currency": "EUR", "issue_date": (due - timedelta(days=30)).isoformat(), "due_date": due.isoformat(),
            "subtotal_minor": 242000, "tax_minor": 0, "total_minor": 242000, "amount_paid_minor": 0,
            "amount_due_minor": 242000, "status": "open",
            "hosted_invoice_url": "https://invoice.stripe.com/i/acct_sandbox/test_in_demo_overdue"})])


def start_background(db: Database, vault: Vault) -> Workers:
    """The demo's SMTP server; the first full sync, today's reminders, then the clock and the workers."""
    workers = Workers(db, vault)
    start_mail_server(Path(db.engine.url.database).parent)  # the demo's store lives in REVHUB_HOME

    def run() -> None:
        first_sync(db, vault)
        seed_recon_cases(db)
        try:
            send_reminders(db, vault)
        except Exception:  # the demo goes on without reminders; the cause is logged
            log.exception("demo reminders failed")
        workers.start()

    threading.Thread(target=run, name="revhub-demo-sync", daemon=True).start()
    return workers


def first_sync(db: Database, vault: Vault) -> None:
    """The demo's first full sync of every connection (its writes then go out through the outbox)."""
    for r in sync_all(db, vault, plan(db)):
        log.info("demo sync %s/%s: %s, %d fetched", r.connection, r.entity, r.status, r.fetched)
