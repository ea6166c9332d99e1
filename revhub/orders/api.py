"""The purchase-order JSON API (bearer tokens: ``revhub tokens add``; ``REVHUB_API_TOKEN`` deprecated)."""

from __future__ import annotations

import uuid

from flask import Blueprint, current_app, jsonify, request

from revhub.console.access import role_allows
from revhub.console.api_auth import authenticate_api_request, current_api_principal, mark_deprecated
from revhub.orders import service
from revhub.orders.schema import action_errors
from revhub.orders.validation import validate
from revhub.store import PurchaseOrder
from revhub.web_json import BodyError, request_json

orders_api = Blueprint("orders_api", __name__, url_prefix="/api/purchase-orders")


# Who the token speaks for: revhub.console.api_auth.current_api_principal().
orders_api.before_request(authenticate_api_request)
orders_api.after_request(mark_deprecated)


def _malformed(exc: BodyError):
    return jsonify(error=exc.message, errors=[{"field": "", "message": exc.message}]), exc.status


def _db():
    return current_app.extensions["revhub.db"]


def po_json(po: PurchaseOrder) -> dict:
    from revhub.money import to_decimal_string

    return {
        "id": str(po.id), "internal_number": po.internal_number, "po_number": po.po_number,
        "customer_id": str(po.customer_id), "status": po.status, "currency": po.currency,
        "total": to_decimal_string(po.total_minor, po.currency), "issue_date": po.issue_date.isoformat(),
        "tax": to_decimal_string(po.tax_minor or 0, po.currency), "amounts_include_tax": po.amounts_include_tax,
        "payment_terms": po.payment_terms,
        "subscription_start": po.subscription_start.isoformat() if po.subscription_start else None,
        "subscription_end": po.subscription_end.isoformat() if po.subscription_end else None,
        "lines": [{"description": ln.description, "quantity": ln.quantity,
                   "unit_price": to_decimal_string(ln.unit_amount_minor, po.currency),
                   "amount": to_decimal_string(ln.amount_minor, po.currency), "tax_code": ln.tax_code,
                   "tax": to_decimal_string(ln.tax_minor or 0, po.currency)} for ln in po.lines],
    }


@orders_api.post("")
def submit():
    try:
        data = request_json(request)
    except BodyError as exc:
        return _malformed(exc)
    draft = validate(data)
    if isinstance(draft, list):
        return jsonify(error="invalid purchase order", errors=[e.as_dict() for e in draft]), 422
    principal = current_api_principal()
    # The submitter is the token's holder; an integration may name the person it submits for.
    relayed = (request.headers.get("X-Revhub-Actor") or "").strip()
    actor = relayed if principal.kind == "integration" and relayed else principal.actor
    try:
        with _db().session(write=True) as s:
            po = service.submit(s, draft, actor=actor)
            body = po_json(po)
    except service.IntakeError as exc:
        return jsonify(error="invalid purchase order", errors=[e.as_dict() for e in exc.errors]), 422
    except service.DuplicatePurchaseOrder as exc:
        return jsonify(error=str(exc), original=exc.original), 409
    return jsonify(body), 201


def _load(session, po_id: str) -> PurchaseOrder | None:
    try:
        return session.get(PurchaseOrder, uuid.UUID(po_id))
    except ValueError:
        return None


@orders_api.get("/<po_id>")
def show(po_id: str):
    with _db().session() as s:
        po = _load(s, po_id)
        if po is None:
            return jsonify(error=f"no purchase order {po_id}"), 404
        return jsonify(po_json(po))


@orders_api.post("/<po_id>/<action>")
def act(po_id: str, action: str):
    if action not in ("approve", "reject", "cancel"):
        return jsonify(error=f"unknown action {action!r}; use approve, reject or cancel"), 404
    try:
        data = request_json(request)
    except BodyError as exc:
        return _malformed(exc)
    problems = action_errors(data)  # the schema the OpenAPI description states
    if problems:
        return jsonify(error="invalid request", errors=[{"field": f, "message": m} for f, m in problems]), 422
    if action == "reject" and not (data.get("reason") or "").strip():
        return jsonify(error="invalid request", errors=[{"field": "reason", "message": "is required to reject "
                                                         "(the customer sees it)"}]), 422
    principal = current_api_principal()
    # The decider is the token's holder: a person with the approver role, never a body field.
    if principal.kind != "user" or not role_allows(principal.role, "approver"):
        return jsonify(error=f"{principal.actor} may not decide on purchase orders: use the token of a user "
                             "with the approver role"), 403
    decider = principal.actor
    try:
        with _db().session(write=True) as s:
            po = _load(s, po_id)
            if po is None:
                return jsonify(error=f"no purchase order {po_id}"), 404
            if action == "approve":
                service.approve(s, po, approver=decider, note=data.get("note"))
            elif action == "reject":
                service.reject(s, po, actor=decider, reason=data["reason"])
            else:
                service.cancel(s, po, actor=decider, note=data.get("note"))
            return jsonify(po_json(po))
    except service.TransitionError as exc:
        return jsonify(error=str(exc)), 409
