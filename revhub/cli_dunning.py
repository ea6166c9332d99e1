"""``revhub reminders ...`` (dunning) and ``revhub approvals ...`` (thresholds, finance leads)."""

from __future__ import annotations

from datetime import date

import click

from revhub.cli_support import store_of


def _today(value: str | None) -> date:
    if not value:
        from revhub.store import utcnow

        return utcnow().date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint="--date") from None


@click.group(name="reminders")
def reminders() -> None:
    """Payment reminders (dunning): the plan, sending, pauses and the schedule."""


@reminders.command("plan")
@click.option("--date", "on", help="Plan for this day (YYYY-MM-DD); default today (UTC).")
@click.option("--all", "everything", is_flag=True, help="Also paid/voided invoices and steps already sent.")
@click.pass_context
def plan_command(ctx: click.Context, on: str | None, everything: bool) -> None:
    """What would be sent today, and why (or why not)."""
    from revhub.dunning import payment_failed
    from revhub.dunning.planner import plan
    from revhub.store import utcnow

    _, database, _ = store_of(ctx)
    today = _today(on)
    with database.session() as s:
        items = plan(s, today, everything=everything) + payment_failed.plan(s, utcnow())
    if not items:
        click.echo(f"nothing to send on {today}")
    for item in items:
        to = f" to {item.facts.recipient}" if item.facts else ""
        click.echo(f"{item.action:<9} {item.invoice_number:<14} {item.step:<18} {item.tone:<14}{to}: {item.reason}")


@reminders.command("send")
@click.option("--date", "on", help="Send as on this day (YYYY-MM-DD); default today (UTC).")
@click.pass_context
def send_command(ctx: click.Context, on: str | None) -> None:
    """Send today's reminders through REVHUB_SMTP_* (each at most once, even across crashes)."""
    from revhub.config import ConfigError
    from revhub.dunning.activity import push_pending
    from revhub.dunning.sender import send_due
    from revhub.mail import SmtpSender, smtp_settings

    _, database, vault = store_of(ctx)
    try:
        sender = SmtpSender(smtp_settings())
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    report = send_due(database, sender.send, today=_today(on))
    for key in report.sent:
        click.echo(f"sent      {key}")
    for key, error in report.failed:
        click.echo(f"failed    {key}: {error}")
    for key in report.uncertain:
        click.echo(f"uncertain {key}: interrupted mid-send; check the mail server, then `revhub reminders resolve`")
    click.echo(f"{len(report.sent)} sent, {len(report.failed)} failed, {len(report.skipped)} taken by another "
               f"sender, {len(report.uncertain)} uncertain")
    tasks = push_pending(database, vault)  # the Salesforce activity of each reminder sent
    for key, error in tasks.failed:
        click.echo(f"salesforce task not written for {key}: {error} (retried on the next run)")
    if tasks.created:
        click.echo(f"{len(tasks.created)} Salesforce task(s) written")
    if report.failed:
        ctx.exit(1)


@reminders.command("resolve")
@click.argument("key")
@click.option("--sent/--not-sent", required=True, help="Did the interrupted mail leave? --not-sent retries it.")
@click.pass_context
def resolve_command(ctx: click.Context, key: str, sent: bool) -> None:
    """Settle an uncertain reminder (interrupted between claiming and confirming)."""
    from revhub.dunning.sender import resolve

    _, database, _ = store_of(ctx)
    try:
        status = resolve(database, key, sent=sent, actor="cli")
    except (LookupError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{key}: {status}")


@reminders.command("pause")
@click.argument("customer")
@click.option("--resume", is_flag=True, help="Resume reminders instead.")
@click.pass_context
def pause_command(ctx: click.Context, customer: str, resume: bool) -> None:
    """Pause (or --resume) reminders for CUSTOMER (its e-mail address or id)."""
    from revhub.dunning.pauses import CustomerNotFound, set_paused

    _, database, _ = store_of(ctx)
    try:
        with database.session(write=True) as s:
            name = set_paused(s, customer, paused=not resume, actor="cli")
    except CustomerNotFound as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"reminders {'resumed' if resume else 'paused'} for {name}")


