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
@click.option("--email", help="Who the link is for, e-mailed to them (default: the customer's billing e-mail, "
                              "printed only).")
@click.option("--send/--no-send", default=None, help="E-mail the link through REVHUB_SMTP_* (default: when --email "
                                                     "is given).")
@click.option("--days", type=click.IntRange(1, 365), default=30, show_default=True, help="How long the link works.")
@click.option("--base-url", help="The public address of revhub (default REVHUB_PUBLIC_URL or host:port).")
@click.pass_context
def invite_command(ctx, customer: str, email: str | None, send: bool | None, days: int, base_url: str | None) -> None:
    """Make a portal link for CUSTOMER (its revhub id, billing e-mail or exact name); print it, and
    e-mail it in the customer's language when --email is given."""
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
            shown = link(_public_url(config, base_url), config.secret_key, invitation)
            expires, invitation_id = invitation.expires_at.isoformat(timespec="minutes"), invitation.id
        click.echo(f"portal invitation {invitation_id} for {found.name} <{to}>, valid until {expires}:")
        click.echo(f"  {shown}")
        if send if send is not None else bool(email):
            _mail(ctx, database, invitation_id, shown)
    except InvitationError as exc:
        field, _, message = str(exc).partition(": ")
        raise click.BadParameter(message or str(exc), param_hint=f"--{field}" if message else None) from None
    finally:
        database.dispose()


@portal.command("send")
@click.argument("invitation_id")
@click.option("--base-url", help="The public address of revhub (default REVHUB_PUBLIC_URL or host:port).")
@click.pass_context
def send_command(ctx, invitation_id: str, base_url: str | None) -> None:
    """E-mail an existing, live invitation again (e.g. after the mail server was down)."""
    import uuid

    from revhub.portal.invitations import link
    from revhub.store import PortalInvitation

    config, database, _vault = store_of(ctx)
    try:
        with database.session() as s:
            try:
                invitation = s.get(PortalInvitation, uuid.UUID(invitation_id))
            except ValueError:
                invitation = None
            if invitation is None:
                raise click.BadParameter(f"no invitation {invitation_id!r}", param_hint="INVITATION_ID")
            shown, found_id = link(_public_url(config, base_url), config.secret_key, invitation), invitation.id
        _mail(ctx, database, found_id, shown)
    finally:
        database.dispose()


def _public_url(config, base_url: str | None) -> str:
    return base_url or os.environ.get("REVHUB_PUBLIC_URL") or f"http://{config.host}:{config.port}"


def _mail(ctx, database, invitation_id, url: str) -> None:
    """E-mail the invitation; a failure says so and exits 1, the invitation is kept."""
    from revhub.config import ConfigError
    from revhub.mail import SmtpSender, smtp_settings
    from revhub.portal.invitation_mail import InvitationMailError, send_invitation

    keep = f"the invitation is kept: send it later with `revhub portal send {invitation_id}`"
    try:
        sender = SmtpSender(smtp_settings())
        sent = send_invitation(database, invitation_id, url, sender.send, actor=f"cli:{getpass.getuser()}")
    except ConfigError as exc:
        click.echo(f"not e-mailed: {exc}; {keep}", err=True)
        ctx.exit(1)
    except InvitationMailError as exc:
        click.echo(f"not e-mailed: {exc} (`revhub portal send {invitation_id}`)", err=True)
        ctx.exit(1)
    click.echo(f"e-mailed to {sent.to} ({sent.language}): {sent.subject}")


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
