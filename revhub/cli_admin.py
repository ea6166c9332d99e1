"""The commands an admin works the queues with: stored webhooks, conflicts, the exception
queue, and purchase orders (the outbox's are in ``cli_outbox``)."""

from __future__ import annotations

import os
from datetime import UTC

import click

from revhub.cli_support import store_of
from revhub.sync.entities import SYNC_ORDER as ENTITY_NAMES


@click.group()
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
    from revhub.cli_drains import drain_inbox
    from revhub.webhooks.worker import replay

    _, database, vault = store_of(ctx)
    try:
        count = replay(database, ids=list(ids) or None, provider=provider, since=_when(since, "--since"),
                       until=_when(until, "--until"))
    except ValueError as exc:
        ctx.fail(str(exc))
    click.echo(f"{count} event(s) queued again")
    if process and count:
        _echo_drain(drain_inbox(database, vault))


def _echo_drain(result) -> None:
    click.echo(f"processed {result.processed}, ignored {result.ignored}, failed {result.failed}, "
               f"parked {result.parked}")


@webhooks.command("drain")
@click.pass_context
def webhooks_drain(ctx: click.Context) -> None:
    """Process every stored event that is due (what the workers do), with a progress bar."""
    from revhub.cli_drains import drain_inbox

    _, database, vault = store_of(ctx)
    result = drain_inbox(database, vault)
    _echo_drain(result)
    if result.parked:
        ctx.exit(1)


@click.group()
def conflicts() -> None:
    """Fields two systems changed differently, for an admin to settle."""


@conflicts.command("list")
@click.option("--entity", type=click.Choice(ENTITY_NAMES), help="Only this canonical entity.")
@click.pass_context
def conflicts_list(ctx: click.Context, entity: str | None) -> None:
    """Open conflicts: the field, its base, and each system's value (then those settled while a
    read-only system still disagrees)."""
    import json

    from sqlalchemy import select

    from revhub.store import Conflict
    from revhub.sync.resolution import DIVERGED, read_only_notice

    _, database, _ = store_of(ctx)
    with database.session() as s:
        query = select(Conflict).where(Conflict.status.in_(("open", DIVERGED))).order_by(Conflict.id)
        rows = s.scalars(query.where(Conflict.entity == entity) if entity else query).all()
        notices = {c.id: read_only_notice(s, c) for c in rows if c.status == "open"}
    for c in (c for c in rows if c.status == "open"):
        click.echo(f"#{c.id} {c.entity} {c.record_id} {c.field}: base {json.dumps(c.base_value, default=str)}; "
                   f"{c.current_system} {json.dumps(c.current_value, default=str)} (current); "
                   f"{c.incoming_system} {json.dumps(c.incoming_value, default=str)} (incoming)")
        if notices[c.id]:
            click.echo(f"    note: {notices[c.id]}")
    click.echo(f"{len(notices)} open conflict(s)")
    for c in (c for c in rows if c.status == DIVERGED):
        click.echo(f"#{c.id} {c.entity} {c.record_id} {c.field}: settled by {c.resolved_by} ({c.resolution})")
    if len(rows) > len(notices):
        click.echo(f"{len(rows) - len(notices)} settled conflict(s) a read-only system still disagrees with")


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

    from revhub.store import Conflict
    from revhub.sync.resolution import ResolutionError, read_only_notice, resolve_conflict
    from revhub.web_json import parse_json

    value = None
    if take == "value":
        if raw_value is None:
            raise click.BadParameter("--take value needs --value", param_hint="--value")
        try:
            value = parse_json(raw_value.encode())
        except ValueError:
            raise click.BadParameter(f"not JSON: {raw_value!r}", param_hint="--value") from None
    elif raw_value is not None:
        raise click.BadParameter("only with --take value", param_hint="--value")
    _, database, _ = store_of(ctx)
    try:
        with database.session(write=True) as s:
            conflict = s.get(Conflict, conflict_id)
            notice = read_only_notice(s, conflict) if conflict is not None and conflict.status == "open" else None
            if notice:
                click.echo(f"note: {notice}")
            resolution = resolve_conflict(s, conflict_id, take, actor=actor, value=value).resolution
    except ResolutionError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"conflict {conflict_id} resolved ({resolution})")


@click.group()
def exceptions() -> None:
    """What sync could not decide alone: ambiguous matches, changes waiting for a reference."""


