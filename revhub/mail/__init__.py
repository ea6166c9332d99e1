"""Outgoing e-mail: one SMTP sender configured from ``REVHUB_SMTP_*`` (see ``settings``)."""

from revhub.mail.sender import MailError, SmtpSender, send
from revhub.mail.settings import SmtpSettings, smtp_settings

__all__ = ["MailError", "SmtpSender", "SmtpSettings", "send", "smtp_settings"]
