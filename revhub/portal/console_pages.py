"""Console pages of the portal: invitations (admins) and PO document downloads (signed-in users)."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from revhub.console.access import current_actor, require_role
from revhub.portal.invitations import InvitationError, find_customer, invite, link, revoke
from revhub.store import Customer, PortalInvitation, PurchaseOrderDocument, utcnow

portal_admin = Blueprint("portal_admin", __name__)


def _db():
    return current_app.extensions["revhub.db"]


def _rows(session):
    rows = session.execute(select(PortalInvitation, Customer.name).join(Customer, Customer.id ==
                                                                       PortalInvitation.customer_id)
                           .order_by(PortalInvitation.created_at.desc()).limit(200)).all()
    return [(inv, name) for inv, name in rows]


@portal_admin.get("/portal-invites")
@require_role("admin")
def invites():
    with _db().session() as s:
        return render_template("portal_invites.html", rows=_rows(s), now=utcnow(), errors={},
                               values={}, new_link=None)


def _mail(invitation_id: uuid.UUID, url: str) -> tuple[str, bool]:
    """E-mail the invitation: (what to tell the admin, whether it left). It is kept either way."""
    from revhub.config import ConfigError
    from revhub.mail import SmtpSender, smtp_settings
    from revhub.portal.invitation_mail import InvitationMailError, send_invitation

    try:
        sent = send_invitation(_db(), invitation_id, url, SmtpSender(smtp_settings()).send, actor=current_actor())
    except ConfigError as exc:
        return f"Not e-mailed: {exc}. The invitation is kept; send it from the list once mail is set up.", False
    except InvitationMailError as exc:
        return f"Not e-mailed: {exc}.", False
    return f"E-mailed to {sent.to} ({sent.language}): {sent.subject}", True


@portal_admin.post("/portal-invites")
@require_role("admin")
def create_invite():
    values = {k: (request.form.get(k) or "").strip() for k in ("customer", "email", "days")}
    mail = request.form.get("send") == "on"
    values["send"] = "on" if mail else ""
    errors: dict[str, str] = {}
    with _db().session(write=True) as s:
        try:
            customer = find_customer(s, values["customer"]) if values["customer"] else None
            if customer is None:
                errors["customer"] = "no customer has that id, e-mail or name"
            days = int(values["days"] or 30) if (values["days"] or "30").isdigit() else 0
            if customer is not None:
                invitation = invite(s, customer, email=values["email"] or customer.email or "",
                                    actor=current_actor(), days=days)
                new_link = link(request.host_url, current_app.config["SECRET_KEY"], invitation)
                created = invitation.id
        except InvitationError as exc:
            field, _, message = str(exc).partition(": ")
            errors[field if field in values else "customer"] = message or str(exc)
        if errors:
            return render_template("portal_invites.html", rows=_rows(s), now=utcnow(), errors=errors,
                                   values=values, new_link=None), 422
    # The invitation is committed before the mail is tried: a mail server that is down loses nothing.
    notice, _ = _mail(created, new_link) if mail else (None, False)
    with _db().session() as s:
        return render_template("portal_invites.html", rows=_rows(s), now=utcnow(), errors={}, values={},
                               new_link=new_link, mail_notice=notice)


def _invitation_or_404(s, invitation_id: str) -> PortalInvitation:
    """The invitation the URL names; 404 for an unknown or malformed id."""
    try:
        invitation = s.get(PortalInvitation, uuid.UUID(invitation_id))
    except ValueError:
        invitation = None
    if invitation is None:
        abort(404)
    return invitation


@portal_admin.post("/portal-invites/<invitation_id>/send")
@require_role("admin")
def send_invite(invitation_id: str):
    with _db().session() as s:
        invitation = _invitation_or_404(s, invitation_id)
        url, found = link(request.host_url, current_app.config["SECRET_KEY"], invitation), invitation.id
    notice, _ = _mail(found, url)
    flash(notice)
    return redirect(url_for("portal_admin.invites"), 303)


@portal_admin.post("/portal-invites/<invitation_id>/revoke")
@require_role("admin")
def revoke_invite(invitation_id: str):
    with _db().session(write=True) as s:
        invitation = _invitation_or_404(s, invitation_id)
        revoke(s, invitation, actor=current_actor())
    flash("Invitation revoked; its link no longer opens the portal.")
    return redirect(url_for("portal_admin.invites"), 303)


@portal_admin.get("/documents/<document_id>")
@require_role("viewer")
def download(document_id: str):
    from revhub.portal.views import send_document

    with _db().session() as s:
        try:
            doc = s.get(PurchaseOrderDocument, uuid.UUID(document_id))
        except ValueError:
            doc = None
        if doc is None:
            abort(404)
        return send_document(doc)
