"""The customer PO portal (public pages behind invitation links) and its console side."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from revhub.documents import DocumentSettings, DocumentStore, store_for


@dataclass(frozen=True)
class Documents:
    settings: DocumentSettings
    store: DocumentStore


def init_app(app: Flask) -> None:
    """The document store, the public portal and the console's invitation and document pages."""
    from revhub.portal.console_pages import portal_admin
    from revhub.portal.views import allow_uploads, portal

    settings = DocumentSettings.of(app.config["REVHUB"])
    app.extensions["revhub.documents"] = Documents(settings, store_for(settings))
    app.register_blueprint(portal)
    app.before_request_funcs.setdefault(None, []).insert(0, allow_uploads)
    app.register_blueprint(portal_admin)
