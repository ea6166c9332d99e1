"""``revhub serve``: the web application under gunicorn, configured from code.

Each gunicorn worker builds its own application (and so its own database pool) after the
fork. SIGTERM is gunicorn's graceful stop: workers stop accepting, finish the requests in
flight (a webhook being stored is answered) for up to ``graceful_timeout`` seconds, then exit.
With ``with_worker`` a ``revhub worker`` child runs beside the web workers and gets the same
SIGTERM when the server stops.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger as GunicornLogger

from revhub import logs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServeOptions:
    host: str
    port: int
    workers: int = 2
    threads: int = 4
    graceful_timeout: int = 30
    timeout: int = 60
    with_worker: bool = False


def env_int(name: str, default: int) -> int:
    """An integer from ``REVHUB_<...>``, or a ValueError naming the variable."""
    raw = os.environ.get(name, "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


def prepare_metrics_dir() -> Path:
    """``PROMETHEUS_MULTIPROC_DIR`` for this server: the operator's, emptied of a previous
    run's files, or a fresh temporary folder. Must run before prometheus_client is imported."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    folder = Path(given) if given else Path(tempfile.mkdtemp(prefix="revhub-metrics-"))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return folder


class QuietAccessLogger(GunicornLogger):
    """gunicorn's logger without its access log: ``revhub.http`` logs each request, with its id.

    Given a ``logconfig_dict``, gunicorn counts its access log as on and builds the line's atoms
    (every request and response header, every environ entry) for each request, only for the
    ``gunicorn.access`` level to drop it: about a tenth of a bare request's CPU, measured.
    """

    @property
    def access_log_enabled(self) -> bool:
        return False

    def access(self, resp, req, environ, request_time) -> None:
        return None


class RevhubServer(BaseApplication):
    """gunicorn's application, its settings given as a dict instead of a config file."""

    def __init__(self, options: ServeOptions) -> None:
        self.options = options
        self._companion: subprocess.Popen | None = None
        super().__init__()

    def load_config(self) -> None:
        o = self.options
        settings: dict[str, Any] = {
            "bind": [f"{o.host}:{o.port}"],
            "workers": o.workers,
            "threads": o.threads,
            # One thread: the sync worker (accepts a connection only when free, so the others take
            # the next); more: gthread.
            "worker_class": "gthread" if o.threads > 1 else "sync",
            "graceful_timeout": o.graceful_timeout,
            "timeout": o.timeout,
            "accesslog": None,  # revhub.http logs each request with its id
            "logger_class": QuietAccessLogger,
            "logconfig_dict": _gunicorn_logging(),
            "proc_name": "revhub-serve",
            "when_ready": self._when_ready,
            "child_exit": _child_exit,
            "on_exit": self._on_exit,
        }
        if "control_socket_disable" in self.cfg.settings:
            # Several servers on one machine would share one default socket path; not needed.
            settings["control_socket_disable"] = True
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self):
        from revhub.app import create_app

        return create_app()

    def _when_ready(self, server) -> None:
        log.info("revhub serving on %s with %d worker(s) x %d thread(s)", ",".join(server.cfg.bind),
                 self.options.workers, self.options.threads)
        if self.options.with_worker:
            self._companion = subprocess.Popen([sys.executable, "-c", "from revhub.cli import main; main()",
                                                "worker"])

    def _on_exit(self, server) -> None:
        if self._companion is not None and self._companion.poll() is None:
            self._companion.send_signal(signal.SIGTERM)
            try:
                self._companion.wait(timeout=self.options.graceful_timeout + 5)
            except subprocess.TimeoutExpired:
                log.error("revhub worker %d did not stop in time; killed", self._companion.pid)
                self._companion.kill()


def _child_exit(server, worker) -> None:
    from revhub import metrics

    metrics.mark_process_dead(worker.pid)


def _gunicorn_logging() -> dict[str, Any]:
    """gunicorn's own messages in revhub's format (JSON by default)."""
    style = os.environ.get("REVHUB_LOG_FORMAT", "json")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "revhub.logs.ContextFilter"}},
        "formatters": {"main": {"()": "revhub.logs.json_formatter" if style == "json"
                                else "revhub.logs.console_formatter"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "main",
                                "filters": ["context"], "stream": "ext://sys.stderr"}},
        "root": {"level": os.environ.get("REVHUB_LOG_LEVEL", "INFO").upper(), "handlers": ["stderr"]},
        "loggers": {"gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
                    "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": True}},
    }


def serve(options: ServeOptions, server: type[RevhubServer] = RevhubServer) -> None:
    """Run until SIGTERM/SIGINT (graceful) or SIGQUIT (immediate). ``server`` may be a subclass
    serving another app with the same settings (the webhook benchmark's)."""
    prepare_metrics_dir()
    logs.configure()
    server(options).run()
