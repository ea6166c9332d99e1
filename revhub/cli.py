"""The ``revhub`` command line."""

from __future__ import annotations

import os
from datetime import UTC

import click

from revhub.config import ConfigError, load_config


def _config(ctx: click.Context):
    try:
        return load_config()
    except ConfigError as exc:
        ctx.fail(str(exc))


@click.group()
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
    from revhub.store import Database
    from revhub.store.migrate import current_revision, upgrade

    database = Database(_config(ctx).database_url)
    upgrade(database.engine, revision)
    click.echo(f"database at revision {current_revision(database.engine)} ({database.dialect})")


@db.command("check")
@click.pass_context
def db_check(ctx: click.Context) -> None:
    """Exit non-zero if the models and the database schema disagree."""
    from revhub.store import Database
    from revhub.store.migrate import pending_changes

    changes = pending_changes(Database(_config(ctx).database_url).engine)
    if changes:
        for change in changes:
            click.echo(f"  {change}")
        ctx.exit(1)
    click.echo("schema matches the models")


def _serve(app, host: str, port: int) -> None:
    click.echo(f"revhub console on http://{host}:{port}/")
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@main.command()
@click.option("--host", default=None, help="Interface (default REVHUB_HOST or 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default REVHUB_PORT or 8080).")
@click.option("--workers/--no-workers", default=True, show_default=True,
              help="Also run the sync clock and the inbox/outbox workers in this process.")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, workers: bool) -> None:
    """Serve the console and webhooks (the schema must be migrated), with the workers."""
    from revhub.app import create_app
    from revhub.runtime import Workers

    config, database, vault = _store(ctx)
    running = Workers(database, vault).start() if workers else None
    try:
        _serve(create_app(config, database), host or config.host, port or config.port)
    finally:
        if running:
            running.stop()


@main.command()
@click.option("--companies", type=int, default=20, show_default=True, help="Size of the seeded data set.")
@click.pass_context
def demo(ctx: click.Context, companies: int) -> None:
    """Everything on one machine: seeded sandboxes, a fresh embedded store, workers, console."""
    import dataclasses
    import logging

    from revhub.app import create_app
    from revhub.demo import demo_database, prepare, start_background

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = _config(ctx)
    config = dataclasses.replace(config, database_url=f"sqlite:///{demo_database(config)}")
    database, vault, sandboxes = prepare(config, companies)
    for provider, item in sandboxes.running.items():
        click.echo(f"sandbox {provider:11} {item.url}")
    click.echo(f"store: {config.database_url}")
    workers = start_background(database, vault)
    try:
        _serve(create_app(config, database), config.host, config.port)
    finally:
        workers.stop()
        sandboxes.stop()

def _store(ctx: click.Context):
    from revhub.connections import Vault
    from revhub.store import Database

    config = _config(ctx)
    return config, Database(config.database_url), Vault(config.encryption_key)


@main.group()
def connections() -> None:
    """Provider connections (credentials are stored encrypted)."""


def _pairs(values: tuple[str, ...], what: str) -> dict[str, str]:
    out = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} must look like name=value", param_hint=what)
        out[key] = value
    return out


@connections.command("add")
@click.argument("name")
@click.option("--provider", type=click.Choice(["stripe", "xero", "salesforce"]), required=True)
@click.option("--credential", "credentials", multiple=True, metavar="NAME=VALUE",
              help="A credential (api_key, client_secret, refresh_token, ...); repeatable.")
@click.option("--setting", "settings", multiple=True, metavar="NAME=VALUE",
              help="A setting (base_url, tenant_id, ca_bundle, ...); repeatable.")
@click.pass_context
def connections_add(ctx: click.Context, name: str, provider: str, credentials, settings) -> None:
    """Create or replace connection NAME."""
    from revhub.connections import save_connection

    _, database, vault = _store(ctx)
    with database.session(write=True) as s:
        save_connection(s, vault, name=name, provider=provider,
                        credentials=_pairs(credentials, "--credential"),
                        settings=_pairs(settings, "--setting"))
    click.echo(f"connection {name!r} ({provider}) saved")


