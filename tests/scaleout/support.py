"""What the serving, metrics, logs and scale-out tests share: ``revhub serve`` and ``revhub worker``
as real subprocesses on ephemeral ports, and read-backs of the sandboxes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from revhub.sandbox.tls import trusting_session
from tests.integration.purchase_orders import xero_get

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "from revhub.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def hub_env(config, **extra: str) -> dict[str, str]:
    """The environment of a revhub process on the test's store and keys."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REVHUB_", "PROMETHEUS_"))}
    env.update(REVHUB_DATABASE_URL=config.database_url, REVHUB_HOME=str(config.home),
               REVHUB_ENCRYPTION_KEY=config.encryption_key, REVHUB_SECRET_KEY=config.secret_key,
               REVHUB_API_TOKEN=config.api_token, **extra)
    return env


def start_worker(config, *args: str, log_path: Path | None = None, **env: str) -> subprocess.Popen:
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 (closed with the process)
    return subprocess.Popen([*CLI, "worker", *args], env=hub_env(config, **env), cwd=ROOT,
                            stdout=out, stderr=out if log_path else subprocess.PIPE)


def start_server(config, port: int, *args: str, log_path: Path | None = None, **env: str) -> subprocess.Popen:
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen([*CLI, "serve", "--port", str(port), *args], env=hub_env(config, **env), cwd=ROOT,
                            stdout=out, stderr=out)
    try:
        wait_until_up(proc, port)
    except AssertionError:  # not left running (and using the store) after the test has failed
        proc.kill()
        proc.wait()
        raise
    return proc


def wait_until_up(proc: subprocess.Popen, port: int, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"server exited with {proc.returncode}"
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz/live", timeout=5).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # still booting
            time.sleep(0.1)
    raise AssertionError(f"server on port {port} never answered")


def xero_references(running) -> list[str]:
    """The Reference of every ACCREC invoice the Xero sandbox holds (a PO's number)."""
    return [i.get("Reference") for i in xero_get(running, "Invoices")["Invoices"] if i.get("Type") == "ACCREC"]


def salesforce_po_numbers(running) -> list[str]:
    """PO_Number__c of every Purchase_Order__c, read with SOQL as a Salesforce client would."""
    sf = running["salesforce"]
    session = trusting_session(sf.settings["ca_bundle"])
    response = session.get(f"{sf.url}/services/data/v62.0/query",
                           params={"q": "SELECT Id, PO_Number__c FROM Purchase_Order__c"},
                           headers={"Authorization": f"Bearer {sf.sandbox.sessions.static_token}"})
    assert response.status_code == 200, response.text
    return [r["PO_Number__c"] for r in response.json()["records"]]
