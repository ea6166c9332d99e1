"""A real SMTP server (aiosmtpd, ephemeral port) whose received mail the tests read back."""

from __future__ import annotations

import pytest

from revhub.mail.local_server import LocalSmtpServer


@pytest.fixture
def smtp_server(tmp_path, monkeypatch):
    """A local SMTP server; ``REVHUB_SMTP_*`` point at it for the test."""
    with LocalSmtpServer(tmp_path / "mailbox") as server:
        for name, value in server.environ().items():
            monkeypatch.setenv(name, value)
        yield server
