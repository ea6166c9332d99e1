"""`make demo`: its SMTP server keeps what it receives under REVHUB_HOME, and a seeded overdue
invoice gets its reminder there."""

from __future__ import annotations

import os

import pytest

from revhub.demo import send_reminders, start_mail_server
from revhub.mail.mailbox import mailbox_dir, read
from tests.dunning.books import customer

pytestmark = pytest.mark.store


def test_the_demo_seeds_an_overdue_invoice_and_its_reminder_lands_in_the_mailbox(connections, tmp_path,
                                                                                  monkeypatch):
    for name in ("REVHUB_SMTP_HOST", "REVHUB_SMTP_PORT", "REVHUB_SMTP_SECURITY"):
        monkeypatch.setenv(name, os.environ.get(name, ""))  # restored after the test
    customer(connections)
    server = start_mail_server(tmp_path)
    try:
        send_reminders(connections)
    finally:
        server.stop()
    [mail] = read(mailbox_dir(tmp_path))
    assert mail.subject == "Reminder: invoice DEMO-OVERDUE-1 is overdue"
    assert mail.rcpt_tos == ("ap@acmelabs.example",)
    assert "test_in_demo_overdue" in mail.body_text()
