"""``revhub ledger``: the books check, Stripe, Xero and the store side by side."""

from __future__ import annotations

import json

import click

from revhub.cli_support import store_of

# Exit codes: 0 the books balance; 1 differences found; 2 bad arguments (click's own);
# 3 a side could not be read (credentials, settings, or a provider that kept failing).
DIFFERENCES, UNREADABLE = 1, 3


@click.group()
def ledger() -> None:
    """The books: what Stripe, Xero and the canonical store each hold."""


@ledger.command("check")
@click.option("--period", metavar="YYYY-MM", help="One month (default: all time).")
@click.option("--currency", metavar="CUR", help="One ISO currency (default: every currency).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def ledger_check(ctx: click.Context, period: str | None, currency: str | None, fmt: str) -> None:
    """Compare the books; exit 1 when any difference exists, naming the records behind it."""
    from revhub.alerts.check import books_checked
    from revhub.connectors.errors import ConnectorError
    from revhub.ledger.sources import PeriodError, month_bounds, run_check
    from revhub.mappings.ledger_settings import LedgerSettingsError
    from revhub.money import MoneyError, normalize_currency

    try:
        if period:
            month_bounds(period)
        if currency:
            normalize_currency(currency)
    except (PeriodError, MoneyError) as exc:
        raise click.BadParameter(str(exc), param_hint="--period" if isinstance(exc, PeriodError)
                                 else "--currency") from None
    _, database, vault = store_of(ctx)
    try:
        report = run_check(database, vault, period, currency)
    except (ConnectorError, LedgerSettingsError) as exc:
        click.echo(f"ledger check could not read a side: {exc}", err=True)
        ctx.exit(UNREADABLE)
    books_checked(database, report, period)  # an alert when the books do not balance
    if fmt == "json":
        click.echo(json.dumps(report.as_json(), indent=2))
    else:
        click.echo(render_table(report))
    if not report.balanced:
        ctx.exit(DIFFERENCES)


def render_table(report) -> str:
    """The report as text: one side-by-side block per currency and period, then the differences."""
    from revhub.ledger.check import LEDGER_NAMES, ROWS
    from revhub.money import to_decimal_string

    out: list[str] = []
    for ledger_ in report.ledgers:
        out.append(f"{ledger_.currency} {ledger_.period}")
        out.append(f"  {'':26}{'Stripe':>18}{LEDGER_NAMES[report.ledger]:>18}{'store':>18}")
        for label, *names in ROWS:
            cells = [to_decimal_string(getattr(ledger_, side)[name], ledger_.currency) if name else "-"
                     for side, name in zip(("stripe", "xero", "store"), names, strict=True)]
            out.append(f"  {label:26}" + "".join(f"{c:>18}" for c in cells))
        out.append("")
    if report.balanced:
        out.append("the books balance: no differences")
        return "\n".join(out)
    out.append(f"{len(report.differences)} difference(s):")
    for d in report.differences:
        out.append(f"  {d.currency} {d.period} {d.kind} {d.problem.replace('_', ' ')} ({', '.join(d.sides)}): "
                   f"{d.message}")
        out.append("    records: " + "; ".join(f"{side} {', '.join(ids)}" for side, ids in d.records.items()))
    return "\n".join(out)
