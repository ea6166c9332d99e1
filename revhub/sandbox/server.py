"""Run a sandbox (any WSGI app) on a loopback port in a background thread."""

from __future__ import annotations

import ssl
import threading

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # the sandbox keeps its own request log
        pass


class SandboxServer:
    """A threaded HTTP(S) server for one sandbox; ``port=0`` picks a free port."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("sandboxes listen on loopback only")
        self.app = app
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=_QuietHandler, ssl_context=ssl_context
        )
        self.host = host
        self.port = self._server.server_port
        self.scheme = "https" if ssl_context else "http"
        # A short poll keeps stop() quick (tests start and stop sandboxes by the dozen).
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True, name=f"sandbox-{self.port}")

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def start(self) -> SandboxServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        faults = getattr(self.app, "faults", None)
        if faults is not None:
            faults.clear()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
