"""``revhub report ...`` (receivables, subscriptions, deferred revenue, matches) and
``revhub recon ...`` (run the matching engine, take a match back)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from datetime import date
from typing import Any

import click

from revhub.cli_support import store_of

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _month(text: str, param: str) -> tuple[int, int]:
    found = _MONTH.match(text)
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise click.BadParameter(f"{text!r} is not a month; give YYYY-MM, e.g. 2026-03", param_hint=param)
    return int(found.group(1)), int(found.group(2))


def period_bounds(period: str | None, today: date | None = None) -> tuple[date, date]:
    """``YYYY-MM`` or ``YYYY-MM:YYYY-MM`` as (first day, last day); default the last 12 months."""
    from revhub.reports.receivables import month_end

    today = today or date.today()
    if not period:
        y, m = (today.year - 1, today.month + 1) if today.month < 12 else (today.year, 1)
        return date(y, m, 1), month_end(today.year, today.month)
    first, _, last = period.partition(":")
    (y1, m1), (y2, m2) = _month(first, "--period"), _month(last or first, "--period")
    if (y2, m2) < (y1, m1):
        raise click.BadParameter(f"{period!r} ends before it starts", param_hint="--period")
    return date(y1, m1, 1), month_end(y2, m2)


def _emit(rows: Sequence[dict[str, Any]], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(list(rows), indent=2, default=str))
        return
    if not rows:
        click.echo("(nothing)" if fmt == "table" else "")
        return
    columns = list(rows[0])
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        click.echo(out.getvalue(), nl=False)
        return
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in columns}
    click.echo("  ".join(c.ljust(widths[c]) for c in columns))
    for r in rows:
        click.echo("  ".join(str(r[c]).rjust(widths[c]) if isinstance(r[c], (int, str)) and str(r[c])[:1] in
                             "-0123456789" else str(r[c]).ljust(widths[c]) for c in columns))


def _money(minor: int, currency: str) -> str:
    from revhub.money import to_decimal_string

    return to_decimal_string(minor, currency)


_FORMAT = click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
                       show_default=True)
_PERIOD = click.option("--period", metavar="YYYY-MM[:YYYY-MM]", help="Months to report (default: the last 12).")


@click.group()
def report() -> None:
    """Receivables and subscription numbers from the canonical store."""


@report.command("ageing")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), help="Day to age on (default: today).")
@_FORMAT
@click.pass_context
def report_ageing(ctx: click.Context, as_of, fmt: str) -> None:
    """Outstanding amounts per customer and currency by days past due, and the amounts in
    dispute: undecided (``disputed``) and lost (``lost_in_disputes``) by that day."""
    from revhub.reports.receivables import BUCKETS, ageing, disputed
    from revhub.reports.store_inputs import customer_names, disputes, receivables

    on = as_of.date() if as_of else date.today()
    _, database, _ = store_of(ctx)
    with database.session() as s:
        rows, names, held = ageing(receivables(s), on), customer_names(s), disputed(disputes(s), on)
    owed = {(r.customer, r.currency): r for r in rows}
    argued = {(d.customer, d.currency): d for d in held}
    out = []
    for customer, currency in sorted(owed.keys() | argued.keys(), key=lambda k: (names.get(k[0], k[0]), k[1])):
        r, d = owed.get((customer, currency)), argued.get((customer, currency))
        out.append({"customer": names.get(customer, customer), "currency": currency,
                    **{b: _money(r.buckets[b] if r else 0, currency) for b in BUCKETS},
                    "total": _money(r.total if r else 0, currency),
                    "disputed": _money(d.open_minor if d else 0, currency),
                    "lost_in_disputes": _money(d.lost_minor if d else 0, currency)})
    _emit(out, fmt)


@report.command("dso")
@_PERIOD
@_FORMAT
@click.pass_context
def report_dso(ctx: click.Context, period: str | None, fmt: str) -> None:
    """Days sales outstanding per month and currency (month-end receivables ÷ the month's
    credit sales × its days), with the on-time payment rate, cash collected and unapplied cash."""
    from revhub.reports.receivables import cash_collected, dso, month_end, on_time_rate, unapplied
    from revhub.reports.store_inputs import cash, receivables

    first, last = period_bounds(period)
    _, database, _ = store_of(ctx)
    with database.session() as s:
        books, money = receivables(s), cash(s)
    rows = []
    for r in dso(books, first, last):
        y, m = map(int, r.month.split("-"))
        start, end = date(y, m, 1), month_end(y, m)
        mine = [b for b in books if b.currency == r.currency]
        on_time = on_time_rate(mine, start, end)
        collected = cash_collected(money, start, end).get(r.currency, {"net": 0})
        rows.append({"month": r.month, "currency": r.currency,
                     "receivables": _money(r.receivables_minor, r.currency),
                     "credit_sales": _money(r.credit_sales_minor, r.currency),
                     "dso_days": "n/a" if r.dso is None else str(r.dso),
                     "paid_on_time": "n/a" if on_time.rate is None else f"{on_time.rate}%",
                     "cash_collected": _money(collected["net"], r.currency),
                     "unapplied": _money(unapplied(money, end).get(r.currency, 0), r.currency)})
    _emit(rows, fmt)


@report.command("mrr")
@_PERIOD
@_FORMAT
@click.pass_context
def report_mrr(ctx: click.Context, period: str | None, fmt: str) -> None:
    """MRR, ARR and new / expansion / contraction / churned MRR per month and currency."""
    from revhub.reports.mrr import mrr
    from revhub.reports.store_inputs import recurring

    first, last = period_bounds(period)
    _, database, _ = store_of(ctx)
    with database.session() as s:
        rows = mrr(recurring(s), first, last)
    _emit([{"month": r.month, "currency": r.currency, "mrr": _money(r.mrr_minor, r.currency),
            "arr": _money(r.arr_minor, r.currency), "new": _money(r.new_minor, r.currency),
            "expansion": _money(r.expansion_minor, r.currency),
            "contraction": _money(r.contraction_minor, r.currency),
            "churned": _money(r.churned_minor, r.currency), "customers": r.customers} for r in rows], fmt)


@report.command("deferred")
@_PERIOD
@_FORMAT
@click.option("--post-to", "post_to", type=click.Choice(["xero"]),
              help="Also post each ended month's recognised revenue as a Xero manual journal (idempotent).")
@click.option("--connection", "connection_name", default="xero", show_default=True,
              help="The Xero connection to post to (its settings name the two accounts).")
@click.pass_context
def report_deferred(ctx: click.Context, period: str | None, fmt: str, post_to: str | None,
                    connection_name: str) -> None:
    """Revenue recognised straight-line per month and customer, and the deferred balance."""
    from revhub.reports.recognition import schedule
    from revhub.reports.store_inputs import customer_names, service_lines

    first, last = period_bounds(period)
    _, database, _ = store_of(ctx)
    with database.session() as s:
        rows, names = schedule(service_lines(s), first, last), customer_names(s)
    _emit([{"month": r.month, "customer": names.get(r.customer, r.customer), "currency": r.currency,
            "invoiced": _money(r.invoiced_minor, r.currency), "recognised": _money(r.recognised_minor, r.currency),
            "deferred_balance": _money(r.deferred_balance_minor, r.currency)} for r in rows], fmt)
    if post_to == "xero":
        _post_deferred(ctx, database, rows, connection_name)


def _post_deferred(ctx: click.Context, database, rows, name: str) -> None:
    from revhub.connections import update_credentials
    from revhub.connectors.errors import ConnectorError
    from revhub.connectors.registry import build_connector
    from revhub.connectors.xero.push_journals import (
        JournalSettingsError,
        journal_accounts,
        monthly_totals,
        post_deferred,
    )
    from revhub.store import Connection

    _, _, vault = store_of(ctx)
    with database.session() as s:
        connection = s.query(Connection).filter_by(name=name).one_or_none()
        if connection is None or connection.provider != "xero":
            raise click.BadParameter(f"no Xero connection named {name!r}", param_hint="--connection")
        try:
            accounts = journal_accounts(connection.settings)
        except JournalSettingsError as exc:
            raise click.BadParameter(str(exc), param_hint="--connection") from None

        def save(changes: dict) -> None:
            with database.session(write=True) as w:
                update_credentials(w, vault, name, changes)

        api = build_connector(connection, vault, save).api
    try:
        base = (api.call("get_organisations", "journal").get("Organisations") or [{}])[0].get("BaseCurrency")
        done = post_deferred(api, name, accounts, base, monthly_totals(rows, date.today()))
    except ConnectorError as exc:
        raise click.ClickException(f"Xero refused the journal: {exc}") from None
    for line in done.posted:
        click.echo(f"posted: {line}", err=True)
    for line in done.skipped:
        click.echo(f"skipped: {line}", err=True)
    click.echo(f"{len(done.posted)} journal(s) posted, {len(done.unchanged)} month(s) already posted", err=True)


@report.command("matches")
@click.option("--status", type=click.Choice(["applied", "reversed", "queued"]), default="applied",
              show_default=True, help="Matches made, matches taken back, or receipts waiting for a person.")
@_FORMAT
@click.pass_context
def report_matches(ctx: click.Context, status: str, fmt: str) -> None:
    """The reconciliation engine's matches with their rule and evidence (or its queue)."""
    from sqlalchemy import select

    from revhub.recon.service import EXCEPTION_KIND
    from revhub.store import ReconMatch, SyncException

    _, database, _ = store_of(ctx)
    with database.session() as s:
        if status == "queued":
            rows = [{"exception": e.id, "receipt": e.external_id, "kind": e.entity,
                     "amount": (e.payload or {}).get("amount_minor"), "currency": (e.payload or {}).get("currency"),
                     "reason": e.message, "best_candidate": ",".join((e.candidates or [{}])[0].get("invoice_ids", []))
                     if e.candidates else ""}
                    for e in s.scalars(select(SyncException).where(SyncException.kind == EXCEPTION_KIND,
                                                                   SyncException.status == "open")
                                       .order_by(SyncException.id))]
        else:
            rows = [{"match": m.id, "receipt": str(m.receipt_id), "kind": m.receipt_kind, "rule": m.rule,
                     "invoices": ",".join(a["invoice_id"] for a in m.allocations),
                     "unapplied_minor": m.unapplied_minor, "rate": "" if m.rate is None else str(m.rate),
                     "evidence": json.dumps(m.evidence, sort_keys=True), "by": m.matched_by,
                     "at": m.matched_at.isoformat()}
                    for m in s.scalars(select(ReconMatch).where(ReconMatch.status == status).order_by(ReconMatch.id))]
    _emit(rows, fmt)


