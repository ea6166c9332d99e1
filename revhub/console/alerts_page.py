"""The admin's Alerts page: where alerts go (secrets redacted), what was raised lately with
its suppressed counts, and a button that sends a test alert."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from revhub.alerts.channels import CHANNEL_NAMES
from revhub.alerts.settings import load_alert_settings
from revhub.alerts.trial import ChannelChoiceError, recent, send_test
from revhub.config import ConfigError
from revhub.console.access import current_actor, require_role

alerts_page = Blueprint("alerts_page", __name__)


def _db():
    from revhub.app import get_db

    return get_db()


def _page(errors: dict[str, str] | None = None, result=None, status: int = 200):
    errors = dict(errors or {})
    try:
        settings = load_alert_settings()
    except ConfigError as exc:
        settings = None
        errors.setdefault("settings", str(exc))
    return render_template("alerts.html", settings=settings.redacted() if settings else {},
                           configured=settings.channels if settings else (), channels=CHANNEL_NAMES,
                           alerts=recent(_db()), errors=errors, result=result), status


@alerts_page.get("/alerts")
@require_role("admin")
def index():
    return _page()


@alerts_page.post("/alerts/test")
@require_role("admin")
def test():
    channel = request.form.get("channel") or None
    try:
        settings = load_alert_settings()
        raised = send_test(_db(), settings, channel, actor=current_actor())
    except ConfigError as exc:
        return _page({"settings": str(exc)}, status=400)
    except ChannelChoiceError as exc:
        return _page({"channel": str(exc).split(": ", 1)[1]}, status=400)
    return _page(result=raised, status=200 if all(v == "sent" for v in raised.deliveries.values()) else 502)