@connections.command("list")
@click.pass_context
def connections_list(ctx: click.Context) -> None:
    """Connections with their settings; credentials redacted."""
    from sqlalchemy import select

    from revhub.connections import redact
    from revhub.store import Connection

    _, database, vault = _store(ctx)
    with database.session() as s:
        for c in s.scalars(select(Connection).order_by(Connection.name)):
            click.echo(f"{c.name:16} {c.provider:11} {'enabled' if c.enabled else 'disabled':9} "
                       f"credentials={redact(vault.open(c.credentials))} settings={c.settings}")


@main.command()
@click.option("--connection", help="Only this connection (default: every enabled one).")
@click.option("--entity", help="Only this canonical entity (customer, invoice, ...).")
@click.option("--full", is_flag=True, help="Ignore the cursor and re-read everything.")
@click.pass_context
def sync(ctx: click.Context, connection: str | None, entity: str | None, full: bool) -> None:
    """Run syncs now, with progress on a terminal and a summary at the end."""
    import sys

    from revhub.sync.jobs import plan, sync_all

    _, database, vault = _store(ctx)
    try:
        pairs = plan(database, connection, entity)
    except LookupError as exc:
        ctx.fail(str(exc))
    live = sys.stdout.isatty()

    def progress(summary) -> None:
        if live:
            c = summary.counts
            click.echo(f"\r{summary.connection}/{summary.entity}: {summary.fetched} fetched, "
                       f"{c.created} created, {c.updated} updated", nl=False)

    results = sync_all(database, vault, pairs, full=full, on_page=progress)
    if live:
        click.echo()
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
    if any(r.status != "succeeded" for r in results):
        ctx.exit(1)


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
@click.option("--provider", "providers", multiple=True, type=click.Choice(["salesforce", "stripe", "xero"]),
              help="Only these sandboxes (default: all).")
@click.option("--salesforce-port", type=int, default=8443, show_default=True)
@click.option("--stripe-port", type=int, default=12111, show_default=True)
@click.option("--xero-port", type=int, default=12112, show_default=True)
@click.option("--fault", "faults", multiple=True, metavar="PROVIDER:KIND[:count=N|:rate=R][:delay=S]",
              help="Inject faults: KIND is 429, 500, 503, slow, timeout or drop. Repeatable.")
@click.option("--fault-seed", type=int, default=0, show_default=True, help="Seed of rate-based faults.")
@click.option("--home", type=click.Path(file_okay=False), default=None,
              help="Folder for the sandbox TLS CA (default: $REVHUB_HOME/sandboxes).")
@click.pass_context
def sandbox(ctx: click.Context, companies: int, seed_value: int, providers, salesforce_port: int,
            stripe_port: int, xero_port: int, faults, fault_seed: int, home: str | None) -> None:
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
    folder = Path(home) if home else _config(ctx).home / "sandboxes"
    ports = {"salesforce": salesforce_port, "stripe": stripe_port, "xero": xero_port}
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
@click.pass_context
def worker(ctx: click.Context, no_schedule: bool) -> None:
    """Scheduler and queue workers without the web server (run several to add capacity)."""
    import logging
    import threading

    from revhub.runtime import Workers

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _, database, vault = _store(ctx)
    workers = Workers(database, vault, schedule=not no_schedule).start()
    click.echo("revhub worker running; Ctrl-C stops")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        workers.stop()


@main.group()
def webhooks() -> None:
    """Stored provider events."""


def _when(value: str | None, name: str):
    from datetime import datetime

    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time", param_hint=name) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@webhooks.command("replay")
@click.option("--id", "ids", type=int, multiple=True, help="An inbox event id; repeatable.")
@click.option("--provider", type=click.Choice(["stripe", "xero", "salesforce"]))
@click.option("--since", help="Received at or after (ISO 8601, UTC unless an offset is given).")
@click.option("--until", help="Received before (ISO 8601).")
@click.option("--process/--queue-only", default=True, show_default=True,
              help="Process the replayed events now, or leave them to the workers.")
@click.pass_context
def webhooks_replay(ctx: click.Context, ids, provider, since, until, process: bool) -> None:
    """Re-process stored events. Processing is idempotent: a replay never doubles anything."""
    from revhub.webhooks.worker import InboxWorker, replay

    _, database, vault = _store(ctx)
    try:
        count = replay(database, ids=list(ids) or None, provider=provider, since=_when(since, "--since"),
                       until=_when(until, "--until"))
    except ValueError as exc:
        ctx.fail(str(exc))
    click.echo(f"{count} event(s) queued again")
    if process and count:
        result = InboxWorker(database, vault).drain()
        click.echo(f"processed {result.processed}, ignored {result.ignored}, failed {result.failed}, "
                   f"parked {result.parked}")