@click.group()
def recon() -> None:
    """The reconciliation engine: match money received to the invoices it pays."""


@recon.command("run")
@click.pass_context
def recon_run(ctx: click.Context) -> None:
    """Match every unplaced payment and refund; the uncertain ones go to the exception queue."""
    from revhub.recon.service import run

    _, database, _ = store_of(ctx)
    with database.session(write=True) as s:
        summary = run(s, actor="cli:recon")
    click.echo(f"{summary.receipts} receipts: {summary.matched} matched, {summary.queued} queued for a person")


@recon.command("reverse")
@click.argument("match_id", type=int)
@click.option("--actor", required=True, help="Who takes the match back (kept in the audit log).")
@click.pass_context
def recon_reverse(ctx: click.Context, match_id: int, actor: str) -> None:
    """Take a match back: the payment pays nothing again until matched anew."""
    from revhub.recon.service import ReconError, reverse

    _, database, _ = store_of(ctx)
    try:
        with database.session(write=True) as s:
            reverse(s, match_id, actor=f"cli:{actor}")
    except ReconError as exc:
        raise click.BadParameter(str(exc), param_hint="MATCH_ID") from None
    click.echo(f"match {match_id} reversed")


@recon.command("check-invoices")
@click.pass_context
def recon_check_invoices(ctx: click.Context) -> None:
    """Three-way match and duplicate guard over every existing invoice; findings go to the exception queue."""
    from revhub.recon.invoice_checks import scan

    _, database, _ = store_of(ctx)
    with database.session(write=True) as s:
        flagged = scan(s)
    click.echo(f"{flagged} invoice(s) with findings (see `revhub exceptions list`)")


