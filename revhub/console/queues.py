"""The console's queue pages, registered together: outbox, webhook inbox, sync runs,
conflicts (open and auto-settled), exceptions, and the live queue-depth counter."""

from __future__ import annotations

from flask import Flask


def register_queue_pages(app: Flask) -> None:
    """Attach every queue page's blueprint to ``app``."""
    from revhub.console.conflicts import conflicts_page
    from revhub.console.exceptions import exceptions_page
    from revhub.console.inbox_page import inbox_page
    from revhub.console.outbox_page import outbox_page
    from revhub.console.queue_depths import queue_depths
    from revhub.console.runs_page import runs_page

    for blueprint in (outbox_page, inbox_page, runs_page, conflicts_page, exceptions_page, queue_depths):
        app.register_blueprint(blueprint)
