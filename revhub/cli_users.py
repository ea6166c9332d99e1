"""``revhub users`` and ``revhub tokens``: who may sign in to the console, and who may call the API.

Passwords never come from argv (they would show in ``ps`` and shell history): ``users add``
prints an invite link, or reads a password with ``--password-file`` or a hidden prompt.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

import click

from revhub.cli_support import store_of
from revhub.store.people import ROLES


def _who() -> str:
    """The operating-system account running the command, kept as the actor of its audit entries."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return "cli"


_ACTOR = _who()


def _base_url(config, given: str | None) -> str:
    return (given or os.environ.get("REVHUB_PUBLIC_URL") or f"http://{config.host}:{config.port}").rstrip("/")


def _read_password(password_file: Path | None, prompt: bool) -> str | None:
    if password_file is not None:
        text = password_file.read_text().rstrip("\r\n")
        if not text:
            raise click.BadParameter("the file is empty", param_hint="--password-file")
        return text
    if prompt:
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return None


def _run(ctx: click.Context, action):
    """Run ``action(session)`` in one write transaction; a refused change is a CLI error naming the field."""
    from revhub.console.users import UserError

    config, database, _vault = store_of(ctx)
    try:
        with database.session(write=True) as s:
            return config, action(s)
    except UserError as exc:
        ctx.fail(str(exc))
    finally:
        database.dispose()


@click.group()
def users() -> None:
    """Console users and their roles (viewer < approver < admin)."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the user may do.")
@click.option("--password-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the initial password from this file instead of sending an invite link.")
@click.option("--prompt-password", is_flag=True, help="Type the initial password (hidden) instead of an invite link.")
@click.option("--base-url", help="The console's address for the invite link (default REVHUB_PUBLIC_URL or host:port).")
@click.pass_context
def users_add(ctx, name: str, role: str, password_file: Path | None, prompt_password: bool, base_url: str | None):
    """Add NAME with ROLE; prints a one-time invite link (72 h) unless a password is given."""
    from revhub.console import users as people

    password = _read_password(password_file, prompt_password)
    config, (user_name, token) = _run(ctx, lambda s: _add(s, people, name, role, password, ctx))
    if token is None:
        click.echo(f"user {user_name} ({role}) added with the given password")
    else:
        click.echo(f"user {user_name} ({role}) added; send them this invite link (one use, 72 hours):")
        click.echo(f"  {_base_url(config, base_url)}/invite/{token}")


def _add(s, people, name, role, password, ctx):
    from revhub.config import load_config

    user = people.add(s, name, role, actor=_ACTOR, source="cli", password=password)
    token = None if password is not None else people.invite_token(load_config().secret_key, user)
    return user.name, token


@users.command("list")
@click.pass_context
def users_list(ctx) -> None:
    """Every user, their role and state."""
    from revhub.console import users as people
    from revhub.console.sessions import open_sessions

    def rows(s):
        return [(u.name, u.role, "disabled" if u.disabled else ("invited" if u.password_hash is None else "active"),
                 len(open_sessions(s, u)), u.created_at) for u in people.list_users(s)]

    _config, found = _run(ctx, rows)
    if not found:
        click.echo("no users yet: revhub users add NAME --role admin")
        return
    click.echo(f"{'NAME':24} {'ROLE':9} {'STATE':9} {'SESSIONS':>8}  CREATED")
    for name, role, state, sessions, created in found:
        click.echo(f"{name:24} {role:9} {state:9} {sessions:>8}  {created:%Y-%m-%d %H:%M} UTC")


@users.command("disable")
@click.argument("name")
@click.pass_context
def users_disable(ctx, name: str) -> None:
    """NAME may no longer sign in; their sessions and API tokens stop working now."""
    from revhub.console import users as people

    _run(ctx, lambda s: people.disable(s, name, actor=_ACTOR, source="cli"))
    click.echo(f"user {name} disabled; their sessions are revoked")


@users.command("enable")
@click.argument("name")
@click.pass_context
def users_enable(ctx, name: str) -> None:
    """Let a disabled user sign in again."""
    from revhub.console import users as people

    _run(ctx, lambda s: people.enable(s, name, actor=_ACTOR, source="cli"))
    click.echo(f"user {name} enabled")


@users.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
@click.pass_context
def users_role(ctx, name: str, role: str) -> None:
    """Give NAME another role."""
    from revhub.console import users as people

    _run(ctx, lambda s: people.set_role(s, name, role, actor=_ACTOR, source="cli"))
    click.echo(f"user {name} is now {role}")


@users.command("revoke-sessions")
@click.argument("name")
@click.pass_context
def users_revoke(ctx, name: str) -> None:
    """Sign NAME out everywhere."""
    from revhub.console import users as people

    _config, ended = _run(ctx, lambda s: people.revoke_sessions(s, people.get(s, name), actor=_ACTOR, source="cli"))
    click.echo(f"{ended} session(s) of {name} revoked")


@users.command("reset")
@click.argument("name")
@click.option("--password-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Set this password (read from the file) instead of sending a new invite link.")
@click.option("--prompt-password", is_flag=True, help="Type the new password (hidden).")
@click.option("--base-url", help="The console's address for the invite link.")
@click.pass_context
def users_reset(ctx, name: str, password_file: Path | None, prompt_password: bool, base_url: str | None) -> None:
    """Forget NAME's password and sessions; prints a new invite link unless a password is given."""
    from revhub.config import load_config
    from revhub.console import users as people

    password = _read_password(password_file, prompt_password)

    def reset(s):
        user = people.reset(s, name, actor=_ACTOR, source="cli", password=password)
        return None if password is not None else people.invite_token(load_config().secret_key, user)

    config, token = _run(ctx, reset)
    if token is None:
        click.echo(f"password of {name} set; their sessions are revoked")
    else:
        click.echo(f"password of {name} cleared and sessions revoked; new invite link (one use, 72 hours):")
        click.echo(f"  {_base_url(config, base_url)}/invite/{token}")


