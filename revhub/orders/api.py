"""The purchase-order JSON API (bearer tokens: ``revhub tokens add``; ``REVHUB_API_TOKEN`` deprecated)."""

from __future__ import annotations

import uuid

from flask import Blueprint, current_app, jsonify, request

from revhub.console.api_auth import authenticate_api_request, mark_deprecated
from revhub.orders import service
from revhub.orders.validation import threshold_minor, validate
from revhub.store import PurchaseOrder

orders_api = Blueprint("orders_api", __name__, url_prefix="/api/purchase-orders")


# Who the token speaks for: revhub.console.api_auth.current_api_principal().
orders_api.before_request(authenticate_api_request)
orders_api.after_request(mark_deprecated)


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
    data = request.get_json(silent=True)
    if data is None:
        return jsonify(error="body must be JSON", errors=[{"field": "", "message": "body must be a JSON object"}]), 400
    draft = validate(data)
    if isinstance(draft, list):
        return jsonify(error="invalid purchase order", errors=[e.as_dict() for e in draft]), 422
    config = current_app.config["REVHUB"]
    actor = request.headers.get("X-Revhub-Actor", "api")
    try:
        with _db().session(write=True) as s:
            po = service.submit(s, draft, actor=actor,
                                threshold_minor=threshold_minor(config.approval_threshold, draft.currency))
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
    if action not in ("approve", "cancel"):
        return jsonify(error=f"unknown action {action!r}; use approve or cancel"), 404
    data = request.get_json(silent=True) or {}
    approver = data.get("approver")
    if not isinstance(approver, str) or not approver.strip():
        return jsonify(error="invalid request", errors=[{"field": "approver", "message": "is required"}]), 422
    try:
        with _db().session(write=True) as s:
            po = _load(s, po_id)
            if po is None:
                return jsonify(error=f"no purchase order {po_id}"), 404
            if action == "approve":
                service.approve(s, po, approver=approver.strip(), note=data.get("note"))
            else:
                service.cancel(s, po, actor=approver.strip(), note=data.get("note"))
            return jsonify(po_json(po))
    except service.TransitionError as exc:
        return jsonify(error=str(exc)), 409
