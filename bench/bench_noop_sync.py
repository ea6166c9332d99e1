"""A ``revhub sync`` that finds nothing to do: CPU of the whole command, start-up included.

    .venv/bin/python bench/bench_noop_sync.py [--companies 50] [--rounds 5]

A Stripe sandbox (in this process) holds a small data set; a first ``revhub sync`` reads it
all, then each round runs ``revhub sync`` again as a new process and takes that child's
CPU (user + system, from ``wait4``) — start-up, imports, the store and the API calls that
find no new events. Target (issue 16): ≤ 0.3 s. Also printed: the CPU of ``python -c pass``
and of importing ``revhub.cli`` alone, measured in the same rounds, so the figures compare.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from revhub.config import load_config  # noqa: E402
from revhub.connections import Vault, save_connection  # noqa: E402
from revhub.sandbox.dataset import generate  # noqa: E402
from revhub.sandbox.server import SandboxServer  # noqa: E402
from revhub.sandbox.stripe import StripeSandbox  # noqa: E402
from revhub.store import Database  # noqa: E402
from revhub.store.migrate import upgrade  # noqa: E402


def child_cpu(argv: list[str], env: dict[str, str]) -> float:
    """CPU seconds (user + system) of one child process, which must succeed."""
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 0, (argv, proc.returncode, proc.stderr.read().decode()[-2000:])
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--companies", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--py-spy", metavar="FILE", help="also record a no-op sync with py-spy (raw) into FILE")
    args = parser.parse_args()

    sandbox = StripeSandbox()
    sandbox.load_dataset(generate(args.companies, seed=5))
    server = SandboxServer(sandbox).start()
    home = Path(tempfile.mkdtemp(prefix="revhub-bench-noop-"))
    # Installed code runs from compiled bytecode; without this every child would recompile revhub.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env = {**env, "REVHUB_HOME": str(home), "REVHUB_DATABASE_URL": f"sqlite:///{home}/bench.db"}
    config = load_config(env)
    env["REVHUB_ENCRYPTION_KEY"] = config.encryption_key
    db = Database(config.database_url)
    upgrade(db.engine)
    with db.session(write=True) as s:
        save_connection(s, Vault(config.encryption_key), name="stripe", provider="stripe",
                        credentials={"api_key": sandbox.api_key}, settings={"base_url": server.url})
    revhub = [str(Path(sys.executable).parent / "revhub"), "sync"]
    try:
        first = child_cpu(revhub, env)
        figures: dict[str, list[float]] = {"python -c pass": [], "import revhub.cli": [], "revhub sync (no-op)": []}
        for _ in range(args.rounds):  # alternated, so load on the machine falls on all three alike
            figures["python -c pass"].append(child_cpu([sys.executable, "-c", "pass"], env))
            figures["import revhub.cli"].append(child_cpu([sys.executable, "-c", "import revhub.cli"], env))
            figures["revhub sync (no-op)"].append(child_cpu(revhub, env))
        if args.py_spy:
            spy = str(Path(sys.executable).parent / "py-spy")
            subprocess.run([spy, "record", "-r", "1000", "--format", "raw", "-o", args.py_spy, "--", *revhub],
                           env=env, check=True, capture_output=True)
    finally:
        server.stop()
    print(f"no-op sync bench: first (full) sync {first:.2f} s CPU; medians of {args.rounds} alternating rounds:")
    noop = statistics.median(figures["revhub sync (no-op)"])
    for label, values in figures.items():
        median = statistics.median(values)
        print(f"  {label:22} {median:.3f} s CPU ({median / noop:.0%} of the no-op sync)")


if __name__ == "__main__":
    main()
