"""``revhub portal``: invitation links to the customer PO portal."""

from __future__ import annotations

import getpass
import os

import click

from revhub.cli_support import store_of


@click.group()
def portal() -> None:
    """The customer PO portal: invitation links (signed, expiring, revocable)."""


@portal.command("invite")
@click.argument("customer")
@click.option("--email", help="Who the link is for (default: the customer's billing e-mail).")
@click.option("--days", type=click.IntRange(1, 365), default=30, show_default=True, help="How long the link works.")
@click.option("--base-url", help="The public address of revhub (default REVHUB_PUBLIC_URL or host:port).")
@click.pass_context
def invite_command(ctx, customer: str, email: str | None, days: int, base_url: str | None) -> None:
    """Print a portal link for CUSTOMER (its revhub id, billing e-mail or exact name)."""
    from revhub.portal.invitations import InvitationError, find_customer, invite, link

    config, database, _vault = store_of(ctx)
    try:
        with database.session(write=True) as s:
            found = find_customer(s, customer)
            if found is None:
                raise click.BadParameter(f"no customer has the id, e-mail or name {customer!r}",
                                         param_hint="CUSTOMER")
            to = email or found.email
            if not to:
                raise click.BadParameter(f"customer {found.name!r} has no e-mail on file; give one",
                                         param_hint="--email")
            invitation = invite(s, found, email=to, actor=f"cli:{getpass.getuser()}", days=days)
            url = base_url or os.environ.get("REVHUB_PUBLIC_URL") or f"http://{config.host}:{config.port}"
            shown = link(url, config.secret_key, invitation)
            expires = invitation.expires_at.isoformat(timespec="minutes")
    except InvitationError as exc:
        field, _, message = str(exc).partition(": ")
        raise click.BadParameter(message or str(exc), param_hint=f"--{field}" if message else None) from None
    finally:
        database.dispose()
    click.echo(f"portal invitation for {found.name} <{to}>, valid until {expires}:")
    click.echo(f"  {shown}")


@portal.command("push-documents")
@click.pass_context
def push_documents_command(ctx) -> None:
    """Attach PO documents to their invoices/POs in the connected systems (once each)."""
    from revhub.documents import DocumentSettings, store_for
    from revhub.documents.remote import push_documents

    config, database, vault = store_of(ctx)
    try:
        outcomes = push_documents(database, vault, store_for(DocumentSettings.of(config)))
    finally:
        database.dispose()
    for outcome in outcomes:
        click.echo(f"{outcome.status:6} document {outcome.document_id} → {outcome.system}: {outcome.detail}")
    failed = sum(o.status == "failed" for o in outcomes)
    click.echo(f"{len(outcomes) - failed} written, {failed} failed")
    if failed:
        ctx.exit(1)
