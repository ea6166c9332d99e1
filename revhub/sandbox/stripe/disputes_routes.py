"""Dispute endpoints (https://docs.stripe.com/api/disputes) and the sandbox's dispute control."""

from __future__ import annotations

from flask import jsonify, request

from revhub.sandbox.common import CONTROL_PREFIX
from revhub.sandbox.stripe import params as p
from revhub.sandbox.stripe.errors import StripeError


def install(sb, route, listing) -> None:
    """Serve list, retrieve, update and close, and the control that opens and decides disputes."""
    store = sb.store

    @route("/v1/disputes", ["GET"], "disputes_list", "DisputeListParams")
    def disputes_list(q):
        return listing("dispute", q)

    @route("/v1/disputes/<did>", ["GET"], "disputes_get", "DisputeRetrieveParams")
    def disputes_get(q, did):
        return store["dispute"].get(did)

    @route("/v1/disputes/<did>", ["POST"], "disputes_update", "DisputeUpdateParams")
    def disputes_update(q, did):
        dispute = store["dispute"].get(did)
        evidence = q.get("evidence")
        if evidence == "":
            evidence = None
        if evidence is not None and not isinstance(evidence, dict):
            raise StripeError(400, "Invalid object", code="parameter_invalid_object", param="evidence")
        metadata = p.metadata(q, dispute["metadata"]) if "metadata" in q else None
        # ``submit`` defaults to true, for a request that carries evidence or names it.
        submit = bool(p.boolean(q, "submit", default=True)) and (evidence is not None or "submit" in q)
        return sb.disputes.update(dispute, evidence, metadata, submit)

    @route("/v1/disputes/<did>/close", ["POST"], "disputes_close", "DisputeCloseParams")
    def disputes_close(q, did):
        return sb.disputes.close(store["dispute"].get(did))

    # -- the sandbox's own control: no Stripe request can open or decide a dispute -------
    def control(fn):
        def view(**kwargs):
            body = request.get_json(silent=True)
            if not isinstance(body, dict):
                return jsonify(error="body must be a JSON object"), 400
            try:
                with sb.lock:
                    sb.disputes.settle(sb.now())
                    sb.balance.settle(sb.now())
                    return jsonify(sb.render(fn(body, **kwargs))), 200
            except StripeError as error:
                return jsonify(error=error.message, param=error.param), error.status
            except (TypeError, ValueError) as exc:
                return jsonify(error=str(exc)), 400
        view.__name__ = fn.__name__
        return view

    def open_dispute(body):
        """{"charge": "ch_…", "reason": "fraudulent", "amount": null}: a dispute opened now."""
        if not isinstance(body.get("charge"), str):
            raise ValueError("charge: the id of a succeeded charge is required")
        amount = body.get("amount")
        if amount is not None and (not isinstance(amount, int) or isinstance(amount, bool)):
            raise ValueError("amount: an integer in the charge's currency units")
        return sb.disputes.open(store["charge"].get(body["charge"], "charge"), body.get("reason") or "fraudulent",
                                amount)

    def decide_dispute(body, did):
        """{"outcome": "won"|"lost", "after_seconds": 0}: the network's decision on the sandbox clock."""
        after = body.get("after_seconds", 0)
        if not isinstance(after, (int, float)) or isinstance(after, bool) or after < 0:
            raise ValueError("after_seconds: a number of sandbox seconds, 0 or more")
        return sb.disputes.decide(store["dispute"].get(did), body.get("outcome"), sb.now() + int(after))

    sb.flask.add_url_rule(CONTROL_PREFIX + "disputes", "control_disputes_open", control(open_dispute),
                          methods=["POST"])
    sb.flask.add_url_rule(CONTROL_PREFIX + "disputes/<did>/decide", "control_disputes_decide",
                          control(decide_dispute), methods=["POST"])