@recon.command("policy")
@click.option("--price-pct", type=click.FloatRange(0, 100), help="Unit price allowed above the PO's, in percent.")
@click.option("--quantity", type=click.IntRange(0), help="Licences allowed above the PO's.")
@click.option("--amount-minor", type=click.IntRange(0), help="Total allowed above the PO's remaining value.")
@click.option("--block", "blocking", multiple=True,
              help="A finding that stops the invoice (repeatable; replaces the list).")
@click.option("--actor", default="cli", show_default=True, help="Who sets it (kept with the policy).")
@click.pass_context
def recon_policy(ctx: click.Context, price_pct, quantity, amount_minor, blocking, actor: str) -> None:
    """Show the three-way match tolerances, or change them."""
    from decimal import Decimal

    from revhub.recon.invoice_checks import set_tolerances, tolerances
    from revhub.recon.three_way import FINDINGS, Tolerances

    unknown = sorted(set(blocking) - set(FINDINGS))
    if unknown:
        raise click.BadParameter(f"unknown finding {', '.join(unknown)}; known: {', '.join(FINDINGS)}",
                                 param_hint="--block")
    _, database, _ = store_of(ctx)
    with database.session(write=True) as s:
        now = tolerances(s)
        if any(v is not None for v in (price_pct, quantity, amount_minor)) or blocking:
            now = Tolerances(Decimal(str(price_pct)) if price_pct is not None else now.price_pct,
                             quantity if quantity is not None else now.quantity,
                             amount_minor if amount_minor is not None else now.amount_minor,
                             frozenset(blocking) if blocking else now.blocking)
            set_tolerances(s, now, actor=f"cli:{actor}")
    click.echo(json.dumps(now.as_json(), indent=2))


