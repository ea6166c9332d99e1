"""`make demo`, the README's first command, serves the console on 127.0.0.1."""

import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _signed_in(port: int, password: str) -> requests.Session:
    """A session signed in as the demo's admin through the sign-in form."""
    browser = requests.Session()
    form = browser.get(f"http://127.0.0.1:{port}/login", timeout=5).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    done = browser.post(f"http://127.0.0.1:{port}/login", timeout=5, allow_redirects=False,
                        data={"csrf_token": token, "name": "admin", "password": password})
    assert done.status_code == 302, done.text[:300]
    return browser


def test_make_demo_serves_a_seeded_console_on_loopback(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVHUB_")}
    env.update(REVHUB_HOME=str(tmp_path), REVHUB_PORT=str(port))
    proc = subprocess.Popen(["make", "-s", "demo"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        page = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                page = requests.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.3)
        assert page is not None, f"demo never answered: {proc.stdout.read1().decode() if proc.stdout else ''}"
        assert page.status_code == 200 and "Sign in" in page.text  # every page needs sign-in
        browser = _signed_in(port, (tmp_path / "demo_admin_password").read_text().strip())
        page = browser.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert page.status_code == 200 and "Canonical store" in page.text
        health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).json()
        assert health["status"] == "ok" and health["database"] == "sqlite"
        assert (tmp_path / "revhub.db").exists()
        # The first sync of the seeded sandboxes fills the console.
        while time.monotonic() < deadline:
            page = browser.get(f"http://127.0.0.1:{port}/", timeout=5).text
            if '<td>Customers</td><td class="num">0</td>' not in page and "succeeded" in page:
                break
            time.sleep(1)
        assert '<td>Customers</td><td class="num">0</td>' not in page
        assert "Recent sync runs" in page and "succeeded" in page
        # The demo's own activity (write-backs, the webhooks they echo) settles: no delivery
        # is left failing and retried, as a Salesforce PO paid in Stripe once left 75.
        with sqlite3.connect(tmp_path / "revhub.db") as store:
            while time.monotonic() < deadline + 60:
                total, unsettled = store.execute(
                    "SELECT count(*), count(*) FILTER (WHERE status != 'processed') FROM inbox_events").fetchone()
                if total and not unsettled:
                    break
                time.sleep(1)
        assert total and unsettled == 0, f"{unsettled} of {total} webhook deliveries not processed"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    log = proc.stdout.read().decode()
    assert " ERROR " not in log and "Traceback" not in log, log[-3000:]
