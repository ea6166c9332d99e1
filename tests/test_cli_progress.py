"""Progress bars with items, rate and time left on sync and the drains, and the outbox as a
table; against the sandboxes through the real CLI."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from click.testing import CliRunner
from rich.console import Console

from revhub.cli import main
from revhub.cli_progress import DrainProgress, SyncProgress
from revhub.store import OutboxMessage, utcnow
from revhub.sync.runner import RunSummary
from tests.integration.conftest import sandboxes, vault  # noqa: F401 - fixtures

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def plain(text: str) -> str:
    return ANSI.sub("", text)


def test_the_sync_bar_shows_jobs_records_rate_and_time_left():
    out = io.StringIO()
    pairs = [("stripe", "customer"), ("stripe", "invoice"), ("xero", "invoice")]
    with SyncProgress(pairs, Console(file=out, force_terminal=True, width=160)) as bar:
        for fetched in (100, 200):
            bar(RunSummary(1, "stripe", "invoice", "full", "running", fetched=fetched))
    shown = plain(out.getvalue())
    assert "stripe/invoice" in shown and "200 fetched" in shown
    assert "1/3" in shown and "records/s" in shown and "ETA" in shown


def test_a_drain_bar_grows_when_more_arrive_than_were_due():
    out = io.StringIO()
    with DrainProgress("writes", 3, Console(file=out, force_terminal=True, width=160)) as bar:
        bar.advance(2)
        bar.advance(2)
        assert bar.progress.tasks[0].total == 4
    assert "4/4" in plain(out.getvalue())


def test_no_bar_when_standard_error_is_not_a_terminal():
    out = io.StringIO()
    with DrainProgress("writes", 3, Console(file=out)) as bar:
        bar.advance(3)
    assert out.getvalue() == ""


@pytest.fixture
def revhub(config, database_url):
    env = {"REVHUB_HOME": str(config.home), "REVHUB_DATABASE_URL": database_url,
           "REVHUB_ENCRYPTION_KEY": config.encryption_key, "FORCE_COLOR": "1", "COLUMNS": "160"}
    return lambda *args: CliRunner().invoke(main, list(args), env=env)


@pytest.mark.store
def test_sync_and_outbox_drain_draw_bars_on_a_terminal(revhub, sandboxes):  # noqa: F811
    sandboxes("stripe", "xero", companies=2)
    synced = revhub("sync", "--connection", "stripe")
    assert synced.exit_code == 0, synced.output + synced.stderr
    bar = plain(synced.stderr)
    assert "records/s" in bar and "ETA" in bar and "fetched" in bar
    assert "connection" in synced.stdout and "customer" in synced.stdout  # the summary stays on stdout
    listed = revhub("outbox", "list", "--connection", "xero")
    assert listed.exit_code == 0 and re.search(r"(\d+) message\(s\) pending", listed.stdout), listed.stdout
    due = int(re.search(r"(\d+) message\(s\)", listed.stdout).group(1))
    assert due > 0
    drained = revhub("outbox", "drain", "--connection", "xero")
    assert drained.exit_code == 0, drained.output + drained.stderr
    assert f"/{due}" in plain(drained.stderr) and "writes/s" in plain(drained.stderr)
    assert "sent" in drained.stdout
    assert "0 message(s)" in revhub("outbox", "list", "--connection", "xero").stdout


@pytest.mark.store
def test_outbox_list_filters_by_status_and_connection(revhub, connections):
    now = utcnow()
    with connections.session(write=True) as s:
        for i, (target, status, error) in enumerate([("xero", "dead", "ValidationException: Account code '999'"),
                                                     ("xero", "pending", None), ("stripe", "dead", "boom\nmore"),
                                                     ("stripe", "sent", None)]):
            s.add(OutboxMessage(target_system=target, entity="invoice", record_id=__import__("uuid").uuid4(),
                                record_version=1, operation="upsert", payload={}, idempotency_key=f"k{i}",
                                status=status, attempts=3 if status == "dead" else 0, last_error=error,
                                created_at=now - timedelta(hours=2)))
    dead = revhub("outbox", "list", "--status", "dead")
    assert dead.exit_code == 0, dead.output
    rows = [line for line in dead.stdout.splitlines()[1:-1]]
    assert len(rows) == 2 and all(" dead " in row for row in rows)
    assert "Account code '999'" in dead.stdout and "more" not in dead.stdout and "2h" in dead.stdout
    xero = revhub("outbox", "list", "--connection", "xero")
    assert "2 message(s)" in xero.stdout and "stripe" not in xero.stdout.split("\n", 1)[1]
    assert "4 message(s)" not in revhub("outbox", "list").stdout  # sent ones are not shown by default