@exceptions.command("list")
@click.option("--kind", type=click.Choice(["ambiguous_match", "waiting_for_reference"]))
@click.pass_context
def exceptions_list(ctx: click.Context, kind: str | None) -> None:
    """Open exceptions, with their candidates."""
    from revhub.sync.exception_queue import open_exceptions

    _, database, _ = store_of(ctx)
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
    _, database, _ = store_of(ctx)
    try:
        with database.session(write=True) as s:
            status = settle(s, exception_id, actor=actor, link_to=link_to, create=create, dismiss=dismiss).status
    except ExceptionQueueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"exception {exception_id} {status}")


@click.group(name="po")
def purchase_orders() -> None:
    """Purchase orders."""


@purchase_orders.command("submit")
@click.argument("file", type=click.File("r"))
@click.option("--actor", default="cli", show_default=True, help="Who submits (audited).")
@click.pass_context
def po_submit(ctx: click.Context, file, actor: str) -> None:
    """Submit the purchase order in FILE (JSON; '-' for standard input)."""
    from revhub.orders import service
    from revhub.orders.validation import validate
    from revhub.web_json import parse_json

    _, database, _ = store_of(ctx)
    try:
        data = parse_json(file.read().encode())
    except ValueError as exc:
        ctx.fail(f"{file.name}: not JSON ({exc})")
    draft = validate(data)
    errors = draft if isinstance(draft, list) else None
    if errors is None:
        try:
            with database.session(write=True) as s:
                po = service.submit(s, draft, actor=actor)  # approval thresholds: revhub.orders.approvals
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
@click.option("--approver", required=True, help="The console user who approves (approver role or above; audited).")
@click.option("--note")
@click.pass_context
def po_approve(ctx: click.Context, internal_number: int, approver: str, note: str | None) -> None:
    """Approve a received PO; it is invoiced once every level its thresholds require is filled."""
    from sqlalchemy import select

    from revhub.console import users
    from revhub.console.access import role_allows
    from revhub.orders import service
    from revhub.store import PurchaseOrder

    _, database, _ = store_of(ctx)
    with database.session(write=True) as s:
        user = users.find(s, approver)  # a named person with the right, never a free-text name
        if user is None or user.disabled or not role_allows(user.role, "approver"):
            ctx.fail(f"--approver: {approver!r} is not an enabled user with the approver role")
        po = s.scalar(select(PurchaseOrder).where(PurchaseOrder.internal_number == internal_number))
        if po is None:
            ctx.fail(f"no PO with internal number {internal_number}")
        try:
            invoice = service.approve(s, po, approver=f"user:{user.name}", note=note)
        except service.TransitionError as exc:
            ctx.fail(str(exc))
        click.echo(f"PO {internal_number} approved; invoice {invoice.number} raised" if invoice else
                   f"PO {internal_number}: approval recorded; it needs a finance lead's approval as well")


def _po(ctx: click.Context, session, internal_number: int):
    """The PO with this internal number, or a clear error."""
    from sqlalchemy import select

    from revhub.store import PurchaseOrder

    po = session.scalar(select(PurchaseOrder).where(PurchaseOrder.internal_number == internal_number))
    if po is None:
        ctx.fail(f"no PO with internal number {internal_number}")
    return po


@purchase_orders.command("reinvoice")
@click.argument("internal_number", type=int)
@click.option("--actor", default="cli", show_default=True, help="Who re-invoices (audited).")
@click.pass_context
def po_reinvoice(ctx: click.Context, internal_number: int, actor: str) -> None:
    """Raise a new invoice (a new number) for a PO whose invoice was voided."""
    from revhub.orders import service

    _, database, _ = store_of(ctx)
    with database.session(write=True) as s:
        po = _po(ctx, s, internal_number)
        try:
            invoice = service.reinvoice(s, po, actor=actor)
        except service.TransitionError as exc:
            ctx.fail(str(exc))
        click.echo(f"PO {internal_number} re-invoiced: invoice {invoice.number} raised "
                   f"(PO number {invoice.po_number})")


@purchase_orders.command("cancel")
@click.argument("internal_number", type=int)
@click.option("--reason", required=True, help="Why the PO is cancelled (kept with the PO).")
@click.option("--actor", default="cli", show_default=True, help="Who cancels (audited).")
@click.pass_context
def po_cancel(ctx: click.Context, internal_number: int, reason: str, actor: str) -> None:
    """Cancel a received or approved PO, or one whose invoice was voided."""
    from revhub.orders import service

    _, database, _ = store_of(ctx)
    with database.session(write=True) as s:
        po = _po(ctx, s, internal_number)
        try:
            service.cancel(s, po, actor=actor, note=reason)
        except service.TransitionError as exc:
            ctx.fail(str(exc))
        click.echo(f"PO {internal_number} cancelled: {reason}")
