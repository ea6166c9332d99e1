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


@alerts.command("slack-sandbox")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="0 picks a free port.")
@click.option("--seconds", type=click.FloatRange(min=0), default=0, help="Stop after this long (0: at Ctrl-C).")
def alerts_slack_sandbox(port: int, seconds: float) -> None:
    """Run the local Slack (incoming webhook and chat.postMessage) and print the settings that
    send alerts to it; what arrives is listed at /__sandbox/messages."""
    import threading

    from revhub.sandbox.slack import SlackSandbox

    try:
        sandbox = SlackSandbox(port).start()
    except OSError as exc:
        raise click.BadParameter(f"cannot listen: {exc.strerror}", param_hint="--port") from None
    click.echo(f"local Slack on {sandbox.url} (messages: {sandbox.url}/__sandbox/messages)")
    click.echo(f"  REVHUB_ALERT_SLACK_WEBHOOK_URL={sandbox.webhook_url}")
    click.echo(f"  or REVHUB_ALERT_SLACK_TOKEN={sandbox.workspace.bot_token} REVHUB_ALERT_SLACK_CHANNEL=#alerts "
               f"REVHUB_ALERT_SLACK_API_URL={sandbox.api_url}")
    try:
        threading.Event().wait(seconds or None)
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
