"""The Flask application factory: ``create_app(config)`` builds everything, binds nothing at import."""

from __future__ import annotations

from flask import Flask, jsonify, request
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from revhub.config import Config, load_config
from revhub.connections import Vault
from revhub.store import Database
from revhub.store.db import storage_unavailable
from revhub.webhooks.endpoints import EndpointDirectory
from revhub.webhooks.receive import path_without_secret

csrf = CSRFProtect()
STORE_RETRY_AFTER_SECONDS = "30"


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
    from revhub.console import formatting

    formatting.install(app)
    from revhub.console import auth, security

    security.install(app)  # security headers and session-cookie flags on every response
    auth.init_app(app)  # every console page needs a signed-in user

    from revhub import observability
    from revhub.console.admin import admin
    from revhub.console.alerts_page import alerts_page
    from revhub.console.dunning_pages import dunning_pages
    from revhub.console.health import health
    from revhub.console.ledger import ledger_page
    from revhub.console.overview import overview
    from revhub.console.po_desk import po_desk
    from revhub.console.queues import register_queue_pages
    from revhub.console.recon_pages import recon_pages
    from revhub.console.records import records
    from revhub.console.reports_pages import reports_pages
    from revhub.openapi import openapi_api
    from revhub.orders.api import orders_api
    from revhub.webhooks.receive import webhooks

    app.register_blueprint(health)
    observability.init_app(app)  # request ids and logs, /metrics
    app.register_blueprint(overview)
    app.register_blueprint(admin)
    app.register_blueprint(ledger_page)
    app.register_blueprint(records)
    app.register_blueprint(po_desk)
    app.register_blueprint(alerts_page)
    app.register_blueprint(dunning_pages)
    register_queue_pages(app)
    app.register_blueprint(recon_pages)
    app.register_blueprint(reports_pages)
    csrf.exempt(webhooks)  # providers sign their requests; there is no browser session
    app.register_blueprint(webhooks)
    csrf.exempt(orders_api)  # bearer-token API, not a browser form
    app.register_blueprint(orders_api)
    app.register_blueprint(openapi_api)
    from revhub import portal

    portal.init_app(app)  # public /portal/<token> pages, invitations, PO documents
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
        app.logger.exception("unhandled error on %s %s", request.method, path_without_secret())
        return jsonify(error="Internal Server Error", message="unexpected error; it has been logged"), 500

    @app.errorhandler(SQLAlchemyError)
    def store_error(exc: SQLAlchemyError):  # noqa: ANN202
        reason = storage_unavailable(exc)
        if reason is None:
            return unexpected(exc)
        # The store's state, not a bug: one line (thousands of refused requests must not
        # log thousands of tracebacks), and a 503 the caller may retry; nothing was done.
        app.logger.error("store unavailable on %s %s, answered 503: %s", request.method, path_without_secret(), reason)
        message = "the store is unavailable; nothing was done, try again later"
        if _wants_json():
            response = jsonify(error="Service Unavailable", message=message)
        else:
            response = app.response_class(message, mimetype="text/plain")
        response.status_code = 503
        response.headers["Retry-After"] = STORE_RETRY_AFTER_SECONDS
        return response
