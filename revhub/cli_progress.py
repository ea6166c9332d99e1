"""Progress bars of the CLI (rich): items done, rate and time left, drawn on standard error
only when it is a terminal, so piped output and logs stay clean."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # rich is imported when a bar is made: a scheduled run has no terminal to draw on
    from rich.console import Console
    from rich.progress import Progress


def may_draw() -> bool:
    """False when rich would certainly find standard error no terminal (no TTY_COMPATIBLE=1, no
    FORCE_COLOR, not a tty: cron, pipes, logs), so that such a run need not import rich to learn it."""
    compatible = os.environ.get("TTY_COMPATIBLE", "")
    if compatible == "0":
        return False
    if compatible == "1" or "FORCE_COLOR" in os.environ:
        return True
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # no stream, or a closed one: rich says "no terminal" too
        return False


def terminal() -> Console:
    """The console bars are drawn on: standard error (a terminal, or FORCE_COLOR/TTY_COMPATIBLE set)."""
    from rich.console import Console

    return Console(stderr=True)


def _bar(console: Console) -> Progress:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TaskProgressColumn(), TextColumn("{task.fields[rate]}"),
                    TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                    console=console, disable=not console.is_terminal, transient=False)


def _rate(task, unit: str) -> str:
    speed = task.speed if task is not None else None
    return f"{speed:,.1f} {unit}/s" if speed else f"– {unit}/s"


class SyncProgress:
    """Jobs done of the planned (connection, entity) jobs, with the running job's records and
    rate; fed by the sync's on_page callback with each page's running summary."""

    def __init__(self, pairs: Sequence[tuple[str, str]], console: Console | None = None) -> None:
        self.pairs = list(pairs)
        self.progress = _bar(console or terminal())
        self._jobs = self.progress.add_task("jobs", total=len(self.pairs), rate="")
        self._records = self.progress.add_task("records", total=None, rate=_rate(None, "records"))
        self._current: tuple[str, str] | None = None

    def __enter__(self) -> SyncProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.update(self._jobs, completed=len(self.pairs))
        self.progress.stop()

    def __call__(self, summary) -> None:
        key = (summary.connection, summary.entity)
        if key != self._current:
            self._current = key
            done = self.pairs.index(key) if key in self.pairs else 0
            self.progress.update(self._jobs, completed=done, description=f"jobs ({key[0]}/{key[1]})")
            self.progress.reset(self._records, total=None, rate=_rate(None, "records"))
        c = summary.counts
        self.progress.update(self._records, completed=summary.fetched,
                             description=f"{summary.fetched} fetched, {c.created} created, {c.updated} updated")
        task = self.progress.tasks[self._records]
        self.progress.update(self._records, rate=_rate(task, "records"))


class DrainProgress:
    """Items handled of those due when the drain started, with rate and time left."""

    def __init__(self, what: str, total: int, console: Console | None = None) -> None:
        self.what = what
        self.progress = _bar(console or terminal())
        self._task = self.progress.add_task(what, total=total, rate=_rate(None, what))

    def __enter__(self) -> DrainProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def advance(self, done: int) -> None:
        """``done`` more items handled (a batch may hold more than were due at the start)."""
        self.progress.advance(self._task, done)
        task = self.progress.tasks[self._task]
        if task.total is not None and task.completed > task.total:
            self.progress.update(self._task, total=task.completed)
        self.progress.update(self._task, rate=_rate(task, self.what))
