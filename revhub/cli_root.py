"""The root of the ``revhub`` command line: subcommands imported when used, and a process
that starts and exits without the garbage collector walking everything start-up built."""

from __future__ import annotations

import atexit
import gc
import importlib

import click


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when that subcommand is looked up
    (invoked, or listed by ``--help``); the commands and their help are the modules' own."""

    def __init__(self, *args, lazy: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, _, attribute = self.lazy[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)


_starting: list[bool] = []


def _start_up() -> None:
    """The collector rests while a command's process starts, and skips the exit's collection.

    Start-up builds some 100,000 objects that live as long as the process (modules, classes,
    SQLAlchemy mappers and compiled statements); collecting while they are made walks them
    over and over, and the collections of interpreter shutdown walk them all again only to free
    memory the operating system takes back anyway: about 0.3 s of CPU in a 0.8 s no-op
    ``revhub sync`` (bench/PROFILE.md). Open connections are closed before exit by their
    commands (cli_support.store_of), not by the collector."""
    gc.disable()
    _starting.append(True)
    atexit.register(gc.freeze)  # runs before the modules are torn down and collected


def started() -> None:
    """Start-up is over: what it built is set aside from later collections, which resume."""
    if _starting:
        _starting.clear()
        gc.freeze()
        gc.enable()


class RevhubGroup(LazyGroup):
    """The root group: lazy subcommands, and when run as this process's own command line (no
    ``args`` given: the ``revhub`` script, ``python -m revhub``), a cheaper start and exit.
    Commands in ``ends_own_start_up`` call :func:`started` themselves once their imports and
    store checks are done; for the others start-up ends when they are looked up."""

    def __init__(self, *args, ends_own_start_up: set[str] = frozenset(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ends_own_start_up = set(ends_own_start_up)

    def main(self, args=None, *rest, **kwargs):
        if args is None:
            _start_up()
        return super().main(args, *rest, **kwargs)

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name, command, rest = super().resolve_command(ctx, args)
        if command is None or command.name not in self.ends_own_start_up:
            started()
        return name, command, rest
