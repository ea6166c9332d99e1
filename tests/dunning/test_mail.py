"""revhub.mail: a real message through a real SMTP server, and the settings' refusals."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from revhub.config import ConfigError
from revhub.mail import MailError, SmtpSender, SmtpSettings, send, smtp_settings


def _message(to: str = "ap@acme.test") -> EmailMessage:
    message = EmailMessage()
    message["To"] = to
    message["Subject"] = "Reminder: invoice RH-000001 is due — €1.234,50"
    message.set_content("Dear Acme,\n\nplease pay.\n")
    return message


def test_a_message_reaches_the_server_with_its_envelope(smtp_server):
    send(_message())
    [mail] = smtp_server.received()
    assert mail.rcpt_tos == ("ap@acme.test",)
    assert mail.mail_from == "revhub@localhost"
    assert mail.subject == "Reminder: invoice RH-000001 is due — €1.234,50"
    assert mail.body_text() == "Dear Acme,\n\nplease pay.\n"
    assert mail.message["Message-ID"]


def test_settings_name_the_variable_that_is_wrong():
    with pytest.raises(ConfigError, match="REVHUB_SMTP_HOST"):
        smtp_settings({})
    with pytest.raises(ConfigError, match="REVHUB_SMTP_SECURITY"):
        smtp_settings({"REVHUB_SMTP_HOST": "mail", "REVHUB_SMTP_SECURITY": "tls1"})
    with pytest.raises(ConfigError, match="REVHUB_SMTP_PORT"):
        smtp_settings({"REVHUB_SMTP_HOST": "mail", "REVHUB_SMTP_PORT": "x"})
    ssl = smtp_settings({"REVHUB_SMTP_HOST": "mail", "REVHUB_SMTP_SECURITY": "ssl",
                         "REVHUB_SMTP_PASSWORD": "s3cret", "REVHUB_SMTP_FROM": "ar@us.test"})
    assert (ssl.port, ssl.sender) == (465, "ar@us.test")
    assert "s3cret" not in repr(ssl)


def test_starttls_against_a_server_without_it_is_a_clear_error(smtp_server):
    sender = SmtpSender(SmtpSettings(host=smtp_server.host, port=smtp_server.port, security="starttls"))
    with pytest.raises(MailError, match="could not send|replied"):
        sender.send(_message())
    assert smtp_server.received() == []


def test_an_unreachable_server_is_retriable(unused_port):
    sender = SmtpSender(SmtpSettings(host="127.0.0.1", port=unused_port, security="none", timeout=2))
    with pytest.raises(MailError) as caught:
        sender.send(_message())
    assert caught.value.retriable


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
