"""`revhub reminders plan|pause|schedule` and `revhub approvals thresholds|finance-lead`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from revhub.cli import main
from revhub.console import users
from revhub.store import User
from tests.dunning.books import DUE, customer, invoice, payment

pytestmark = pytest.mark.store


@pytest.fixture
def run(config):
    env = {"REVHUB_HOME": str(config.home), "REVHUB_DATABASE_URL": config.database_url,
           "REVHUB_ENCRYPTION_KEY": config.encryption_key, "REVHUB_SMTP_HOST": ""}
    return lambda *args: CliRunner().invoke(main, list(args), env=env)


def test_the_plan_says_what_goes_out_and_why_not(connections, run):
    customer(connections)
    invoice(connections)
    invoice(connections, "in_2", number="RH-000002", customer="cus_1")
    payment(connections, "ch_2", invoice="in_2", status="pending")
    result = run("reminders", "plan", "--date", (DUE + timedelta(days=7)).isoformat())
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(ln.startswith("send") and "RH-000001" in ln and "ap@acmelabs.example" in ln and "EUR 1,234.50 due"
               in ln for ln in lines), result.output
    assert any(ln.startswith("hold") and "RH-000002" in ln and "a payment is in flight" in ln for ln in lines)
    assert "is not a date" in run("reminders", "plan", "--date", "soon").output


def test_send_without_an_smtp_server_names_the_variable(connections, run):
    result = run("reminders", "send")
    assert result.exit_code == 1 and "REVHUB_SMTP_HOST is not set" in result.output


def test_pause_and_schedule_edits_name_the_field(connections, run):
    customer(connections)
    assert "paused for Acme Labs B.V." in run("reminders", "pause", "ap@acmelabs.example").output
    assert "customer: no customer" in run("reminders", "pause", "nobody@x.test").output
    shown = run("reminders", "schedule", "--set", "NET30", "21", "reminder").output
    assert "NET30           -3 friendly, +0 due, +7 reminder, +14 reminder, +21 reminder" in shown
    assert "tone: must be one of" in run("reminders", "schedule", "--set", "NET30", "5", "angry").output
    assert "payment_terms: must be one of" in run("reminders", "schedule", "--set", "NET99", "5", "due").output


def test_thresholds_and_finance_leads(db, run):
    out = run("approvals", "thresholds", "set", "KWD", "3000", "--finance-lead-above", "30000").output
    assert "KWD  approver above 3000.000  finance lead above 30000.000  (by cli)" in out
    assert "approver_above: '1.5' is not an amount in JPY" in run("approvals", "thresholds", "set", "JPY", "1.5").output
    assert "currency: no threshold for EUR" in run("approvals", "thresholds", "remove", "EUR").output
    with db.session(write=True) as s:
        users.add(s, "fay", "approver", actor="test", source="test")
    assert run("approvals", "finance-lead", "fay").exit_code == 0
    with db.session() as s:
        assert s.scalar(select(User.finance_lead).where(User.name == "fay")) is True
    assert "user: no user 'gus'" in run("approvals", "finance-lead", "gus").output
