"""The root ``app.py``: what `gunicorn app:app` and `flask --app app run` load from a checkout."""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys

import pytest

from tests.scaleout.support import ROOT, free_port, hub_env, wait_until_up

pytestmark = pytest.mark.store


def test_app_py_builds_the_application_from_the_environment(config, monkeypatch):
    for name, value in hub_env(config).items():
        if name.startswith("REVHUB_"):
            monkeypatch.setenv(name, value)
    monkeypatch.syspath_prepend(str(ROOT))
    sys.modules.pop("app", None)
    module = importlib.import_module("app")
    response = module.app.test_client().get("/healthz")
    assert response.status_code == 200, response.json
    assert response.json["database"] == ("postgresql" if config.database_url.startswith("postgresql") else "sqlite")


@pytest.mark.parametrize("command", [["-m", "gunicorn", "app:app", "--bind"], ["-m", "flask", "--app", "app",
                                                                                 "run", "--port"]])
def test_gunicorn_and_flask_serve_app_py_from_a_checkout(config, command, tmp_path):
    port = free_port()
    target = f"127.0.0.1:{port}" if "gunicorn" in command else str(port)
    log = open(tmp_path / "out.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, *command, target], cwd=ROOT, env=hub_env(config),
                            stdout=log, stderr=log, start_new_session=True)
    try:
        wait_until_up(proc, port)
        import requests

        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json()["status"] == "ok"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
        log.close()
