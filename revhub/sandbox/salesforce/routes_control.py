"""Salesforce-specific control endpoints under ``/__sandbox/`` (never a Salesforce path).

* ``POST /__sandbox/records`` ``{"sobject", "records": [...], "system_modstamp"?}`` → ``{"ids"}``
* ``POST /__sandbox/outbound`` ``{"sobject", "fields": [...], "url"}`` → the definition
* ``GET /__sandbox/outbound`` → definitions, pending count and every delivery attempt
* ``POST /__sandbox/sessions/expire`` → every issued access token stops working
* ``POST /__sandbox/limits`` ``{"daily_max"?, "reset"?}`` → current usage
"""

from __future__ import annotations

from dataclasses import asdict

from flask import jsonify, request

from revhub.sandbox.common import CONTROL_PREFIX
from revhub.sandbox.salesforce.errors import ApiError


def register(sandbox) -> None:
    app = sandbox.flask

    @app.post(CONTROL_PREFIX + "records")
    def insert_records():
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("records"), list):
            return jsonify(error='body must be {"sobject": ..., "records": [...]}'), 400
        try:
            ids = sandbox.insert_records(body.get("sobject", ""), body["records"],
                                         system_modstamp=body.get("system_modstamp"))
        except ApiError as exc:
            return jsonify(error=exc.element()), exc.status
        return jsonify(ids=ids), 201

    @app.post(CONTROL_PREFIX + "outbound")
    def define_outbound():
        body = request.get_json(silent=True) or {}
        try:
            definition = sandbox.add_outbound_message(body["sobject"], body["fields"], body["url"])
        except (KeyError, TypeError, ValueError) as exc:
            return jsonify(error=f"need sobject, fields and url: {exc}"), 400
        return jsonify(asdict(definition)), 201

    @app.get(CONTROL_PREFIX + "outbound")
    def outbound_state():
        messenger = sandbox.outbound
        with messenger._lock:
            return jsonify(definitions=[asdict(d) for d in messenger.state.definitions.values()],
                           pending=len(messenger.state.queue),
                           deliveries=list(messenger.state.deliveries))

    @app.post(CONTROL_PREFIX + "sessions/expire")
    def expire_sessions():
        sandbox.sessions.expire_all()
        return jsonify(expired=True)

    @app.post(CONTROL_PREFIX + "limits")
    def set_limits():
        body = request.get_json(silent=True) or {}
        if "daily_max" in body:
            if not isinstance(body["daily_max"], int) or body["daily_max"] < 0:
                return jsonify(error="daily_max must be a non-negative integer"), 400
            sandbox.usage.max = body["daily_max"]
        if body.get("reset"):
            sandbox.usage.reset()
        return jsonify(used=sandbox.usage.used(), max=sandbox.usage.max)
