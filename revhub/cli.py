"""The ``revhub`` command line.

Each command imports what it needs when it runs: a scheduled ``revhub sync`` pays for the
store and one provider's SDK, not for the console, the alerts or every other provider
(tests/test_cli_imports.py holds that line). The command groups kept in ``cli_*`` modules
are registered by name below and imported only when one of them is invoked or listed
(cli_root.py).
"""

from __future__ import annotations

import contextlib

import click

from revhub.cli_root import RevhubGroup, started
from revhub.cli_support import config_of, shown_url, store_of

# name -> "module:attribute" of the command groups living in their own modules.
LAZY_GROUPS = {
    "alerts": "revhub.cli_alerts:alerts",
    "approvals": "revhub.cli_dunning:approvals",
    "conflicts": "revhub.cli_admin:conflicts",
    "connections": "revhub.cli_connections:connections",
    "exceptions": "revhub.cli_admin:exceptions",
    "ledger": "revhub.cli_ledger:ledger",
    "outbox": "revhub.cli_outbox:outbox",
    "po": "revhub.cli_admin:purchase_orders",
    "portal": "revhub.cli_portal:portal",
    "recon": "revhub.cli_reports:recon",
    "reminders": "revhub.cli_dunning:reminders",
    "report": "revhub.cli_reports:report",
    "tokens": "revhub.cli_users:tokens",
    "users": "revhub.cli_users:users",
    "webhooks": "revhub.cli_admin:webhooks",
}


@click.group(cls=RevhubGroup, lazy=LAZY_GROUPS, ends_own_start_up={"sync"})
@click.version_option(package_name="revhub")
def main() -> None:
    """revhub keeps Salesforce, Stripe and Xero in step through one canonical store."""


