"""The Flask application factory: ``create_app(config)`` builds everything, binds nothing at import."""

from __future__ import annotations

from flask import Flask, jsonify, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException

from revhub.config import Config, load_config
from revhub.connections import Vault
from revhub.store import Database
from revhub.webhooks.endpoints import EndpointDirectory

csrf = CSRFProtect()


def create_app(config: Config | None = None, database: Database | None = None) -> Flask:
    """A revhub web application for ``config`` (default: from the environment)."""
    config = config or load_config()
    app = Flask("revhub", template_folder="console/templates", static_folder="console/static")
    app.config.update(config.as_flask())
    app.extensions["revhub.db"] = database or Database(config.database_url)
    app.extensions["revhub.vault"] = Vault(config.encryption_key)
    app.extensions["revhub.webhook_endpoints"] = EndpointDirectory(
        app.extensions["revhub.db"], app.extensions["revhub.vault"])
    csrf.init_app(app)

    from revhub import observability
    from revhub.console.admin import admin
    from revhub.console.health import health
    from revhub.console.ledger import ledger_page
    from revhub.console.overview import overview
    from revhub.orders.api import orders_api
    from revhub.webhooks.receive import webhooks

    app.register_blueprint(health)
    observability.init_app(app)  # request ids and logs, /metrics
    app.register_blueprint(overview)
    app.register_blueprint(admin)
    app.register_blueprint(ledger_page)
    csrf.exempt(webhooks)  # providers sign their requests; there is no browser session
    app.register_blueprint(webhooks)
    csrf.exempt(orders_api)  # bearer-token API, not a browser form
    app.register_blueprint(orders_api)
    _install_error_handlers(app)
    return app


def get_db(app: Flask | None = None) -> Database:
    """The store of the current (or given) application."""
    from flask import current_app

    return (app or current_app).extensions["revhub.db"]


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/webhooks/", "/healthz")) or (
        request.accept_mimetypes.best == "application/json"
    )


def _install_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if _wants_json():
            return jsonify(error=exc.name, message=exc.description), exc.code
        return exc

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):  # noqa: ANN202
        # Logged with its traceback for us; the caller gets a short body, never the trace.
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return jsonify(error="Internal Server Error", message="unexpected error; it has been logged"), 500
