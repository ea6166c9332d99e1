"""Alert settings from ``REVHUB_*`` environment variables: where alerts go and how often."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from revhub.config import ConfigError

SLACK_API_URL = "https://slack.com/api/"


@dataclass(frozen=True)
class AlertSettings:
    public_url: str = "http://127.0.0.1:8080"
    slack_webhook_url: str = ""
    slack_token: str = ""
    slack_channel: str = ""
    slack_api_url: str = SLACK_API_URL
    email_to: tuple[str, ...] = ()
    webhook_url: str = ""
    webhook_secret: str = ""
    # Same dedupe key inside this many seconds: one alert, the rest counted as suppressed.
    dedupe_seconds: int = 3600
    # Deliveries per channel per hour; past it an alert is logged as rate_limited, not sent.
    rate_per_hour: int = 30
    timeout_seconds: float = 10.0

    @property
    def channels(self) -> tuple[str, ...]:
        """The channels configured, in a stable order."""
        out = []
        if self.slack_webhook_url or (self.slack_token and self.slack_channel):
            out.append("slack")
        if self.email_to:
            out.append("email")
        if self.webhook_url and self.webhook_secret:
            out.append("webhook")
        return tuple(out)

    def redacted(self) -> dict[str, str]:
        """The settings fit to show an admin: secrets and secret-bearing URLs cut down."""
        return {
            "REVHUB_PUBLIC_URL": self.public_url,
            "REVHUB_ALERT_SLACK_WEBHOOK_URL": _cut_url(self.slack_webhook_url),
            "REVHUB_ALERT_SLACK_TOKEN": _cut(self.slack_token),
            "REVHUB_ALERT_SLACK_CHANNEL": self.slack_channel,
            "REVHUB_ALERT_EMAIL_TO": ", ".join(self.email_to),
            "REVHUB_ALERT_WEBHOOK_URL": self.webhook_url,
            "REVHUB_ALERT_WEBHOOK_SECRET": _cut(self.webhook_secret),
            "REVHUB_ALERT_DEDUPE_SECONDS": str(self.dedupe_seconds),
            "REVHUB_ALERT_RATE_PER_HOUR": str(self.rate_per_hour),
        }


def _cut(secret: str) -> str:
    return f"{secret[:4]}…(redacted)" if secret else ""


def _cut_url(url: str) -> str:
    # An incoming-webhook URL is itself the secret: keep the host, hide the path.
    if not url:
        return ""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}/…(redacted)"


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit() or int(raw) <= 0:
        raise ConfigError(f"{name} must be a positive whole number, got {raw!r}")
    return int(raw)


def load_alert_settings(env: Mapping[str, str] | None = None) -> AlertSettings:
    """Read the alert settings; a malformed value raises ConfigError naming the variable."""
    env = os.environ if env is None else env
    webhook_url, webhook_secret = env.get("REVHUB_ALERT_WEBHOOK_URL", ""), env.get("REVHUB_ALERT_WEBHOOK_SECRET", "")
    if webhook_url and not webhook_secret:
        raise ConfigError("REVHUB_ALERT_WEBHOOK_SECRET must be set when REVHUB_ALERT_WEBHOOK_URL is")
    token, channel = env.get("REVHUB_ALERT_SLACK_TOKEN", ""), env.get("REVHUB_ALERT_SLACK_CHANNEL", "")
    if token and not channel:
        raise ConfigError("REVHUB_ALERT_SLACK_CHANNEL must be set when REVHUB_ALERT_SLACK_TOKEN is")
    recipients = tuple(a.strip() for a in env.get("REVHUB_ALERT_EMAIL_TO", "").split(",") if a.strip())
    for address in recipients:
        if "@" not in address:
            raise ConfigError(f"REVHUB_ALERT_EMAIL_TO: {address!r} is not an e-mail address")
    public = env.get("REVHUB_PUBLIC_URL") or \
        f"http://{env.get('REVHUB_HOST', '127.0.0.1')}:{env.get('REVHUB_PORT', '8080')}"
    return AlertSettings(
        public_url=public.rstrip("/"),
        slack_webhook_url=env.get("REVHUB_ALERT_SLACK_WEBHOOK_URL", ""),
        slack_token=token, slack_channel=channel,
        slack_api_url=env.get("REVHUB_ALERT_SLACK_API_URL") or SLACK_API_URL,
        email_to=recipients, webhook_url=webhook_url, webhook_secret=webhook_secret,
        dedupe_seconds=_positive(env, "REVHUB_ALERT_DEDUPE_SECONDS", 3600),
        rate_per_hour=_positive(env, "REVHUB_ALERT_RATE_PER_HOUR", 30),
    )
