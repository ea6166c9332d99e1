"""``revhub outbox``: the writes owed to the providers, listed, planned and retried."""

from __future__ import annotations

import json

import click

from revhub.cli_support import store_of

# Every status an outbox message can have (revhub.mappings.outbox moves them).
STATUSES = ("pending", "processing", "failed", "dead", "sent", "skipped", "superseded")


def known_connection(database, name: str | None, option: str) -> None:
    """Refuse, naming ``option``, a connection name the store does not hold."""
    from sqlalchemy import select

    from revhub.store import Connection

    if name is None:
        return
    with database.session() as s:
        names = s.scalars(select(Connection.name).order_by(Connection.name)).all()
    if name not in names:
        known = ", ".join(names) or "none yet; add one with `revhub connections add`"
        raise click.BadParameter(f"no connection named {name!r} (known: {known})", param_hint=option)


@click.group()
def outbox() -> None:
    """Writes owed to the providers."""


@outbox.command("list")
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUSES),
              help="Only messages with this status; repeatable (default: all but sent, skipped, superseded).")
@click.option("--connection", help="Only messages to this connection.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=100, show_default=True,
              help="At most this many rows, oldest first.")
@click.pass_context
def outbox_list(ctx: click.Context, statuses: tuple[str, ...], connection: str | None, limit: int) -> None:
    """A table of outbox messages: id, target, entity, operation, status, attempts, age, last error."""
    from sqlalchemy import func, select

    from revhub.store import OutboxMessage as M

    _, database, _ = store_of(ctx)
    known_connection(database, connection, "--connection")
    wanted = statuses or ("pending", "processing", "failed", "dead")
    where = [M.status.in_(wanted)] + ([M.target_system == connection] if connection else [])
    with database.session() as s:
        total = s.scalar(select(func.count()).select_from(M).where(*where))
        rows = s.scalars(select(M).where(*where).order_by(M.id).limit(limit)).all()
    click.echo(render_outbox(rows))
    shown = f"{len(rows)} of {total}" if total > len(rows) else str(total)
    click.echo(f"{shown} message(s) {'/'.join(wanted)}")


def render_outbox(rows) -> str:
    """The rows as a fixed-width table; the last error cut to one line."""
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    lines = [f"{'id':>7} {'connection':12} {'entity':15} {'operation':9} {'status':10} {'tries':>5} "
             f"{'age':>8}  last error"]
    for m in rows:
        created = m.created_at if m.created_at.tzinfo else m.created_at.replace(tzinfo=UTC)
        error = (m.last_error or "").strip().splitlines()[0][:80] if m.last_error else ""
        lines.append(f"{m.id:>7} {m.target_system[:12]:12} {m.entity[:15]:15} {m.operation[:9]:9} "
                     f"{m.status:10} {m.attempts:>5} {_age(now - created):>8}  {error}".rstrip())
    return "\n".join(lines)


def _age(delta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@outbox.command("plan")
@click.option("--target", help="Only this connection.")
@click.pass_context
def outbox_plan(ctx: click.Context, target: str | None) -> None:
    """Dry run: what would be written, as a diff against what each system last had. Writes nothing."""
    from revhub.mappings.outbox import plan

    _, database, vault = store_of(ctx)
    known_connection(database, target, "--target")
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

    _, database, _ = store_of(ctx)
    click.echo(f"{retry_dead(database, list(ids) or None)} dead letter(s) queued again")


@outbox.command("drain")
@click.option("--connection", help="Only writes to this connection.")
@click.pass_context
def outbox_drain(ctx: click.Context, connection: str | None) -> None:
    """Write everything due now (what the workers do), with a progress bar; exit 1 if any write died."""
    from revhub.cli_drains import drain_outbox

    _, database, vault = store_of(ctx)
    known_connection(database, connection, "--connection")
    result = drain_outbox(database, vault, connection)
    click.echo(f"sent {result.sent}, skipped {result.skipped}, superseded {result.superseded}, "
               f"retrying {result.retried}, dead {result.dead} ({result.calls} provider calls)")
    if result.dead:
        click.echo("dead letters: `revhub outbox list --status dead`, then `revhub outbox retry`", err=True)
        ctx.exit(1)