@main.group()
def db() -> None:
    """The canonical store's schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target migration.")
@click.pass_context
def db_upgrade(ctx: click.Context, revision: str) -> None:
    """Create or migrate the database at REVHUB_DATABASE_URL."""
    from alembic.util import CommandError

    from revhub.store import Database
    from revhub.store.migrate import current_revision, upgrade

    database = Database(config_of(ctx).database_url)
    try:
        upgrade(database.engine, revision)
    except CommandError as exc:  # an unknown revision: named, no traceback
        raise click.BadParameter(str(exc), param_hint="--revision") from None
    click.echo(f"database at revision {current_revision(database.engine)} ({database.dialect})")


@db.command("check")
@click.pass_context
def db_check(ctx: click.Context) -> None:
    """Exit non-zero if the models and the database schema disagree."""
    from revhub.store import Database
    from revhub.store.migrate import pending_changes

    changes = pending_changes(Database(config_of(ctx).database_url).engine)
    if changes:
        for change in changes:
            click.echo(f"  {change}")
        ctx.exit(1)
    click.echo("schema matches the models")


@main.command()
@click.option("--host", default=None, help="Interface (default REVHUB_HOST or 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default REVHUB_PORT or 8080).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="gunicorn worker processes (default REVHUB_WEB_WORKERS or 2).")
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="Threads per worker process (default REVHUB_WEB_THREADS or 4).")
@click.option("--graceful-timeout", type=click.IntRange(min=1), default=None,
              help="Seconds to finish requests in flight after SIGTERM (default REVHUB_GRACEFUL_TIMEOUT or 30).")
@click.option("--with-worker/--web-only", default=True, show_default=True,
              help="Also run a `revhub worker` (sync clock, inbox and outbox drains) beside the web workers.")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, workers: int | None, threads: int | None,
          graceful_timeout: int | None, with_worker: bool) -> None:
    """Serve the console, webhooks, PO API, health and metrics under gunicorn; SIGTERM stops gracefully."""
    from revhub.serving import ServeOptions, env_int
    from revhub.serving import serve as run_server

    config = config_of(ctx)
    try:
        options = ServeOptions(
            host=host or config.host, port=port or config.port,
            workers=workers or env_int("REVHUB_WEB_WORKERS", 2), threads=threads or env_int("REVHUB_WEB_THREADS", 4),
            graceful_timeout=graceful_timeout or env_int("REVHUB_GRACEFUL_TIMEOUT", 30), with_worker=with_worker)
    except ValueError as exc:
        ctx.fail(str(exc))
    run_server(options)


def _serve(app, host: str, port: int) -> None:
    """The demo's single-process server (Flask's own; the demo is one machine, one user)."""
    click.echo(f"revhub console on http://{host}:{port}/")
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@main.command()
@click.option("--companies", type=int, default=20, show_default=True, help="Size of the seeded data set.")
@click.pass_context
def demo(ctx: click.Context, companies: int) -> None:
    """Everything on one machine: seeded sandboxes, a fresh embedded store, workers, console."""
    import dataclasses
    import logging

    from revhub.app import create_app
    from revhub.cli_users import demo_admin
    from revhub.demo import DemoSettingError, DemoStoreError, demo_database, prepare, start_background

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = config_of(ctx)
    demo_url = f"sqlite:///{demo_database(config)}"
    if config.database_url != demo_url:
        click.echo(f"note: REVHUB_DATABASE_URL is set, so other revhub commands use {shown_url(config.database_url)}, "
                   f"not the demo's store {demo_url}", err=True)
    config = dataclasses.replace(config, database_url=demo_url)
    try:
        database, vault, sandboxes = prepare(config, companies)
    except (DemoStoreError, DemoSettingError) as exc:
        raise click.ClickException(str(exc)) from None
    for provider, item in sandboxes.running.items():
        click.echo(f"sandbox {provider:11} {item.url}")
    click.echo(f"store: {config.database_url} (the default store of REVHUB_HOME={config.home})")
    click.echo(demo_admin(database, config))
    workers = start_background(database, vault)
    try:
        _serve(create_app(config, database), config.host, config.port)
    finally:
        workers.stop()
        sandboxes.stop()

@main.command()
@click.option("--connection", help="Only this connection (default: every enabled one).")
@click.option("--entity", help="Only this canonical entity (customer, invoice, ...).")
@click.option("--full", is_flag=True, help="Ignore the cursor and re-read everything.")
@click.pass_context
def sync(ctx: click.Context, connection: str | None, entity: str | None, full: bool) -> None:
    """Run syncs now, with progress on a terminal and a summary at the end."""
    from revhub.cli_progress import SyncProgress, may_draw
    from revhub.sync.jobs import plan, sync_all

    _, database, vault = store_of(ctx)
    try:
        pairs = plan(database, connection, entity)
    except LookupError as exc:
        ctx.fail(str(exc))
    started()
    # Drawn on stderr when it is a terminal; a scheduled run has none, and skips rich altogether.
    with SyncProgress(pairs) if may_draw() else contextlib.nullcontext() as progress:
        results = sync_all(database, vault, pairs, full=full, on_page=progress)
    header = f"{'connection':12} {'entity':15} {'mode':11} {'status':9} {'fetched':>8} {'created':>8} " \
             f"{'updated':>8} {'unchanged':>9} {'deleted':>8} {'conflicts':>9} {'stale':>6} {'calls':>6} {'secs':>6}"
    click.echo(header)
    for r in results:
        c = r.counts
        click.echo(f"{r.connection:12} {r.entity:15} {r.mode:11} {r.status:9} {r.fetched:8} {c.created:8} "
                   f"{c.updated:8} {c.unchanged:9} {c.deleted:8} {c.conflicts:9} {c.stale:6} "
                   f"{r.api_calls:6} {r.duration_s:6.1f}")
        if r.note:
            click.echo(f"  note: {r.note}")
    for skipped in results.skipped:
        click.echo(f"{skipped}", err=True)
    if any(r.status != "succeeded" for r in results):
        ctx.exit(1)
    if results.skipped:  # another process runs these now: nothing failed, nothing was done either
        ctx.exit(3)


def _fault_rules(specs: tuple[str, ...]):
    from revhub.sandbox.faults import FaultRule, FaultSpecError

    rules = []
    for spec in specs:
        provider, sep, rest = spec.partition(":")
        if not sep:
            raise click.BadParameter(f"{spec!r}: expected PROVIDER:KIND[:count=N|:rate=R][:delay=S]",
                                     param_hint="--fault")
        try:
            rules.append((provider, FaultRule.parse(rest)))
        except FaultSpecError as exc:
            raise click.BadParameter(f"{spec!r}: {exc}", param_hint="--fault") from None
    return rules


@main.command()
@click.option("--seed", "companies", type=int, default=0, show_default=True, metavar="N",
              help="Load a generated data set of N companies (with POs, invoices, payments, refunds).")
@click.option("--seed-value", type=int, default=1, show_default=True, help="Variation of the data set.")
@click.option("--provider", "providers", multiple=True,
              type=click.Choice(["salesforce", "stripe", "xero", "hubspot", "quickbooks"]),
              help="Only these sandboxes (default: Salesforce, Stripe and Xero).")
@click.option("--salesforce-port", type=int, default=8443, show_default=True)
@click.option("--stripe-port", type=int, default=12111, show_default=True)
@click.option("--xero-port", type=int, default=12112, show_default=True)
@click.option("--hubspot-port", type=int, default=12113, show_default=True)
@click.option("--quickbooks-port", type=int, default=12114, show_default=True)
@click.option("--fault", "faults", multiple=True, metavar="PROVIDER:KIND[:count=N|:rate=R][:delay=S]",
              help="Inject faults: KIND is 429, 500, 503, slow, timeout or drop. Repeatable.")
@click.option("--fault-seed", type=int, default=0, show_default=True, help="Seed of rate-based faults.")
@click.option("--home", type=click.Path(file_okay=False), default=None,
              help="Folder for the sandbox TLS CA (default: $REVHUB_HOME/sandboxes).")
@click.pass_context
def sandbox(ctx: click.Context, companies: int, seed_value: int, providers, salesforce_port: int,
            stripe_port: int, xero_port: int, hubspot_port: int, quickbooks_port: int, faults, fault_seed: int,
            home: str | None) -> None:
    """Run the Stripe, Xero and Salesforce sandboxes on loopback until interrupted."""
    import threading
    from pathlib import Path

    from revhub.sandbox.dataset import generate
    from revhub.sandbox.launch import PROVIDERS, STARTERS, SandboxSet

    rules = _fault_rules(faults)
    wanted = tuple(providers) or tuple(p for p in PROVIDERS if p in STARTERS)
    for provider, _ in rules:
        if provider not in wanted:
            raise click.BadParameter(f"no {provider!r} sandbox is started", param_hint="--fault")
    folder = Path(home) if home else config_of(ctx).home / "sandboxes"
    ports = {"salesforce": salesforce_port, "stripe": stripe_port, "xero": xero_port, "hubspot": hubspot_port,
             "quickbooks": quickbooks_port}
    try:
        running = SandboxSet(folder, seed=seed_value).start(wanted, ports)
    except OSError as exc:
        ctx.fail(f"cannot listen: {exc.strerror} (choose other ports with --PROVIDER-port)")
    if companies:
        running.load(generate(companies, seed=seed_value))
    for provider, rule in rules:
        running[provider].sandbox.faults.reseed(fault_seed)
        running[provider].sandbox.faults.add(rule)
    for provider, item in running.running.items():
        click.echo(f"{provider:11} {item.url}")
        for name, value in {**item.credentials, **item.settings}.items():
            click.echo(f"{'':11}   {name} = {value}")
    click.echo("control endpoints under /__sandbox/ (faults, requests, clock, reset); Ctrl-C stops")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()


@main.command()
@click.option("--no-schedule", is_flag=True, help="Only drain the inbox and outbox; no scheduled syncs.")
@click.option("--batch", type=click.IntRange(min=1), default=100, show_default=True,
              help="Inbox events or outbox messages claimed per pass.")
@click.option("--grace", type=click.FloatRange(min=0), default=None,
              help="Seconds to finish work in flight after SIGTERM (default REVHUB_GRACEFUL_TIMEOUT or 30).")
@click.option("--metrics-port", type=click.IntRange(min=1, max=65535), default=None,
              help="Serve this worker's Prometheus metrics on 127.0.0.1:PORT (default REVHUB_WORKER_METRICS_PORT; "
                   "off when unset).")
@click.pass_context
def worker(ctx: click.Context, no_schedule: bool, batch: int, grace: float | None, metrics_port: int | None) -> None:
    """Scheduler and queue workers without the web server (run several to add capacity).

    Scheduled jobs, each under a database lease: syncs per connection and entity, reminders in
    business hours (REVHUB_REMINDERS_*), key figures to Salesforce (REVHUB_FIGURES_INTERVAL_SECONDS),
    deferred-revenue journals to Xero (REVHUB_JOURNALS_INTERVAL_SECONDS); see README "Scheduled jobs".

    SIGTERM or Ctrl-C: no new work is taken, work in flight finishes, claims are handed back;
    exit status 0 when everything stopped within the grace period."""
    import os

    from revhub import logs, metrics
    from revhub.config import ConfigError
    from revhub.serving import env_int
    from revhub.worker_process import WorkerProcess

    try:
        logs.configure()
        grace = grace if grace is not None else env_int("REVHUB_GRACEFUL_TIMEOUT", 30)
        metrics_port = metrics_port or (env_int("REVHUB_WORKER_METRICS_PORT", 0) if
                                        os.environ.get("REVHUB_WORKER_METRICS_PORT") else None)
    except ValueError as exc:
        ctx.fail(str(exc))
    _, database, vault = store_of(ctx)
    if metrics_port:
        metrics.serve_http(metrics_port, os.environ.get("REVHUB_WORKER_METRICS_HOST", "127.0.0.1"), database)
    try:
        process = WorkerProcess(database, vault, schedule=not no_schedule, batch=batch, grace_seconds=grace)
    except ConfigError as exc:  # a scheduled job's setting (REVHUB_REMINDERS_* ...) that cannot be read
        ctx.fail(str(exc))
    ctx.exit(process.run())

