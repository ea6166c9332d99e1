"""Alerts by e-mail, through the same SMTP path as the dunning reminders (revhub.mail)."""

from __future__ import annotations

from email.message import EmailMessage

from revhub.alerts.channels import AlertDeliveryError
from revhub.alerts.events import Notice


def message_for(notice: Notice, recipients: tuple[str, ...]) -> EmailMessage:
    """The e-mail of one alert: a plain-text body that ends with the resolving link."""
    message = EmailMessage()
    message["Subject"] = f"[revhub {notice.alert.severity}] {notice.alert.title}"
    message["To"] = ", ".join(recipients)
    message["X-Revhub-Alert"] = notice.alert.dedupe_key
    message.set_content(notice.summary + "\n")
    return message


class EmailChannel:
    name = "email"

    def __init__(self, recipients: tuple[str, ...]) -> None:
        self.recipients = recipients

    def send(self, notice: Notice) -> None:
        from revhub.config import ConfigError
        from revhub.mail import MailError, send

        try:
            send(message_for(notice, self.recipients))
        except (MailError, ConfigError) as exc:  # ConfigError: REVHUB_SMTP_* not set
            raise AlertDeliveryError(f"alert e-mail to {', '.join(self.recipients)} failed: {exc}") from exc
