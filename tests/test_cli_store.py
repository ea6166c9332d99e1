"""The CLI on the store: the demo's store by default, one line (never a traceback) when the
store is missing or not migrated, unknown option values refused by name."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from revhub.cli import main
from revhub.config import load_config
from revhub.demo import demo_database

UPGRADE = "run `revhub db upgrade`"


def run(home, *args, url: str | None = None):
    env = {"REVHUB_HOME": str(home), "REVHUB_DATABASE_URL": url or ""}
    return CliRunner().invoke(main, list(args), env=env)


def test_the_cli_default_store_is_the_demo_store(tmp_path):
    config = load_config(env={"REVHUB_HOME": str(tmp_path)})
    assert config.database_url == f"sqlite:///{demo_database(config)}"


@pytest.mark.parametrize("command", [["conflicts", "list"], ["outbox", "list"], ["connections", "list"],
                                     ["exceptions", "list"], ["ledger", "check"]])
def test_a_missing_store_is_one_line_naming_the_upgrade(tmp_path, command):
    result = run(tmp_path, *command)
    assert result.exit_code == 1, result.output
    assert UPGRADE in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "revhub.db").exists()  # not created empty on the way


def test_a_store_that_is_not_migrated_is_one_line_naming_the_upgrade(tmp_path):
    sqlite3.connect(tmp_path / "revhub.db").close()  # an empty file: no tables
    result = run(tmp_path, "conflicts", "list")
    assert result.exit_code == 1 and "not migrated" in result.output and UPGRADE in result.output
    assert "no such table" not in result.output and result.exception is None or isinstance(
        result.exception, SystemExit)


def test_an_older_revision_is_named(tmp_path):
    url = f"sqlite:///{tmp_path / 'revhub.db'}"
    assert run(tmp_path, "db", "upgrade", "--revision", "0005_po_void", url=url).exit_code == 0
    result = run(tmp_path, "outbox", "list", url=url)
    assert result.exit_code == 1 and "0005_po_void" in result.output and UPGRADE in result.output


def test_an_unreachable_database_is_one_line(tmp_path):
    url = "postgresql+psycopg://revhub:hunter2@127.0.0.1:1/none"
    result = run(tmp_path, "conflicts", "list", url=url)
    assert result.exit_code == 1 and "cannot open the store" in result.output
    assert "hunter2" not in result.output and len(result.output.strip().splitlines()) == 1


@pytest.mark.store
def test_after_db_upgrade_the_commands_work(tmp_path, database_url):
    result = run(tmp_path, "conflicts", "list", url=database_url)
    assert result.exit_code == 0, result.output
    assert "0 open conflict(s)" in result.output


@pytest.mark.store
@pytest.mark.parametrize("args, option", [
    (["conflicts", "list", "--entity", "invoices"], "--entity"),
    (["outbox", "list", "--status", "deadd"], "--status"),
    (["outbox", "list", "--connection", "nowhere"], "--connection"),
    (["outbox", "plan", "--target", "nowhere"], "--target"),
    (["exceptions", "list", "--kind", "odd"], "--kind"),
    (["webhooks", "replay", "--provider", "paypal"], "--provider"),
])
def test_unknown_option_values_are_refused_by_name(tmp_path, database_url, args, option):
    result = run(tmp_path, *args, url=database_url)
    assert result.exit_code == 2, result.output
    assert option in result.output and "Traceback" not in result.output


def test_an_unknown_revision_is_refused_by_name(tmp_path):
    result = run(tmp_path, "db", "upgrade", "--revision", "9999_nope")
    assert result.exit_code == 2 and "--revision" in result.output and "9999_nope" in result.output
