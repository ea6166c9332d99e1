"""Jinja filters for how the console shows times and money.

Times: relative ("3 min ago") inside a ``<time>`` whose ``datetime`` and title carry the
absolute UTC instant, so the zone is never a guess. Money: integer minor units shown with
the currency's ISO 4217 exponent (JPY has none, KWD three) and its code, never via floats.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask
from markupsafe import Markup

from revhub.money import MoneyError, exponent, to_decimal

# No months: "59 d" says when a 60-day token ends better than "1 mo" would.
_UNITS = ((86400 * 365, "y"), (86400, "d"), (3600, "h"), (60, "min"), (1, "s"))


def utc_text(moment: datetime | None) -> str:
    """``2026-11-27 17:49:32 UTC`` (naive datetimes are read as UTC, as the store keeps them)."""
    if moment is None:
        return "—"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def relative_text(moment: datetime, now: datetime | None = None) -> str:
    """"3 min ago", "in 2 h", "just now": the largest whole unit between ``moment`` and now."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = int(((now or datetime.now(UTC)) - moment).total_seconds())
    if abs(seconds) < 5:
        return "just now"
    size, unit = next((size, unit) for size, unit in _UNITS if abs(seconds) >= size)
    count = f"{abs(seconds) // size} {unit}"
    return f"{count} ago" if seconds > 0 else f"in {count}"


def when(moment: datetime | date | None, now: datetime | None = None) -> Markup:
    """A ``<time>`` element: relative text, absolute UTC time in ``datetime`` and title."""
    if moment is None:
        return Markup('<span class="muted">—</span>')
    if not isinstance(moment, datetime):  # a calendar date has no zone and no "ago"
        return Markup('<time datetime="{0}">{0}</time>').format(moment.isoformat())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    absolute = utc_text(moment)
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        moment.astimezone(UTC).isoformat(), absolute, relative_text(moment, now))


def money_text(minor: int | None, currency: str | None) -> str:
    """``EUR 1,234.50``, ``JPY 1,235``, ``KWD 0.125`` from integer minor units."""
    if minor is None:
        return "—"
    if not currency:
        return f"{minor:,} (minor units, no currency)"
    try:
        places = exponent(currency)
        amount: Decimal = to_decimal(int(minor), currency)
    except MoneyError:
        return f"{minor:,} {currency} (minor units)"
    return f"{currency.upper()} {amount:,.{places}f}"


def money(minor: int | None, currency: str | None) -> Markup:
    """Money for a table cell: tabular figures, never wrapped between code and amount."""
    return Markup('<span class="money">{}</span>').format(money_text(minor, currency).replace(" ", "\u00a0", 1))


def pretty_json(value: Any) -> str:
    """Data as indented JSON text (escaped by the template like any other text)."""
    return json.dumps(value, indent=2, default=str, ensure_ascii=False, sort_keys=True)


def install(app: Flask) -> None:
    """Register the filters (``when``, ``utc``, ``money``, ``pretty_json``) on ``app``'s Jinja environment."""
    app.add_template_filter(when, "when")
    app.add_template_filter(utc_text, "utc")
    app.add_template_filter(money, "money")
    app.add_template_filter(pretty_json, "pretty_json")
