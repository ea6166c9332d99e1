"""URL routes of the Stripe sandbox: each handler takes the parsed, checked parameters."""

from __future__ import annotations

from flask import jsonify, request

from revhub.sandbox.stripe import disputes_routes, routes_billing, routes_money, routes_platform, routes_search
from revhub.sandbox.stripe import listing as filters


def install(sb) -> None:
    """Register every endpoint on the sandbox's Flask app."""
    app = sb.flask
    store = sb.store

    def route(path: str, methods: list[str], name: str, params: str):
        """Serve ``fn`` at ``path``; its parameters are those of ``stripe.params.<params>``."""
        def register(fn):
            app.add_url_rule(path, name, sb.endpoint(fn, params), methods=methods)
            return fn
        return register

    def listing(kind: str, q: dict, extra=None, url: str | None = None, among: list[str] | None = None):
        matches = filters.keep(kind, q)
        return store[kind].page(q, url or f"/v1/{kind}s",
                                (lambda o: matches(o) and extra(o)) if extra else matches, among=among)

    for module in (routes_billing, routes_money, routes_platform, routes_search, disputes_routes):
        module.install(sb, route, listing)

    @app.errorhandler(404)
    @app.errorhandler(405)
    def unrecognized(_):
        # Stripe answers an unknown path or method with JSON, never an HTML page.
        return jsonify(error={"message": f"Unrecognized request URL ({request.method}: {request.path}). Please see "
                                         "https://stripe.com/docs or we can help at https://support.stripe.com/.",
                              "type": "invalid_request_error"}), 404

    @app.errorhandler(500)
    def failed(_):
        # A fault in the sandbox itself still answers in Stripe's shape (the SDK raises APIError).
        return jsonify(error={"message": "An unknown error occurred", "type": "api_error"}), 500
