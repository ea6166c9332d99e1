"""The console's books page: Stripe, Xero and the store side by side, with every difference."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, jsonify, render_template, request

from revhub.connectors.errors import ConnectorError
from revhub.console.admin import signed_in
from revhub.ledger.check import LEDGER_NAMES, ROWS, SIDES
from revhub.ledger.sources import PeriodError, run_check
from revhub.mappings.ledger_settings import LedgerSettingsError
from revhub.money import MoneyError, to_decimal_string

ledger_page = Blueprint("ledger", __name__)


@ledger_page.get("/ledger")
@signed_in  # the check reads every provider with the stored credentials
def ledger():
    """One month (default: this one; ``period=all`` for all time), every currency or one."""
    from revhub.app import get_db

    period = request.args.get("period") or datetime.now(UTC).strftime("%Y-%m")
    currency = request.args.get("currency") or None
    wanted = None if period == "all" else period
    try:
        report = run_check(get_db(), current_app.extensions["revhub.vault"], wanted, currency)
    except (PeriodError, MoneyError) as exc:
        return _page(None, period, currency, str(exc), 400)
    except (ConnectorError, LedgerSettingsError) as exc:
        # A side that cannot be read is said so; a partial comparison would mislead.
        return _page(None, period, currency, f"could not read a side: {exc}", 502)
    if request.args.get("format") == "json":
        return jsonify(report.as_json())
    return _page(report, period, currency, None, 200)


def _page(report, period: str, currency: str | None, error: str | None, status: int):
    return render_template("ledger.html", report=report, period=period, currency=currency or "",
                           error=error, rows=ROWS, sides=SIDES, money=to_decimal_string,
                           books=LEDGER_NAMES[getattr(report, "ledger", "xero")]), status
