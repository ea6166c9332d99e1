"""The scheduler carries the finance jobs at their configured intervals; 0 leaves a job out; a
setting that cannot be read stops `revhub worker` with a message naming it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from revhub.cli import main
from revhub.sync.scheduler import build_scheduler

pytestmark = pytest.mark.store


def interval(scheduler, job_id: str) -> float | None:
    job = scheduler.get_job(job_id)
    return job.trigger.interval.total_seconds() if job else None


def test_the_finance_jobs_run_at_their_configured_intervals(connections, vault, monkeypatch):
    monkeypatch.setenv("REVHUB_FIGURES_INTERVAL_SECONDS", "600")
    scheduler = build_scheduler(connections, vault)
    assert [interval(scheduler, j) for j in ("dunning:send", "figures:salesforce", "journals:xero")] == [
        900, 600, 21600]


def test_an_interval_of_0_leaves_the_job_out(connections, vault, monkeypatch):
    monkeypatch.setenv("REVHUB_REMINDERS_INTERVAL_SECONDS", "0")
    scheduler = build_scheduler(connections, vault)
    assert scheduler.get_job("dunning:send") is None and scheduler.get_job("journals:xero") is not None


def test_a_bad_setting_stops_the_worker_with_its_name(config, connections, monkeypatch):
    env = {"REVHUB_DATABASE_URL": config.database_url, "REVHUB_HOME": str(config.home),
           "REVHUB_ENCRYPTION_KEY": config.encryption_key, "REVHUB_REMINDERS_TIMEZONE": "Mars/Olympus"}
    result = CliRunner().invoke(main, ["worker"], env=env)
    assert result.exit_code == 2 and "REVHUB_REMINDERS_TIMEZONE" in result.output
    assert "Traceback" not in result.output