@reminders.command("schedule")
@click.option("--set", "set_step", nargs=3, metavar="TERMS DAYS TONE", help="Add or change a step.")
@click.option("--remove", nargs=2, metavar="TERMS DAYS", help="Remove a step.")
@click.pass_context
def schedule_command(ctx: click.Context, set_step: tuple | None, remove: tuple | None) -> None:
    """Show the schedule per payment term (days from the due date); --set / --remove edit it."""
    from revhub.dunning import schedule

    _, database, _ = store_of(ctx)
    try:
        with database.session(write=True) as s:
            if set_step:
                schedule.set_step(s, *set_step)
            if remove and not schedule.remove_step(s, *remove):
                raise click.ClickException(f"no step {remove[1]} in {remove[0]}")
    except schedule.ScheduleError as exc:
        raise click.ClickException(str(exc)) from None
    with database.session() as s:
        for terms, steps in schedule.schedule(s).items():
            click.echo(f"{terms:<15} " + ", ".join(f"{st.offset_days:+d} {st.tone}" for st in steps))


@click.group(name="approvals")
def approvals() -> None:
    """PO approval thresholds per currency, and finance leads."""


@approvals.group("thresholds", invoke_without_command=True)
@click.pass_context
def thresholds(ctx: click.Context) -> None:
    """List the thresholds (or set / remove one)."""
    if ctx.invoked_subcommand is None:
        _list_thresholds(ctx)


def _list_thresholds(ctx: click.Context) -> None:
    from revhub.money import to_decimal_string
    from revhub.orders import approvals as rules

    _, database, _ = store_of(ctx)
    with database.session() as s:
        rows = rules.thresholds(s)
        if not rows:
            click.echo("no thresholds: every PO needs an approver")
        for r in rows:
            high = to_decimal_string(r.finance_lead_above_minor, r.currency) \
                if r.finance_lead_above_minor is not None else "-"
            click.echo(f"{r.currency}  approver above {to_decimal_string(r.approver_above_minor, r.currency)}"
                       f"  finance lead above {high}  (by {r.updated_by})")


@thresholds.command("set")
@click.argument("currency")
@click.argument("approver_above")
@click.option("--finance-lead-above", help="Above this a finance lead approves as well.")
@click.pass_context
def thresholds_set(ctx: click.Context, currency: str, approver_above: str, finance_lead_above: str | None) -> None:
    """Set CURRENCY's thresholds (major units): above APPROVER_ABOVE a PO needs an approver."""
    from revhub.orders import approvals as rules

    _, database, _ = store_of(ctx)
    try:
        with database.session(write=True) as s:
            rules.set_threshold(s, currency, approver_above, finance_lead_above, actor="cli")
    except rules.ThresholdError as exc:
        raise click.ClickException(str(exc)) from None
    _list_thresholds(ctx)


@thresholds.command("remove")
@click.argument("currency")
@click.pass_context
def thresholds_remove(ctx: click.Context, currency: str) -> None:
    """Remove CURRENCY's row (its POs then all need an approver)."""
    from revhub.orders import approvals as rules

    _, database, _ = store_of(ctx)
    with database.session(write=True) as s:
        if not rules.remove_threshold(s, currency, actor="cli"):
            raise click.ClickException(f"currency: no threshold for {currency.upper()}")
    _list_thresholds(ctx)


@approvals.command("finance-lead")
@click.argument("user")
@click.option("--off", is_flag=True, help="Take the flag away.")
@click.pass_context
def finance_lead(ctx: click.Context, user: str, off: bool) -> None:
    """Flag USER as a finance lead (the second approval above the finance-lead threshold)."""
    from revhub.console import audit_trail, users

    _, database, _ = store_of(ctx)
    with database.session(write=True) as s:
        found = users.find(s, user)
        if found is None:
            raise click.ClickException(f"user: no user {user!r}")
        found.finance_lead = not off
        audit_trail.record(s, actor="cli", source="cli", action="finance_lead", record_id=found.id,
                           details={"finance_lead": not off})
    click.echo(f"{user} is {'no longer ' if off else ''}a finance lead")

GROUPS = (reminders, approvals)
