"""Send one ``EmailMessage`` through the configured SMTP server (smtplib).

https://docs.python.org/3/library/smtplib.html
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from revhub.mail.settings import SmtpSettings, smtp_settings


class MailError(RuntimeError):
    """The SMTP server refused the message or could not be reached; ``retriable`` says whether
    trying again later may help (4xx replies and connection failures) or not (5xx, bad login)."""

    def __init__(self, message: str, *, retriable: bool) -> None:
        super().__init__(message)
        self.retriable = retriable


class SmtpSender:
    """Sends mail through one SMTP server; a new connection per message (reminders are few)."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def send(self, message: EmailMessage) -> None:
        """Deliver ``message`` (From and Message-ID filled in when absent) or raise ``MailError``."""
        s = self.settings
        if not message["From"]:
            message["From"] = s.sender
        if not message["Message-ID"]:
            message["Message-ID"] = make_msgid(domain=s.sender.rpartition("@")[2] or "localhost")
        try:
            with self._connect() as smtp:
                if s.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if s.username:
                    smtp.login(s.username, s.password)
                smtp.send_message(message)
        except smtplib.SMTPAuthenticationError as exc:
            raise MailError(f"SMTP login to {s.host}:{s.port} refused ({exc.smtp_code})", retriable=False) from None
        except smtplib.SMTPResponseException as exc:
            raise MailError(f"SMTP server {s.host}:{s.port} replied {exc.smtp_code} {exc.smtp_error!r}",
                            retriable=400 <= exc.smtp_code < 500) from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise MailError(f"SMTP server {s.host}:{s.port} refused every recipient: {sorted(exc.recipients)}",
                            retriable=False) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(f"could not send through {s.host}:{s.port}: {exc}", retriable=True) from None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.security == "ssl":
            return smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=ssl.create_default_context())
        return smtplib.SMTP(s.host, s.port, timeout=s.timeout)


def send(message: EmailMessage) -> None:
    """Send ``message`` with the settings in ``REVHUB_SMTP_*`` (``ConfigError`` when unset)."""
    SmtpSender(smtp_settings()).send(message)
