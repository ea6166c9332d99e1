"""An invitation e-mailed to the customer: its link, in the customer's language (nl or en),
through the same SMTP path as the reminders (``revhub.mail``).

The invitation is committed before the mail is tried, so a mail server that is down loses
nothing: the invitation stays, and ``send_invitation`` can send it again later. Every attempt
is an audit entry on the invitation (``send`` or ``send_failed``, with the address).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from jinja2 import Environment, PackageLoader, StrictUndefined

from revhub.console.audit_trail import record
from revhub.dunning.messages import format_date, language_of
from revhub.mail import MailError
from revhub.store import Customer, Database, PortalInvitation, utcnow

_env = Environment(loader=PackageLoader("revhub.portal", "mail_templates"), undefined=StrictUndefined,
                   keep_trailing_newline=True, autoescape=False)  # plain text mail: nothing is HTML


class InvitationMailError(RuntimeError):
    """The invitation was not e-mailed; the message says why and that the invitation is kept."""


@dataclass(frozen=True)
class SentInvitation:
    to: str
    subject: str
    language: str


def supplier_name() -> str:
    """Our company's name as the portal shows it (``REVHUB_SUPPLIER_NAME``)."""
    return os.environ.get("REVHUB_SUPPLIER_NAME") or "revhub Demo Ltd"


def compose_invitation(customer: Customer, invitation: PortalInvitation, url: str) -> EmailMessage:
    """The invitation's mail in ``customer``'s language."""
    language = language_of(customer)
    rendered = _env.get_template(f"{language}/invitation.txt").render(
        supplier=supplier_name(), customer=customer.name, url=url, email=invitation.email,
        expires=format_date(invitation.expires_at.date(), language))
    subject, _, body = rendered.partition("\n\n")
    message = EmailMessage()
    message["To"] = invitation.email
    message["Subject"] = subject.removeprefix("Subject: ").strip()
    message["Message-ID"] = f"<portal-invitation-{invitation.id}-{int(utcnow().timestamp())}@revhub.invalid>"
    message.set_content(body)
    message["Content-Language"] = language  # after set_content, which replaces the Content-* headers
    return message


def send_invitation(db: Database, invitation_id: uuid.UUID, url: str, deliver: Callable[[EmailMessage], None], *,
                    actor: str, now: datetime | None = None) -> SentInvitation:
    """E-mail a committed, live invitation; ``InvitationMailError`` when it cannot be sent."""
    with db.session() as s:
        invitation = s.get(PortalInvitation, invitation_id)
        if invitation is None:
            raise InvitationMailError(f"no invitation {invitation_id}")
        if invitation.revoked_at is not None or invitation.expires_at <= (now or utcnow()):
            state = "revoked" if invitation.revoked_at else "expired"
            raise InvitationMailError(f"invitation {invitation_id} is {state}; create a new one")
        message = compose_invitation(s.get(Customer, invitation.customer_id), invitation, url)
    sent = SentInvitation(to=str(message["To"]), subject=str(message["Subject"]),
                          language=str(message["Content-Language"]))
    try:
        deliver(message)
    except MailError as exc:
        _audit(db, invitation_id, actor, "send_failed", {"to": sent.to, "error": str(exc)[:500]})
        raise InvitationMailError(f"the invitation for {sent.to} was not e-mailed: {exc}; the invitation is "
                                  f"kept: send it again once the mail server is back") from None
    _audit(db, invitation_id, actor, "send", {"to": sent.to, "subject": sent.subject, "language": sent.language})
    return sent


def _audit(db: Database, invitation_id: uuid.UUID, actor: str, action: str, details: dict) -> None:
    with db.session(write=True) as s:
        record(s, actor=actor, source="portal", action=action, record_id=invitation_id,
               entity="portal_invitation", details=details)
