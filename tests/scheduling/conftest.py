"""The scheduled finance jobs' fixtures: a real SMTP server, real sandboxes, the hub's store."""

from __future__ import annotations

import pytest

from tests.dunning.conftest import smtp_server  # noqa: F401  (a fixture)
from tests.integration.conftest import hub, sandboxes, vault  # noqa: F401  (fixtures)


@pytest.fixture
def business_hours(monkeypatch):
    """Reminders may leave at any hour on any day (the worker runs on the real clock)."""
    monkeypatch.setenv("REVHUB_REMINDERS_HOURS", "00-24")
    monkeypatch.setenv("REVHUB_REMINDERS_DAYS", "mon-sun")