@report.command("po-ledger")
@_FORMAT
@click.pass_context
def report_po_ledger(ctx: click.Context, fmt: str) -> None:
    """Per PO: ordered, invoiced, paid, remaining and expiry."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from revhub.recon.invoice_checks import ledger_of
    from revhub.store import PurchaseOrder

    _, database, _ = store_of(ctx)
    with database.session() as s:
        rows = []
        for po in s.scalars(select(PurchaseOrder).options(selectinload(PurchaseOrder.lines))
                            .where(PurchaseOrder.deleted_at.is_(None)).order_by(PurchaseOrder.internal_number)):
            led = ledger_of(s, po)
            rows.append({"po": po.internal_number, "po_number": po.po_number, "status": po.status,
                         "currency": po.currency, "ordered": _money(led.ordered_minor, po.currency),
                         "invoiced": _money(led.invoiced_minor, po.currency),
                         "paid": _money(led.paid_minor, po.currency),
                         "remaining": _money(led.remaining_minor, po.currency),
                         "expires": led.expires.isoformat() if led.expires else ""})
    _emit(rows, fmt)


@recon.command("push-figures")
@click.option("--connection", "name", default="salesforce", show_default=True, help="The Salesforce connection.")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), help="Day of the figures (default: today).")
@click.pass_context
def recon_push_figures(ctx: click.Context, name: str, as_of) -> None:
    """Write each customer's key figures to its Salesforce Account and each PO's ledger to its PO."""
    from revhub.connections import update_credentials
    from revhub.connectors.errors import ConnectorError
    from revhub.connectors.registry import build_connector
    from revhub.connectors.salesforce.push_figures import account_records, po_records, push_figures
    from revhub.store import Connection

    on = as_of.date() if as_of else date.today()
    _, database, vault = store_of(ctx)
    with database.session() as s:
        connection = s.query(Connection).filter_by(name=name).one_or_none()
        if connection is None or connection.provider != "salesforce":
            raise click.BadParameter(f"no Salesforce connection named {name!r}", param_hint="--connection")
        accounts, pos = account_records(s, name, on), po_records(s, name)

        def save(changes: dict) -> None:
            with database.session(write=True) as w:
                update_credentials(w, vault, name, changes)

        api = build_connector(connection, vault, save).api
    try:
        done = push_figures(api, accounts, pos)
    except ConnectorError as exc:
        raise click.ClickException(f"Salesforce refused the call: {exc}") from None
    click.echo(f"{done.accounts} account(s) and {done.purchase_orders} PO(s) updated")
    for line in done.refused:
        click.echo(f"refused {line}", err=True)
    if done.refused:
        ctx.exit(1)
