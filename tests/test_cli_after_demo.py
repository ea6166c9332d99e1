"""After the demo has seeded and synced its store, the CLI works on it with nothing set but
REVHUB_HOME (the demo's home), in real processes."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

REVHUB = [str(Path(sys.executable).parent / "revhub")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVHUB_")}
    env.update(REVHUB_HOME=str(home), **extra)
    return env


def _wait_for_first_sync(home: Path, proc: subprocess.Popen, deadline: float) -> None:
    """Until the demo's store records a finished sync run (the console itself needs sign-in)."""
    store = home / "revhub.db"
    while time.monotonic() < deadline and proc.poll() is None:
        if store.exists():
            try:
                with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=1) as conn:
                    if conn.execute("select count(*) from sync_runs where status = 'succeeded'").fetchone()[0]:
                        return
            except sqlite3.Error:
                pass  # not migrated yet, or busy
        time.sleep(0.3)
    raise AssertionError(f"demo never synced: {proc.stdout.read1().decode() if proc.stdout else ''}")


def test_the_cli_works_on_the_demo_store_with_no_setting(tmp_path):
    port = _free_port()
    demo = subprocess.Popen([*REVHUB, "demo", "--companies", "2"], env=_env(tmp_path, REVHUB_PORT=str(port)),
                            start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait_for_first_sync(tmp_path, demo, time.monotonic() + 120)
        for command in (["conflicts", "list"], ["exceptions", "list"], ["outbox", "list", "--status", "dead"],
                        ["connections", "list"], ["db", "check"]):
            done = subprocess.run([*REVHUB, *command], env=_env(tmp_path), capture_output=True, text=True,
                                  timeout=60)
            assert done.returncode == 0, (command, done.stdout, done.stderr)
            assert "Traceback" not in done.stderr and "no such table" not in done.stderr
        listed = subprocess.run([*REVHUB, "connections", "list"], env=_env(tmp_path), capture_output=True,
                                text=True, timeout=60).stdout
        assert {"stripe", "xero", "salesforce"} <= {line.split()[0] for line in listed.splitlines()}
    finally:
        os.killpg(demo.pid, signal.SIGTERM)
        demo.wait(timeout=10)
    # The next demo replaces its own store; a store it did not make is left alone.
    (tmp_path / "revhub.db.demo").unlink()
    refused = subprocess.run([*REVHUB, "demo", "--companies", "1"], env=_env(tmp_path, REVHUB_PORT=str(port)),
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "did not make" in refused.stderr
