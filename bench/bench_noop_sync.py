"""A ``revhub sync`` that finds nothing to do: CPU of the whole command, start-up included.

    .venv/bin/python bench/bench_noop_sync.py [--companies 30] [--rounds 5] [--baseline DIR]

The Stripe, Xero and Salesforce sandboxes (in this process) hold a small data set; a first
``revhub sync`` reads it all, then each round runs ``revhub sync --connection NAME`` for each
as a new process and takes that child's CPU (user + system, from ``wait4``: start-up,
imports, the store, the API calls that find nothing new, and interpreter exit). Target
(issue 16): ≤ 0.3 s. Measured in the same alternating rounds, so the figures compare:
``python -c pass``; importing ``revhub.cli``; importing only what a Stripe sync cannot do
without (click, the SQLAlchemy ORM with the store's models, the connector with
stripe-python): the floor of this design. ``--baseline DIR`` (a checkout of an older commit,
e.g. ``git worktree add /tmp/base 0015base``) runs the same syncs with that code too
(``PYTHONPATH=DIR``), for before/after ratios in one run. Last, the same no-op syncs in a
process that has started already (a ``revhub worker``'s scheduled runs).
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
from revhub.connections import Vault  # noqa: E402
from revhub.sandbox.dataset import generate  # noqa: E402
from revhub.sandbox.launch import SandboxSet  # noqa: E402
from revhub.store import Database  # noqa: E402
from revhub.store.migrate import upgrade  # noqa: E402

PROVIDERS = ("stripe", "xero", "salesforce")
TARGET_S = 0.3
# With the collector treated as revhub/cli_root.py treats it, so that only the imports are left.
FLOOR = ("import atexit, gc; gc.disable(); atexit.register(gc.freeze); "
         "import click, sqlalchemy.orm, revhub.store, revhub.connectors.stripe.connector")
# A running worker has started already: the same no-op syncs in one process, after a first one.
WARM = """
import sys, time
from revhub.config import load_config
from revhub.connections import Vault
from revhub.store import Database
from revhub.sync.jobs import plan, sync_all
config = load_config()
db, vault = Database(config.database_url), Vault(config.encryption_key)
for name in sys.argv[2:]:
    pairs = plan(db, name)
    sync_all(db, vault, pairs)
    times = []
    for _ in range(int(sys.argv[1])):
        started = time.thread_time()  # this thread: the sync runs here (its lease heartbeat aside)
        sync_all(db, vault, pairs)
        times.append(time.thread_time() - started)
    print(name, len(pairs), *times)
"""
CLI = "from revhub.cli import main; main(prog_name='revhub')"


def child_cpu(argv: list[str], env: dict[str, str]) -> float:
    """CPU seconds (user + system) of one child process, which must succeed."""
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tempfile.gettempdir())
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode == 0, (argv, proc.returncode, proc.stderr.read().decode()[-2000:])
    return usage.ru_utime + usage.ru_stime


def commands(baseline: str | None) -> dict[str, tuple[list[str], dict[str, str]]]:
    """label -> (argv, extra environment) of each measured process."""
    py = sys.executable
    revhub = str(Path(py).parent / "revhub")
    measured: dict[str, tuple[list[str], dict[str, str]]] = {
        "python -c pass": ([py, "-c", "pass"], {}),
        "import revhub.cli": ([py, "-c", "import revhub.cli"], {}),
        "floor (imports a Stripe sync needs)": ([py, "-c", FLOOR], {}),
    }
    for provider in PROVIDERS:
        measured[f"revhub sync --connection {provider}"] = ([revhub, "sync", "--connection", provider], {})
    if baseline:
        measured["baseline: import revhub.cli"] = ([py, "-c", "import revhub.cli"], {"PYTHONPATH": baseline})
        for provider in PROVIDERS:
            measured[f"baseline: sync --connection {provider}"] = (
                [py, "-c", CLI, "sync", "--connection", provider], {"PYTHONPATH": baseline})
    return measured


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--companies", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline", metavar="DIR", help="also run the syncs with the revhub code in DIR")
    parser.add_argument("--py-spy", metavar="FILE", help="also record a no-op Stripe sync with py-spy (raw) into FILE")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="revhub-bench-noop-"))
    # Installed code runs from compiled bytecode; without this every child would recompile revhub.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
    env = {**env, "REVHUB_HOME": str(home), "REVHUB_DATABASE_URL": f"sqlite:///{home}/bench.db"}
    config = load_config(env)
    env["REVHUB_ENCRYPTION_KEY"] = config.encryption_key
    db = Database(config.database_url)
    upgrade(db.engine)
    sandboxes = SandboxSet(home / "sandboxes", seed=5).start(PROVIDERS)
    sandboxes.load(generate(args.companies, seed=5))
    sandboxes.connect(db, Vault(config.encryption_key))
    measured = commands(args.baseline)
    try:
        first = {p: child_cpu(measured[f"revhub sync --connection {p}"][0], env) for p in PROVIDERS}
        figures: dict[str, list[float]] = {label: [] for label in measured}
        for _ in range(args.rounds):  # alternated, so load on the machine falls on all alike
            for label, (argv, extra) in measured.items():
                figures[label].append(child_cpu(argv, {**env, **extra}))
        if args.py_spy:
            spy = str(Path(sys.executable).parent / "py-spy")
            subprocess.run([spy, "record", "-r", "1000", "--format", "raw", "-o", args.py_spy, "--",
                            *measured["revhub sync --connection stripe"][0]], env=env, check=True, capture_output=True)
        warm = subprocess.run([sys.executable, "-c", WARM, str(args.rounds), *PROVIDERS], env=env, check=True,
                              capture_output=True, text=True).stdout.split("\n")
    finally:
        sandboxes.stop()
        db.engine.dispose()
    print("no-op sync bench: first (full) syncs " + ", ".join(f"{p} {s:.2f} s" for p, s in first.items())
          + f" CPU; medians of {args.rounds} alternating rounds (target {TARGET_S} s):")
    stripe = statistics.median(figures["revhub sync --connection stripe"])
    for label, values in figures.items():
        median = statistics.median(values)
        print(f"  {label:40} {median:.3f} s CPU (min {min(values):.3f}; {median / stripe:4.0%} of the Stripe no-op "
              f"sync; {median / TARGET_S:.1f}x the target)")
    print("  in a running worker (start-up paid once; medians, thread CPU):")
    for line in filter(None, warm):
        name, entities, *times = line.split()
        median = statistics.median(float(t) for t in times)
        print(f"    no-op sync of {name:10} ({entities} entities) {median:.3f} s CPU "
              f"({median / int(entities) * 1000:.0f} ms per entity; {median / TARGET_S:.1f}x the target)")
    if args.baseline:
        for provider in PROVIDERS:
            now = statistics.median(figures[f"revhub sync --connection {provider}"])
            before = statistics.median(figures[f"baseline: sync --connection {provider}"])
            print(f"  {provider}: now / baseline = {now / before:.2f}")


if __name__ == "__main__":
    main()