@click.group()
def tokens() -> None:
    """Bearer tokens for the purchase-order API, per user or per integration."""


@tokens.command("add")
@click.argument("name")
@click.option("--user", help="The user the token speaks for (default: an integration, no user).")
@click.pass_context
def tokens_add(ctx, name: str, user: str | None) -> None:
    """Create token NAME; the secret is printed once and never stored."""
    from revhub.console import tokens as api_tokens

    _config, secret = _run(ctx, lambda s: api_tokens.create(s, name, actor=_ACTOR, source="cli", user=user)[1])
    holder = f"user {user}" if user else "an integration"
    click.echo(f"token {name} for {holder}; keep it now, it is not shown again:")
    click.echo(f"  {secret}")


@tokens.command("list")
@click.pass_context
def tokens_list(ctx) -> None:
    """Every token: name, holder, prefix, last use, state (never the secret)."""
    from revhub.console import tokens as api_tokens

    def rows(s):
        return [(t.name, holder or "(integration)", t.prefix, t.last_used_at, t.revoked_at)
                for t, holder in api_tokens.list_tokens(s)]

    _config, found = _run(ctx, rows)
    click.echo(f"{'NAME':24} {'HOLDER':18} {'PREFIX':11} {'LAST USED':17} STATE")
    for name, holder, prefix, used, revoked in found:
        when = f"{used:%Y-%m-%d %H:%M}" if used else "never"
        click.echo(f"{name:24} {holder:18} {prefix:11} {when:17} {'revoked' if revoked else 'active'}")
    click.echo(f"{'REVHUB_API_TOKEN':24} {'(integration)':18} {'-':11} {'-':17} deprecated")


@tokens.command("revoke")
@click.argument("name")
@click.pass_context
def tokens_revoke(ctx, name: str) -> None:
    """Token NAME stops working now."""
    from revhub.console import tokens as api_tokens

    _run(ctx, lambda s: api_tokens.revoke(s, name, actor=_ACTOR, source="cli"))
    click.echo(f"token {name} revoked")


def demo_admin(database, config) -> str:
    """The demo's admin user (its store is new on every run), with a password kept in
    ``$REVHUB_HOME/demo_admin_password`` (0600) so it stays the same from run to run."""
    import secrets

    from revhub.config import _kept_secret
    from revhub.console import users as people

    password = _kept_secret(config.home, "demo_admin_password", lambda: secrets.token_urlsafe(18))
    with database.session(write=True) as s:
        if people.find(s, "admin") is None:
            people.add(s, "admin", "admin", actor="cli:demo", source="cli", password=password)
    return f"console sign-in: admin / {password}  (kept in {config.home / 'demo_admin_password'})"
