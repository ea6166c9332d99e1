"""The CLI imports only what a command needs (issue 16: a no-op sync within its CPU budget).

Each check runs a fresh interpreter and reads its ``sys.modules``: what a scheduled
``revhub sync`` or a ``--help`` must not pay for is named here, so a module-level import
that drags it back in fails this test rather than a benchmark nobody runs.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Never needed to start the CLI, to show help, or for a sync.
NOT_AT_START = ("flask", "werkzeug", "jinja2", "starlette", "gunicorn", "apscheduler", "alembic", "rich",
                "sqlalchemy", "stripe", "xero_python", "simple_salesforce", "hubspot", "quickbooks",
                "requests", "prometheus_client", "revhub.console", "revhub.app", "revhub.alerts",
                "revhub.mail", "revhub.store", "revhub.sandbox")
# A sync of one Stripe connection, with standard error not a terminal (cron, a pipe).
NOT_IN_STRIPE_SYNC = ("flask", "werkzeug", "jinja2", "starlette", "gunicorn", "apscheduler", "alembic", "rich",
                      "xero_python", "simple_salesforce", "hubspot", "quickbooks",
                      "revhub.console", "revhub.app", "revhub.alerts", "revhub.mail", "revhub.sandbox",
                      "revhub.connectors.xero", "revhub.connectors.salesforce", "revhub.connectors.hubspot",
                      "revhub.connectors.quickbooks", "revhub.webhooks", "revhub.ledger", "revhub.recon",
                      "revhub.dunning", "revhub.portal", "revhub.orders")

# Runs the CLI as the process's own command line, then prints the modules it imported and
# whether the garbage collector runs (even when the command exits).
PROBE = """
import atexit, gc, json, sys
atexit.register(lambda: print("\\nMODULES " + json.dumps([gc.isenabled(), sorted(sys.modules)])))
from revhub.cli import main
main(prog_name="revhub")
"""


def imported(args: list[str], env: dict[str, str] | None = None) -> tuple[set[str], str]:
    modules, out, _ = probe(args, env)
    return modules, out


def probe(args: list[str], env: dict[str, str] | None = None) -> tuple[set[str], str, bool]:
    """(modules imported, standard output, collector enabled at exit) of one CLI process."""
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env,
                          timeout=120)
    head, _, tail = proc.stdout.rpartition("MODULES ")
    assert tail, proc.stderr[-2000:]
    collecting, modules = json.loads(tail)
    return set(modules), head, collecting


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(n for n in names if any(m == n or m.startswith(n + ".") for m in modules))


@pytest.mark.parametrize("args", [["sync", "--help"], ["serve", "--help"], ["--version"]])
def test_help_and_version_import_neither_the_store_nor_any_provider(args):
    modules, out = imported(args)
    assert "Usage: revhub" in out or "version" in out
    assert loaded(modules, NOT_AT_START) == []


def test_the_command_list_imports_every_group_but_no_provider_nor_the_console():
    modules, out = imported(["--help"])
    assert "reminders" in out and "sync" in out
    # Some groups' options offer choices read from the store's models (entities, roles).
    assert loaded(modules, tuple(n for n in NOT_AT_START if n not in ("sqlalchemy", "revhub.store"))) == []


def test_importing_the_cli_imports_no_command():
    listing = "import json, sys, revhub.cli; print(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", listing], capture_output=True, text=True, check=True, timeout=120)
    assert loaded(set(json.loads(proc.stdout)), NOT_AT_START) == []


def test_a_stripe_sync_imports_stripe_and_the_store_but_no_other_provider_nor_the_console(tmp_path):
    from revhub.config import load_config
    from revhub.connections import Vault, save_connection
    from revhub.sandbox.server import SandboxServer
    from revhub.sandbox.stripe import StripeSandbox
    from revhub.store import Database
    from revhub.store.migrate import upgrade

    env = {"PATH": "/usr/bin:/bin", "REVHUB_HOME": str(tmp_path), "REVHUB_DATABASE_URL": f"sqlite:///{tmp_path}/s.db"}
    config = load_config(env)
    env["REVHUB_ENCRYPTION_KEY"] = config.encryption_key
    database = Database(config.database_url)
    upgrade(database.engine)
    sandbox = StripeSandbox()
    server = SandboxServer(sandbox).start()
    try:
        with database.session(write=True) as s:
            save_connection(s, Vault(config.encryption_key), name="stripe", provider="stripe",
                            credentials={"api_key": sandbox.api_key}, settings={"base_url": server.url})
        modules, out, collecting = probe(["sync", "--connection", "stripe"], env)
    finally:
        server.stop()
        database.engine.dispose()
    assert "stripe       customer" in out  # it did sync
    assert collecting  # the collector rests only while the process starts
    assert {"stripe", "sqlalchemy.orm", "revhub.store", "revhub.connectors.stripe"} <= modules
    assert loaded(modules, NOT_IN_STRIPE_SYNC) == []


def test_the_lazy_command_groups_are_the_modules_own_under_their_own_names():
    import importlib

    from revhub.cli import LAZY_GROUPS, main

    for name, target in LAZY_GROUPS.items():
        module, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        assert command.name == name
        assert main.get_command(None, name) is command
    assert set(LAZY_GROUPS) <= set(main.list_commands(None))


def test_a_long_running_command_collects_garbage_once_started():
    # `serve` and `worker` run for days: the collector's rest ends when they are looked up.
    _, out, collecting = probe(["serve", "--help"])
    assert "Usage: revhub serve" in out and collecting
