"""When the scheduled finance jobs run, from ``REVHUB_*`` variables (README, "Scheduled jobs").

``REVHUB_REMINDERS_INTERVAL_SECONDS`` (default 900; 0 turns the reminders job off),
``REVHUB_REMINDERS_TIMEZONE`` (an IANA zone, default UTC), ``REVHUB_REMINDERS_HOURS`` (the local
window reminders leave in, ``HH-HH``, default ``09-17``), ``REVHUB_REMINDERS_DAYS`` (``mon-fri``
by default, ``mon-sun`` or a list such as ``mon,wed,fri``), ``REVHUB_FIGURES_INTERVAL_SECONDS``
(default 3600; 0 = off), ``REVHUB_JOURNALS_INTERVAL_SECONDS`` (default 21600; 0 = off).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from revhub.config import ConfigError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class FinanceSchedule:
    reminders_every: int = 900
    reminders_zone: str = "UTC"
    reminders_from_hour: int = 9
    reminders_until_hour: int = 17
    reminders_days: frozenset[int] = frozenset(range(5))
    figures_every: int = 3600
    journals_every: int = 21600

    def local(self, now: datetime) -> datetime:
        return now.astimezone(ZoneInfo(self.reminders_zone))

    def reminders_open(self, now: datetime) -> bool:
        """True when ``now`` falls in the business hours reminders go out in."""
        here = self.local(now)
        in_hours = self.reminders_from_hour <= here.hour < self.reminders_until_hour
        return here.weekday() in self.reminders_days and in_hours

    def reminders_day(self, now: datetime) -> date:
        """The day a reminder sent at ``now`` is dated, in the configured zone."""
        return self.local(now).date()


def finance_schedule(environ: Mapping[str, str] | None = None) -> FinanceSchedule:
    """Read the variables above; ``ConfigError`` names the one that is wrong."""
    env = os.environ if environ is None else environ
    zone = (env.get("REVHUB_REMINDERS_TIMEZONE") or "UTC").strip()
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"REVHUB_REMINDERS_TIMEZONE: {zone!r} is not a time zone (e.g. Europe/Amsterdam)") from None
    start, until = _hours(env.get("REVHUB_REMINDERS_HOURS") or "09-17")
    return FinanceSchedule(
        reminders_every=_seconds(env, "REVHUB_REMINDERS_INTERVAL_SECONDS", 900), reminders_zone=zone,
        reminders_from_hour=start, reminders_until_hour=until,
        reminders_days=_days(env.get("REVHUB_REMINDERS_DAYS") or "mon-fri"),
        figures_every=_seconds(env, "REVHUB_FIGURES_INTERVAL_SECONDS", 3600),
        journals_every=_seconds(env, "REVHUB_JOURNALS_INTERVAL_SECONDS", 21600))


def _seconds(env: Mapping[str, str], name: str, default: int) -> int:
    text = (env.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit():
        raise ConfigError(f"{name}: {text!r} is not a whole number of seconds (0 turns the job off)")
    return int(text)


def _hours(text: str) -> tuple[int, int]:
    start, _, until = text.strip().partition("-")
    if not (start.isdigit() and until.isdigit() and 0 <= int(start) < int(until) <= 24):
        raise ConfigError(f"REVHUB_REMINDERS_HOURS: {text!r} is not a window of whole hours such as 09-17")
    return int(start), int(until)


def _days(text: str) -> frozenset[int]:
    chosen: set[int] = set()
    for part in text.strip().lower().split(","):
        first, _, last = part.strip().partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ConfigError(f"REVHUB_REMINDERS_DAYS: {text!r} is not a list of days such as mon-fri or mon,wed,fri")
        a, b = DAYS.index(first), DAYS.index(last or first)
        chosen.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return frozenset(chosen)
