"""``revhub alerts``: send a test alert, list recent alerts."""

from __future__ import annotations

import click

from revhub.cli_support import config_of, store_of


@click.group()
def alerts() -> None:
    """Alerts to Slack, e-mail and a signed webhook (REVHUB_ALERT_* settings)."""


def _settings(ctx: click.Context):
    from revhub.alerts.settings import load_alert_settings
    from revhub.config import ConfigError

    try:
        return load_alert_settings()
    except ConfigError as exc:
        ctx.fail(str(exc))


@alerts.command("test")
@click.option("--channel", type=click.Choice(["slack", "email", "webhook"]),
              help="Only this channel (default: every configured one).")
@click.pass_context
def alerts_test(ctx: click.Context, channel: str | None) -> None:
    """Send a test alert; exit 1 unless every channel took it."""
    from revhub.alerts.trial import ChannelChoiceError, send_test

    config_of(ctx)
    settings = _settings(ctx)
    _, database, _ = store_of(ctx)
    try:
        raised = send_test(database, settings, channel)
    except ChannelChoiceError as exc:
        raise click.BadParameter(str(exc).split(": ", 1)[1], param_hint="--channel") from None
    for name, outcome in raised.deliveries.items():
        detail = f": {raised.errors[name]}" if name in raised.errors else ""
        click.echo(f"{name:8} {outcome}{detail}")
    if any(outcome != "sent" for outcome in raised.deliveries.values()):
        ctx.exit(1)


@alerts.command("list")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.pass_context
def alerts_list(ctx: click.Context, limit: int) -> None:
    """The latest alerts: when, what, how often sent and held back, and each channel's outcome."""
    from revhub.alerts.trial import recent

    _, database, _ = store_of(ctx)
    rows = recent(database, limit)
    if not rows:
        click.echo("no alerts yet")
        return
    click.echo(f"{'last raised (UTC)':19}  {'severity':8}  {'sent':>4}  {'held':>4}  alert")
    for a in rows:
        deliveries = ", ".join(f"{c} {d[0]}" for c, d in a["deliveries"].items()) or "no channel"
        click.echo(f"{a['last_raised_at']:%Y-%m-%d %H:%M:%S}  {a['severity']:8}  {a['sent_count']:>4}  "
                   f"{a['suppressed']:>4}  {a['title']} [{a['key']}] ({deliveries})")
        click.echo(f"{'':19}  resolve: {a['link']}")