@main.group()
def outbox() -> None:
    """Writes owed to the providers."""


@outbox.command("plan")
@click.option("--target", help="Only this connection.")
@click.pass_context
def outbox_plan(ctx: click.Context, target: str | None) -> None:
    """Dry run: what would be written, as a diff against what each system last had. Writes nothing."""
    import json

    from revhub.mappings.outbox import plan

    _, database, vault = _store(ctx)
    entries = plan(database, vault, target)
    for entry in entries:
        click.echo(f"#{entry['message']} {entry['operation']} {entry['entity']} {entry['record']} "
                   f"-> {entry['target']} {entry['external_id'] or ''}".rstrip())
        for field, change in entry["changes"].items():
            before, after = (json.dumps(change[k], default=str) for k in ("from", "to"))
            click.echo(f"    {field}: {before} -> {after}")
    click.echo(f"{len(entries)} write(s) pending")


@outbox.command("retry")
@click.option("--id", "ids", type=int, multiple=True, help="A dead letter's id; repeatable (default: all).")
@click.pass_context
def outbox_retry(ctx: click.Context, ids) -> None:
    """Put dead letters back in the queue."""
    from revhub.mappings.outbox import retry_dead

    _, database, _ = _store(ctx)
    click.echo(f"{retry_dead(database, list(ids) or None)} dead letter(s) queued again")


@main.group()
def conflicts() -> None:
    """Fields two systems changed differently, for an admin to settle."""


@conflicts.command("list")
@click.option("--entity", help="Only this canonical entity.")
@click.pass_context
def conflicts_list(ctx: click.Context, entity: str | None) -> None:
    """Open conflicts: the field, its base, and each system's value."""
    import json

    from sqlalchemy import select

    from revhub.store import Conflict

    _, database, _ = _store(ctx)
    with database.session() as s:
        query = select(Conflict).where(Conflict.status == "open").order_by(Conflict.id)
        rows = s.scalars(query.where(Conflict.entity == entity) if entity else query).all()
    for c in rows:
        click.echo(f"#{c.id} {c.entity} {c.record_id} {c.field}: base {json.dumps(c.base_value, default=str)}; "
                   f"{c.current_system} {json.dumps(c.current_value, default=str)} (current); "
                   f"{c.incoming_system} {json.dumps(c.incoming_value, default=str)} (incoming)")
    click.echo(f"{len(rows)} open conflict(s)")


@conflicts.command("resolve")
@click.argument("conflict_id", type=int)
@click.option("--take", type=click.Choice(["current", "incoming", "base", "value"]), required=True,
              help="Which value the record keeps ('value' with --value).")
@click.option("--value", "raw_value", help="With --take value: the value as JSON (e.g. '\"ap@acme.example\"').")
@click.option("--actor", default=lambda: f"cli:{os.environ.get('USER', 'admin')}", show_default="cli:$USER",
              help="Who decided (kept on the conflict and in the audit log).")
@click.pass_context
def conflicts_resolve(ctx: click.Context, conflict_id: int, take: str, raw_value: str | None, actor: str) -> None:
    """Settle a conflict; the chosen value is audited and written back to every system."""
    import json

    from revhub.sync.resolution import ResolutionError, resolve_conflict

    value = None
    if take == "value":
        if raw_value is None:
            raise click.BadParameter("--take value needs --value", param_hint="--value")
        try:
            value = json.loads(raw_value)
        except ValueError:
            raise click.BadParameter(f"not JSON: {raw_value!r}", param_hint="--value") from None
    elif raw_value is not None:
        raise click.BadParameter("only with --take value", param_hint="--value")
    _, database, _ = _store(ctx)
    try:
        with database.session(write=True) as s:
            resolution = resolve_conflict(s, conflict_id, take, actor=actor, value=value).resolution
    except ResolutionError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"conflict {conflict_id} resolved ({resolution})")


