"""Run a sandbox (any WSGI app) on a loopback port in a background thread.

The server keeps HTTP/1.1 connections alive between requests, as the providers' own APIs do.
werkzeug's development server answers every request with ``Connection: close``, so each call
of a sync paid for a new TCP connection that real Stripe or Xero never charges (bench/PROFILE.md).
Still one thread per connection (werkzeug's threaded server); an idle connection waits at most
``IDLE_SECONDS`` for its next request, and ``stop()`` ends the idle ones at once.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
import traceback
from collections.abc import Callable, Iterable

from werkzeug.exceptions import ClientDisconnected
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler
from werkzeug.wsgi import LimitedStream

# How long a kept-alive connection may sit idle before the server closes it (real APIs behind a
# load balancer close idle connections after a minute or so; clients reconnect transparently).
IDLE_SECONDS = 30.0
# A request body the app left unread is read off the connection before the next request; past
# this many bytes the connection is closed instead (the sandboxes take small JSON and XML bodies).
DRAIN_LIMIT = 10 * 1024 * 1024
# How long stop() waits for answers under way (a held "timeout" fault is released before).
STOP_SECONDS = 10.0
_NO_BODY_STATUSES = (204, 304)


class _Dropped(Exception):
    """The client went away (or a ``drop`` fault cut the connection) while the answer was written."""


class _Connections:
    """The open connections' threads, and those waiting for a next request, so that ``stop()``
    can end the idle ones and wait for the rest (socketserver does not join daemon threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._threads: set[threading.Thread] = set()
        self._idle: set[socket.socket] = set()
        self.stopping = False

    def opened(self) -> None:
        """Called on a new connection's thread (the threads of closed ones are forgotten)."""
        with self._lock:
            self._threads = {thread for thread in self._threads if thread.is_alive()}
            self._threads.add(threading.current_thread())

    def enter_idle(self, sock: socket.socket) -> bool:
        """Mark ``sock`` idle; False once the server is stopping (the connection should end)."""
        with self._lock:
            if self.stopping:
                return False
            self._idle.add(sock)
            return True

    def leave_idle(self, sock: socket.socket) -> None:
        with self._lock:
            self._idle.discard(sock)

    def end_all(self, timeout: float) -> None:
        """Take no more requests; wake every idle connection so it ends; wait for every thread."""
        with self._lock:
            self.stopping = True
            idle, self._idle = self._idle, set()
            threads = list(self._threads)
        for sock in idle:
            try:
                # The plain socket's shutdown: a TLS socket's own would reset its state under
                # the thread reading it; this only makes that read see the end of the stream.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass  # already closed by its client
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))


