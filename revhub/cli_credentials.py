"""Credentials given to the CLI without putting them in ``ps`` or shell history.

``--credential NAME=@PATH`` reads the value from a file (its trailing newline dropped),
``--credential NAME=-`` asks for it at a hidden prompt, ``--credentials-file PATH`` reads a
JSON object of them. ``NAME=VALUE`` still works, with a warning when NAME holds a secret.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from revhub.redaction import is_secret_name


def _from_file(name: str, path: str, option: str) -> str:
    try:
        value = Path(path).expanduser().read_text().rstrip("\r\n")
    except OSError as exc:
        raise click.BadParameter(f"{name}: cannot read {path}: {exc.strerror}", param_hint=option) from None
    if not value:
        raise click.BadParameter(f"{name}: {path} is empty", param_hint=option)
    return value


def credential_pairs(values: tuple[str, ...], option: str = "--credential") -> dict[str, str]:
    """NAME=VALUE, NAME=@PATH or NAME=- items as a dict; warns on stderr for a secret given inline."""
    out: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"{item.split('=')[0]!r} must look like NAME=VALUE, NAME=@FILE or NAME=-",
                                     param_hint=option)
        if value == "-":
            value = click.prompt(f"{name}", hide_input=True, err=True)
        elif value.startswith("@"):
            value = _from_file(name, value[1:], option)
        elif is_secret_name(name):
            click.echo(f"warning: {option} {name}=… puts a secret in the process list and your shell history; "
                       f"use {name}=@FILE or {name}=- (a hidden prompt) instead", err=True)
        out[name] = value
    return out


def credentials_file(path: str | None) -> dict[str, Any]:
    """The JSON object of credentials in ``path`` (none when no file is given)."""
    from revhub.web_json import parse_json  # Flask's Request type: only when JSON is read

    if path is None:
        return {}
    try:
        data = parse_json(Path(path).expanduser().read_bytes())
    except OSError as exc:
        raise click.BadParameter(f"cannot read {path}: {exc.strerror}", param_hint="--credentials-file") from None
    except ValueError as exc:
        raise click.BadParameter(f"{path} is not JSON ({exc})", param_hint="--credentials-file") from None
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise click.BadParameter(f"{path} must hold a JSON object of NAME: VALUE", param_hint="--credentials-file")
    return data
