"""Creating, finding and revoking portal invitations (every change audited)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from revhub.console.audit_trail import record
from revhub.portal.tokens import sign, unsign
from revhub.store import Customer, PortalInvitation, utcnow

DEFAULT_DAYS = 30


class InvitationError(ValueError):
    """An invitation that cannot be made (unknown customer, bad e-mail, bad duration)."""


def find_customer(session: Session, wanted: str) -> Customer | None:
    """A live customer by revhub id, e-mail or exact name (case-insensitive)."""
    query = select(Customer).where(Customer.deleted_at.is_(None))
    try:
        return session.scalar(query.where(Customer.id == uuid.UUID(wanted)))
    except ValueError:
        pass
    needle = wanted.strip().lower()
    rows = session.scalars(query.where(or_(func.lower(Customer.email) == needle,
                                           func.lower(Customer.name) == needle))).all()
    if len(rows) > 1:
        raise InvitationError(f"{wanted!r} names {len(rows)} customers; give the customer's id")
    return rows[0] if rows else None


def invite(session: Session, customer: Customer, *, email: str, actor: str, days: int = DEFAULT_DAYS,
           now: datetime | None = None) -> PortalInvitation:
    """A new invitation for ``customer``'s ``email``, valid ``days`` days."""
    email = email.strip()
    if "@" not in email or len(email) > 320 or " " in email:
        raise InvitationError(f"email: {email!r} is not an e-mail address")
    if not 1 <= days <= 365:
        raise InvitationError("days: an invitation lasts 1 to 365 days")
    now = now or utcnow()
    invitation = PortalInvitation(customer_id=customer.id, email=email, created_by=actor[:128], created_at=now,
                                  expires_at=now + timedelta(days=days))
    session.add(invitation)
    session.flush()
    record(session, actor=actor, source="portal", action="invite", record_id=invitation.id,
           entity="portal_invitation", details={"customer": str(customer.id), "email": email,
                                                "expires_at": invitation.expires_at.isoformat()})
    return invitation


def link(base_url: str, secret_key: str, invitation: PortalInvitation) -> str:
    """The URL the customer opens."""
    return f"{base_url.rstrip('/')}/portal/{sign(secret_key, invitation.id)}"


def revoke(session: Session, invitation: PortalInvitation, *, actor: str) -> None:
    """End ``invitation`` now (its link stops working at once)."""
    if invitation.revoked_at is not None:
        return
    invitation.revoked_at, invitation.revoked_by = utcnow(), actor[:128]
    record(session, actor=actor, source="portal", action="revoke", record_id=invitation.id,
           entity="portal_invitation", details={"customer": str(invitation.customer_id), "email": invitation.email})


def valid(session: Session, secret_key: str, token: str, *, now: datetime | None = None
          ) -> tuple[PortalInvitation | None, str]:
    """(the invitation, "") if ``token`` opens the portal, else (None, why not: "unknown", "revoked", "expired")."""
    invitation_id = unsign(secret_key, token)
    invitation = session.get(PortalInvitation, invitation_id) if invitation_id else None
    if invitation is None:
        return None, "unknown"
    if invitation.revoked_at is not None:
        return None, "revoked"
    if invitation.expires_at <= (now or utcnow()):
        return None, "expired"
    return invitation, ""