class _KeepAliveServer(ThreadedWSGIServer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.connections = _Connections()


class _Response:
    """One answer written to a kept-alive connection: framed by Content-Length or chunks."""

    def __init__(self, handler: _KeepAliveHandler) -> None:
        self.handler = handler
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.started = False
        self.chunked = False
        self.bodiless = False

    def start(self, status: str, headers: list[tuple[str, str]], exc_info=None) -> Callable[[bytes], None]:
        """WSGI ``start_response``."""
        if exc_info:
            try:
                if self.started:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise AssertionError("start_response called twice")
        self.status, self.headers = status, list(headers)
        return self.write

    def write(self, data: bytes) -> None:
        """Send ``data`` (the head first, in the same write, on the first call)."""
        assert self.status is not None, "write() before start_response"
        assert isinstance(data, bytes), "applications must write bytes"
        out = b"" if self.started else self._head()
        if data and not self.bodiless:
            out += b"%x\r\n%s\r\n" % (len(data), data) if self.chunked else data
        self._send(out)

    def finish(self) -> None:
        """After the app's last item: the head if nothing was sent yet, the last chunk if chunked."""
        if not self.started:
            self.write(b"")
        if self.chunked:
            self._send(b"0\r\n\r\n")

    def internal_error(self) -> None:
        """A 500 for an app that failed before answering; the connection then ends."""
        body = b"Internal Server Error"
        self.status, self.headers = "500 INTERNAL SERVER ERROR", [("Content-Type", "text/plain"),
                                                                  ("Content-Length", str(len(body)))]
        self.write(body)

    def _head(self) -> bytes:
        handler = self.handler
        code = int(self.status.split(None, 1)[0])
        names = {name.lower() for name, _ in self.headers}
        self.bodiless = handler.command == "HEAD" or code < 200 or code in _NO_BODY_STATUSES
        lines = [f"{handler.protocol_version} {self.status}", f"Server: {handler.version_string()}",
                 f"Date: {handler.date_time_string()}"]
        lines += [f"{name}: {value}" for name, value in self.headers]
        if not ("content-length" in names or self.bodiless):
            if handler.request_version >= "HTTP/1.1":
                self.chunked = True
                lines.append("Transfer-Encoding: chunked")
            else:
                handler.close_connection = True  # an HTTP/1.0 client reads the body to the end
        if handler.close_connection:
            lines.append("Connection: close")
        elif handler.request_version < "HTTP/1.1":
            lines.append("Connection: keep-alive")  # the 1.0 client asked for it (parse_request)
        self.started = True
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _send(self, data: bytes) -> None:
        try:
            self.handler.wfile.write(data)
        except OSError as exc:
            raise _Dropped from exc


class _KeepAliveHandler(WSGIRequestHandler):
    """werkzeug's WSGI handler with its answer writing replaced, so the connection can stay open."""

    protocol_version = "HTTP/1.1"
    timeout = IDLE_SECONDS  # every socket operation of the connection (socketserver sets it)
    server: _KeepAliveServer

    def setup(self) -> None:
        self.server.connections.opened()
        super().setup()
        # A kept-alive connection must not hold a small answer back waiting for an ACK (Nagle).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_request(self, *args, **kwargs) -> None:  # the sandbox keeps its own request log
        pass

    def handle_one_request(self) -> None:
        if not self._next_request_arrives():
            self.close_connection = True
            return
        super().handle_one_request()

    def _next_request_arrives(self) -> bool:
        """Wait, as an idle connection that ``stop()`` may end, for the next request's first byte."""
        connections = self.server.connections
        if not connections.enter_idle(self.connection):
            return False
        try:
            return bool(self.rfile.peek(1))
        except (OSError, ValueError):  # idle too long, reset by the client, or ended by stop()
            return False
        finally:
            connections.leave_idle(self.connection)

    def run_wsgi(self) -> None:
        """One request through the app (werkzeug's own closes every connection after it)."""
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.environ = environ = self.make_environ()
        body = _request_body(environ)
        response = _Response(self)
        try:
            _answer(self.server.app, environ, response)
        except _Dropped:
            self.close_connection = True
            return
        except Exception:  # the app failed: log it, answer 500 if nothing was sent yet, end the connection
            self.close_connection = True
            self.log_error("Error on request:\n%s", traceback.format_exc())
            if not response.started:
                try:
                    response.internal_error()
                except _Dropped:
                    pass
            return
        if not _drained(body):
            self.close_connection = True


def _answer(app, environ: dict, response: _Response) -> None:
    iterable: Iterable[bytes] = app(environ, response.start)
    try:
        for data in iterable:
            response.write(data)
        response.finish()
    finally:
        close = getattr(iterable, "close", None)
        if close is not None:
            close()


def _request_body(environ: dict):
    """The request body as a stream that ends where the request does (None: length unknown)."""
    if environ.get("wsgi.input_terminated"):
        return environ["wsgi.input"]  # chunked: werkzeug's DechunkedInput stops at the last chunk
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length < 0:
        return None
    environ["wsgi.input"] = stream = LimitedStream(environ["wsgi.input"], length)
    return stream


def _drained(body) -> bool:
    """Read what the app left of the request body, so the next request line is read from its start."""
    if body is None:
        return False
    left = DRAIN_LIMIT
    try:
        while left > 0:
            chunk = body.read(min(left, 65536))
            if not chunk:
                return True
            left -= len(chunk)
    except (OSError, ClientDisconnected):
        return False
    return False


class SandboxServer:
    """A threaded HTTP(S) server for one sandbox; ``port=0`` picks a free port."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("sandboxes listen on loopback only")
        self.app = app
        self._server = _KeepAliveServer(host, port, app, handler=_KeepAliveHandler, ssl_context=ssl_context)
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
        """Stop accepting, end idle kept-alive connections, and wait for answers under way."""
        faults = getattr(self.app, "faults", None)
        if faults is not None:
            faults.clear()
        self._server.shutdown()
        self._server.connections.end_all(timeout=STOP_SECONDS)
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
