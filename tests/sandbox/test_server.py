"""The sandboxes' HTTP server keeps connections alive as the providers' APIs do, frames every
answer (Content-Length or chunks), and still stops at once with idle connections open."""

from __future__ import annotations

import http.client
import socket
import threading
import time

import pytest

from revhub.sandbox.server import SandboxServer
from revhub.sandbox.tls import client_ssl_context, ensure_tls, server_ssl_context


def app(environ, start_response):
    """Echo: /sized answers with a Content-Length, /streamed without one (chunked), /ignore
    leaves the request body unread, /echo answers with the body it read."""
    path = environ["PATH_INFO"]
    if path == "/echo":
        body = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]
    if path == "/streamed":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"first,", b"", b"second"]
    if path == "/empty":
        start_response("204 No Content", [])
        return []
    if path == "/fail":
        raise RuntimeError("the app failed")
    body = b"sized:" + environ["REQUEST_METHOD"].encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


@pytest.fixture
def server():
    with SandboxServer(app) as running:
        yield running


def _connection(server: SandboxServer) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(server.host, server.port, timeout=5)


def _get(conn: http.client.HTTPConnection, path: str, **kwargs) -> tuple[http.client.HTTPResponse, bytes]:
    conn.request(kwargs.pop("method", "GET"), path, **kwargs)
    response = conn.getresponse()
    return response, response.read()


def test_one_connection_serves_many_requests(server):
    conn = _connection(server)
    first, body = _get(conn, "/sized")
    sock = conn.sock
    assert (first.status, body, first.getheader("Connection")) == (200, b"sized:GET", None)
    for _ in range(3):
        response, body = _get(conn, "/sized", method="POST", body=b"x=1",
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert (response.status, body) == (200, b"sized:POST")
    assert conn.sock is sock  # http.client reconnects silently if the server had closed it
    conn.close()


def test_an_unread_request_body_does_not_spill_into_the_next_request(server):
    conn = _connection(server)
    response, body = _get(conn, "/ignore", method="POST", body=b"a" * 100_000)
    assert (response.status, body) == (200, b"sized:POST")
    response, body = _get(conn, "/echo", method="POST", body=b"next")
    assert (response.status, body) == (200, b"next")
    conn.close()


def test_answers_without_a_length_are_chunked_and_the_connection_stays(server):
    conn = _connection(server)
    response, body = _get(conn, "/streamed")
    assert (response.status, body, response.getheader("Transfer-Encoding")) == (200, b"first,second", "chunked")
    sock = conn.sock
    response, body = _get(conn, "/empty")
    assert (response.status, body, response.getheader("Transfer-Encoding")) == (204, b"", None)
    response, body = _get(conn, "/sized", method="HEAD")
    assert (response.status, body, response.getheader("Content-Length")) == (200, b"", "10")  # sized:HEAD
    response, body = _get(conn, "/sized")
    assert body == b"sized:GET" and conn.sock is sock
    conn.close()


def test_a_chunked_request_body_is_read(server):
    conn = _connection(server)
    conn.request("POST", "/echo", body=iter([b"one ", b"two"]), encode_chunked=True,
                 headers={"Transfer-Encoding": "chunked"})
    response = conn.getresponse()
    assert (response.status, response.read()) == (200, b"one two")
    response, body = _get(conn, "/sized")
    assert body == b"sized:GET"
    conn.close()


def _raw_exchange(server: SandboxServer, request: bytes) -> bytes:
    """Send ``request`` on a new socket and read until the server closes it."""
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_a_client_that_asks_to_close_is_answered_and_closed(server):
    answer = _raw_exchange(server, b"GET /sized HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and b"\r\nConnection: close\r\n" in answer
    assert answer.endswith(b"sized:GET")


def test_an_http_1_0_client_gets_its_body_delimited_by_the_close(server):
    answer = _raw_exchange(server, b"GET /streamed HTTP/1.0\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding" not in head and b"Connection: close" in head
    assert body == b"first,second"


def test_an_app_failure_is_a_500_and_the_connection_ends(server):
    answer = _raw_exchange(server, b"GET /fail HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 500 ") and b"Connection: close" in answer


def test_stop_ends_idle_kept_alive_connections_at_once():
    before = set(threading.enumerate())
    running = SandboxServer(app).start()
    idle = [_connection(running) for _ in range(5)]
    for conn in idle:
        assert _get(conn, "/sized")[1] == b"sized:GET"
    assert len(set(threading.enumerate()) - before) >= 6  # the accept loop and one thread per connection
    started = time.monotonic()
    running.stop()
    assert time.monotonic() - started < 2
    assert not set(threading.enumerate()) - before  # no connection thread left behind
    for conn in idle:
        conn.close()


def test_stop_waits_for_an_answer_under_way():
    release = threading.Event()

    def slow(environ, start_response):
        release.wait(5)
        start_response("200 OK", [("Content-Length", "4")])
        return [b"done"]

    running = SandboxServer(slow).start()
    conn = _connection(running)
    conn.request("GET", "/")
    time.sleep(0.2)  # the request is in the app
    stopper = threading.Thread(target=running.stop)
    stopper.start()
    time.sleep(0.2)
    release.set()
    response = conn.getresponse()
    assert (response.status, response.read()) == (200, b"done")
    stopper.join(5)
    assert not stopper.is_alive()
    conn.close()


def test_tls_connections_are_kept_alive_and_stop_ends_them(tmp_path):
    ensure_tls(tmp_path)
    before = set(threading.enumerate())
    running = SandboxServer(app, ssl_context=server_ssl_context(tmp_path)).start()
    conn = http.client.HTTPSConnection(running.host, running.port, timeout=5, context=client_ssl_context(tmp_path))
    assert _get(conn, "/sized")[1] == b"sized:GET"
    sock = conn.sock
    assert _get(conn, "/echo", method="POST", body=b"tls")[1] == b"tls"
    assert conn.sock is sock
    started = time.monotonic()
    running.stop()
    assert time.monotonic() - started < 2
    assert not set(threading.enumerate()) - before
    conn.close()
