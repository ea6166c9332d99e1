"""Alerts: dead letters, failed runs, new conflicts and exceptions, token expiry and the books
check, sent to Slack, e-mail or a signed webhook, deduplicated and rate-limited.

``raise_alert(db, alert)`` sends one alert now; ``check(db, vault)`` is the periodic look at
the store that the worker's scheduler runs.
"""

from __future__ import annotations

from revhub.alerts.check import books_alert, check
from revhub.alerts.dispatch import Raised, raise_alert
from revhub.alerts.events import Alert
from revhub.alerts.settings import AlertSettings, load_alert_settings

__all__ = ["Alert", "AlertSettings", "Raised", "books_alert", "check", "load_alert_settings", "raise_alert"]
