"""A reminder is never sent twice: not by a rerun, not by a second sender, not after a kill -9
of `revhub reminders send` between the SMTP server accepting the mail and the row saying so."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from revhub.dunning.planner import plan
from revhub.dunning.sender import claim, recover, resolve
from revhub.mail import mailbox
from revhub.mail.local_server import MaildirHandler, _EphemeralController
from revhub.store import Reminder, utcnow
from tests.dunning.books import DUE, customer, invoice

pytestmark = pytest.mark.store
DAY = DUE + timedelta(days=7)


@pytest.fixture
def books(connections):
    customer(connections)
    invoice(connections)
    return connections


class GatedHandler(MaildirHandler):
    """Keeps the mail, then holds back the "250 OK" until the test opens the gate."""

    def __init__(self, directory) -> None:
        super().__init__(directory)
        self.gate = threading.Event()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802
        reply = await super().handle_DATA(server, session, envelope)
        await asyncio.get_running_loop().run_in_executor(None, self.gate.wait, 30)
        return reply


@pytest.fixture
def gated_smtp(tmp_path):
    handler = GatedHandler(tmp_path / "mailbox")
    controller = _EphemeralController(handler, hostname="127.0.0.1", port=0)
    controller.start()
    yield handler, controller
    handler.gate.set()
    controller.stop()


def revhub(config, controller, *args: str) -> subprocess.Popen:
    env = {**os.environ, "REVHUB_DATABASE_URL": config.database_url, "REVHUB_HOME": str(config.home),
           "REVHUB_ENCRYPTION_KEY": config.encryption_key, "REVHUB_SECRET_KEY": config.secret_key,
           "REVHUB_SMTP_HOST": "127.0.0.1", "REVHUB_SMTP_PORT": str(controller.port), "REVHUB_SMTP_SECURITY": "none",
           "REVHUB_SMTP_TIMEOUT": "60"}
    return subprocess.Popen([sys.executable, "-c", "from revhub.cli import main; main()", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def statuses(db) -> list[str]:
    with db.session() as s:
        return list(s.scalars(select(Reminder.status)))


def test_a_kill_9_mid_send_never_sends_the_reminder_twice(books, config, gated_smtp):
    handler, controller = gated_smtp
    first = revhub(config, controller, "reminders", "send", "--date", DAY.isoformat())
    deadline = time.monotonic() + 30
    while not mailbox.read(handler.directory):  # the server has the mail; its reply is held back
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "the mail never reached the server"
        time.sleep(0.01)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    handler.gate.set()
    assert statuses(books) == ["sending"]  # claimed before sending; the confirmation never came

    rerun = revhub(config, controller, "reminders", "send", "--date", DAY.isoformat())
    out, err = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, err
    assert "0 sent" in out and len(mailbox.read(handler.directory)) == 1

    # Past the timeout the interrupted send is "uncertain": shown in the plan, never re-sent blindly.
    assert recover(books, utcnow() + timedelta(minutes=16)) == [f"invoice:{_invoice_id(books)}:d+7"]
    with books.session() as s:
        [item] = plan(s, DAY)
    assert item.action == "uncertain"
    again = revhub(config, controller, "reminders", "send", "--date", DAY.isoformat())
    out, err = again.communicate(timeout=60)
    assert again.returncode == 0 and "0 sent" in out, err
    assert len(mailbox.read(handler.directory)) == 1

    assert resolve(books, item.key, sent=True, actor="test") == "sent" and statuses(books) == ["sent"]


def test_two_senders_cannot_both_claim_a_reminder(books):
    from revhub.dunning.messages import compose

    with books.session() as s:
        [item] = plan(s, DAY)
    message = compose(item.facts, item.tone)
    assert claim(books, item, message) is not None
    assert claim(books, item, message) is None


def _invoice_id(db):
    with db.session() as s:
        return s.scalar(select(Reminder.invoice_id))
