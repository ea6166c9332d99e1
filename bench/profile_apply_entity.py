"""Where one entity's ``sync.apply`` spends its time in the mixed scale sync (issue 16, target 2).

    .venv/bin/py-spy record -r 250 --format raw -o /tmp/spy.txt -- \
        .venv/bin/python bench/profile_apply_entity.py --records 10000 [--set mixed] [--database-url URL]
    .venv/bin/python bench/profile_apply_entity.py --records 50000 --statements stripe/invoice

Runs one full sync in this process (the sandboxes in processes of their own, as
``bench_sync_scale.py`` does). Each page's apply runs inside a function named after its
connection and entity (``apply__stripe__invoice``), so a sampling profiler's stacks say which
entity a sample belongs to: filter the collapsed stacks on that name. ``--statements
CONNECTION/ENTITY`` also times every SQL statement issued while that entity's pages are
applied (thread CPU, which on SQLite includes the engine's own work) and prints them by cost.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_sync_scale import SETS, companies_for, start_sandboxes, worker  # noqa: E402

_NAMED: dict[str, object] = {}


def named_call(name: str):
    """A function called ``name`` that calls its first argument with the rest."""
    if name not in _NAMED:
        scope: dict[str, object] = {}
        exec(f"def {name}(call, *args, **kwargs):\n    return call(*args, **kwargs)\n", scope)
        _NAMED[name] = scope[name]
    return _NAMED[name]


class Statements:
    """CPU per distinct SQL statement while the watched entity's pages are applied."""

    def __init__(self, watched: str) -> None:
        self.watched, self.active = watched, False
        self.cpu: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.rows: dict[str, int] = defaultdict(int)

    def attach(self, engine) -> None:
        from sqlalchemy import event

        @event.listens_for(engine, "before_cursor_execute")
        def before(conn, cursor, statement, parameters, context, executemany):
            conn.info["scaleflat_started"] = time.thread_time()

        @event.listens_for(engine, "after_cursor_execute")
        def after(conn, cursor, statement, parameters, context, executemany):
            if self.active:
                key = " ".join(statement.split())[:220]
                self.cpu[key] += time.thread_time() - conn.info.pop("scaleflat_started", time.thread_time())
                self.calls[key] += 1
                self.rows[key] += len(parameters) if executemany else 1

    def report(self) -> None:
        total = sum(self.cpu.values())
        print(f"\nSQL while applying {self.watched}: {total:.2f} s thread CPU in statements")
        for key in sorted(self.cpu, key=self.cpu.get, reverse=True)[:25]:
            print(f"  {self.cpu[key]:7.3f} s {self.calls[key]:6d} calls {self.rows[key]:8d} rows  {key}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--set", choices=sorted(SETS), default="mixed")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--statements", metavar="CONNECTION/ENTITY", default=None)
    args = parser.parse_args()

    from revhub.store import db as store_db
    from revhub.sync import runner

    systems = SETS[args.set]
    seed = args.seed if args.seed is not None else args.records + int(time.time()) % 1000
    children, boxes = start_sandboxes(systems, companies_for(args.records, systems), seed)
    statements = Statements(args.statements) if args.statements else None
    if statements:
        original_init = store_db.Database.__init__

        def init(self, *a, **k):
            original_init(self, *a, **k)
            statements.attach(self.engine)

        store_db.Database.__init__ = init
    apply = runner.apply_changes

    def dispatch(session, ctx, changes, *a, **k):
        entity = changes[0].entity if changes else "none"
        watched = statements is not None and f"{ctx.system}/{entity}" == statements.watched
        if watched:
            statements.active = True
        try:
            return named_call(f"apply__{ctx.system}__{entity}")(apply, session, ctx, changes, *a, **k)
        finally:
            if watched:
                statements.active = False

    runner.apply_changes = dispatch
    try:
        result = worker(args.database_url, boxes)
    finally:
        for child in children:
            child.kill()
            child.join()
    result.pop("runs", None)
    print(json.dumps(result))
    if statements:
        statements.report()


if __name__ == "__main__":
    main()
