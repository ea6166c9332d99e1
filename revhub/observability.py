"""What ``create_app`` attaches for operators: request ids and request logs, and ``/metrics``.

``/metrics`` is open on the interface revhub listens on unless ``REVHUB_METRICS_TOKEN`` is
set, in which case a scrape must send ``Authorization: Bearer <token>`` (Prometheus's
``authorization`` scrape setting). Without a token, keep the port private.
"""

from __future__ import annotations

import hmac
import os

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request

from revhub import logs, metrics

observability = Blueprint("observability", __name__)


@observability.get("/metrics")
def metrics_endpoint():
    token = current_app.config.get("REVHUB_METRICS_TOKEN") or ""
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            response = jsonify(error="Unauthorized", message="send Authorization: Bearer <REVHUB_METRICS_TOKEN>")
            response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response, 401
    return Response(metrics.render(current_app.extensions["revhub.db"]), mimetype=None,
                    content_type=metrics.CONTENT_TYPE)


def init_app(app: Flask) -> None:
    """Request ids and logs on every request; ``/metrics`` (token from the config's extras or
    ``REVHUB_METRICS_TOKEN``)."""
    config = app.config.get("REVHUB")
    extra = getattr(config, "extra", None) or {}
    app.config.setdefault("REVHUB_METRICS_TOKEN", extra.get("metrics_token") or os.environ.get(
        "REVHUB_METRICS_TOKEN", ""))
    logs.init_app(app)
    app.register_blueprint(observability)

    @app.after_request
    def _count_webhook(response):
        # Every answer of the webhook endpoints, by provider and outcome, with its latency.
        if request.blueprint == "webhooks" and request.view_args and g.get("revhub_request_started"):
            provider = (request.url_rule.rule.split("/") + ["", "", ""])[2] if request.url_rule else "unknown"
            metrics.webhook_answered(provider, response.status_code, g.revhub_request_started)
        return response