@main.group()
def exceptions() -> None:
    """What sync could not decide alone: ambiguous matches, changes waiting for a reference."""


@exceptions.command("list")
@click.option("--kind", type=click.Choice(["ambiguous_match", "waiting_for_reference"]))
@click.pass_context
def exceptions_list(ctx: click.Context, kind: str | None) -> None:
    """Open exceptions, with their candidates."""
    from revhub.sync.exception_queue import open_exceptions

    _, database, _ = _store(ctx)
    with database.session() as s:
        rows = open_exceptions(s, kind)
    for row in rows:
        click.echo(f"#{row.id} {row.kind} {row.entity} {row.system}:{row.external_id}: {row.message}")
        for candidate in row.candidates or ():
            click.echo(f"    candidate {candidate}")
    click.echo(f"{len(rows)} open exception(s)")


@exceptions.command("resolve")
@click.argument("exception_id", type=int)
@click.option("--link", "link_to", type=click.UUID, help="The candidate record it is.")
@click.option("--create", is_flag=True, help="It is a new record.")
@click.option("--dismiss", is_flag=True, help="Drop it without applying anything.")
@click.option("--actor", default=lambda: f"cli:{os.environ.get('USER', 'admin')}", show_default="cli:$USER",
              help="Who decided.")
@click.pass_context
def exceptions_resolve(ctx: click.Context, exception_id: int, link_to, create: bool, dismiss: bool,
                       actor: str) -> None:
    """Settle an exception; an ambiguous match's held change is then applied."""
    from revhub.sync.exception_queue import ExceptionQueueError, settle

    if sum((link_to is not None, create, dismiss)) != 1:
        raise click.UsageError("give exactly one of --link, --create, --dismiss")
    _, database, _ = _store(ctx)
    try:
        with database.session(write=True) as s:
            status = settle(s, exception_id, actor=actor, link_to=link_to, create=create, dismiss=dismiss).status
    except ExceptionQueueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"exception {exception_id} {status}")


@main.group(name="po")
def purchase_orders() -> None:
    """Purchase orders."""


@purchase_orders.command("submit")
@click.argument("file", type=click.File("r"))
@click.option("--actor", default="cli", show_default=True, help="Who submits (audited).")
@click.pass_context
def po_submit(ctx: click.Context, file, actor: str) -> None:
    """Submit the purchase order in FILE (JSON; '-' for standard input)."""
    import json

    from revhub.orders import service
    from revhub.orders.validation import threshold_minor, validate

    config, database, _ = _store(ctx)
    try:
        data = json.load(file)
    except ValueError as exc:
        ctx.fail(f"{file.name}: not JSON ({exc})")
    draft = validate(data)
    errors = draft if isinstance(draft, list) else None
    if errors is None:
        try:
            with database.session(write=True) as s:
                po = service.submit(s, draft, actor=actor,
                                    threshold_minor=threshold_minor(config.approval_threshold, draft.currency))
                click.echo(f"PO {po.po_number} received as internal PO {po.internal_number} ({po.status})")
                return
        except service.IntakeError as exc:
            errors = exc.errors
        except service.DuplicatePurchaseOrder as exc:
            ctx.fail(str(exc))
    for error in errors:
        click.echo(f"  {error.field or '(body)'}: {error.message}", err=True)
    ctx.fail(f"{len(errors)} invalid field(s); nothing was stored")


@purchase_orders.command("approve")
@click.argument("internal_number", type=int)
@click.option("--approver", required=True, help="Who approves (audited).")
@click.option("--note")
@click.pass_context
def po_approve(ctx: click.Context, internal_number: int, approver: str, note: str | None) -> None:
    """Approve a received PO and raise its invoice."""
    from sqlalchemy import select

    from revhub.orders import service
    from revhub.store import PurchaseOrder

    _, database, _ = _store(ctx)
    with database.session(write=True) as s:
        po = s.scalar(select(PurchaseOrder).where(PurchaseOrder.internal_number == internal_number))
        if po is None:
            ctx.fail(f"no PO with internal number {internal_number}")
        try:
            invoice = service.approve(s, po, approver=approver, note=note)
        except service.TransitionError as exc:
            ctx.fail(str(exc))
        click.echo(f"PO {internal_number} approved; invoice {invoice.number} raised")
