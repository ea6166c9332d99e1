"""What every report page shares: a table of cells (text, exact value for the CSV, the link to
the records behind it), the query-string options read with a message naming the bad one, and
the one answer — the page with its chart, the CSV, or a 400 beside the form."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import render_template, request

from revhub.console.listing import csv_response, csv_value
from revhub.console.queue_actions import db
from revhub.money import MoneyError, to_decimal, to_decimal_string
from revhub.reports import drilldown
from revhub.reports.receivables import month_end


class ReportInputError(ValueError):
    """A query-string value a report cannot use; shown beside the form with a 400."""


@dataclass
class Cell:
    text: str
    raw: Any = None  # what the CSV gets (an exact decimal, a date); defaults to the text
    href: str | None = None
    num: bool = False


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)


def money_cell(minor: int, currency: str, href: str | None = None) -> Cell:
    try:
        return Cell(to_decimal_string(minor, currency), to_decimal(minor, currency), href if minor else None, True)
    except MoneyError:
        return Cell(str(minor), minor, href if minor else None, True)


def link(path: str, **params: Any) -> str:
    return f"{path}?{urlencode({k: v for k, v in params.items() if v not in (None, '')})}"


def as_of() -> date:
    given = (request.args.get("as_of") or "").strip()
    if not given:
        return date.today()
    try:
        return date.fromisoformat(given)
    except ValueError:
        raise ReportInputError("as_of: a day as YYYY-MM-DD") from None


def period() -> tuple[date, date]:
    """``period`` as YYYY-MM or YYYY-MM:YYYY-MM; default the last 12 months up to this one."""
    given = (request.args.get("period") or "").strip()
    today = date.today()
    if not given:
        y, m = (today.year - 1, today.month + 1) if today.month < 12 else (today.year, 1)
        return date(y, m, 1), month_end(today.year, today.month)
    first, _, last = given.partition(":")
    try:
        start, _ = drilldown.month_bounds(first)
        _, end = drilldown.month_bounds(last or first)
    except ValueError:
        raise ReportInputError("period: a month YYYY-MM or a range YYYY-MM:YYYY-MM") from None
    if end < start:
        raise ReportInputError("period: ends before it starts")
    if (end.year - start.year) * 12 + end.month - start.month > 120:
        raise ReportInputError("period: at most ten years")
    return start, end


def arg(name: str, allowed: tuple[str, ...] | None = None) -> str:
    value = (request.args.get(name) or "").strip()
    if not value or len(value) > 64 or (allowed and value not in allowed):
        raise ReportInputError(f"{name}: " + (f"one of {', '.join(allowed)}" if allowed else "required"))
    return value


def month_arg() -> str:
    value = arg("month")
    try:
        drilldown.month_bounds(value)
    except ValueError:
        raise ReportInputError("month: YYYY-MM") from None
    return value


def answer(title: str, build: Callable[[Any], tuple[Table, dict | None, dict[str, Any]]], filename: str,
           form: dict[str, str] | None = None, intro: str = "", opened_from: str | None = None):
    """Run ``build(session)`` → (table, chart, extra context); render it, or its CSV, or a 400.
    A drill-down (``opened_from`` its report) opened with no parameters at all says where its
    figures are rather than refusing: the address alone is a fair thing to visit."""
    if opened_from and not request.args:
        return render_template("report.html", title=title, table=None, chart=None, error=None, form=None,
                               intro="", csv_url=None, opened_from=opened_from)
    try:
        with db().session() as s:
            table, chart, extra = build(s)
    except ReportInputError as exc:
        if request.args.get("format") == "csv":
            return str(exc) + "\n", 400, {"Content-Type": "text/plain; charset=utf-8"}
        return render_template("report.html", title=title, table=None, chart=None, error=str(exc), form=form,
                               intro=intro, csv_url=None), 400
    if request.args.get("format") == "csv":
        columns = [(h, lambda row, i=i: row[i]) for i, h in enumerate(table.headers)]
        cells = [[csv_value(c.text if c.raw is None else c.raw) for c in row] for row in table.rows]
        return csv_response(filename, columns, cells)
    args = {k: v for k, v in request.args.items() if k != "format"}
    return render_template("report.html", title=title, table=table, chart=json.dumps(chart) if chart else None,
                           error=None, form=form, intro=intro, csv_url=link(request.path, **args, format="csv"),
                           **extra)


def major(minor: int, currency: str) -> float:
    try:
        return float(to_decimal(minor, currency))
    except MoneyError:
        return float(minor)
