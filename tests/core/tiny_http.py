"""Small real servers on 127.0.0.1 for answers a log-analyzer never gives (HTML pages, garbage, silence, a
proxy's 502, the course's original /logs-only service). Real sockets, so the client's real error paths run."""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

#: (status, content-type, body) for a request (method, path, query), optionally with headers of its own.
Reply = tuple[int, str, bytes] | tuple[int, str, bytes, dict[str, str]]
Route = Callable[[str, str, dict[str, list[str]]], Reply]


def fixed(status: int, ctype: str, body: bytes | str, headers: dict[str, str] | None = None) -> Route:
    data = body.encode() if isinstance(body, str) else body
    if headers:
        return lambda method, path, query: (status, ctype, data, headers)
    return lambda method, path, query: (status, ctype, data)


@contextmanager
def http_server(
    routes: dict[str, Route],
    *,
    tls: tuple[Path, Path] | None = None,
    extra_headers: dict[str, str] | None = None,
) -> Iterator[str]:
    """Serve `routes` (path -> Route; unknown paths 404 with JSON) and yield the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            if length:
                self.rfile.read(length)
            route = routes.get(parts.path) or routes.get("*")  # "*": every path not listed
            reply: Reply
            if route is None:
                reply = 404, "application/json", b'{"detail":"Not Found"}'
            else:
                reply = route(method, parts.path, parse_qs(parts.query))
            status, ctype, body = reply[0], reply[1], reply[2]
            headers = {**(extra_headers or {}), **(reply[3] if len(reply) == 4 else {})}
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    scheme = "http"
    if tls is not None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(tls[0]), str(tls[1]))
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def silent_server() -> Iterator[str]:
    """Accepts TCP connections (the kernel's backlog does) and never answers: a hung service."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


@contextmanager
def garbage_server(payload: bytes = b"SSH-2.0-OpenSSH_9.6\r\n") -> Iterator[str]:
    """Answers every connection with bytes that are not HTTP, then hangs up (a wrong port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    stop = threading.Event()

    def serve() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                # Read the request first: closing with unread data would reset the connection instead.
                conn.settimeout(2)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                conn.sendall(payload)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        sock.close()


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def course_original_logs(records: list[dict[str, str]]) -> Route:
    """The course's first service's /logs, for tests that mix it with other answers (a broken /stats): GET
    filtered by start/end, both required (422 in FastAPI's shape otherwise), no cursor, no limit.
    The whole service, as students have it, is tests/course_app.py (fixture `original_factory`)."""

    def route(method: str, path: str, query: dict[str, list[str]]) -> Reply:
        if method != "GET":
            return 405, "application/json", b'{"detail":"Method Not Allowed"}'
        missing = [
            {"type": "missing", "loc": ["query", name], "msg": "Field required", "input": None}
            for name in ("start_time", "end_time")
            if name not in query
        ]
        if missing:
            return 422, "application/json", json.dumps({"detail": missing}).encode()
        start = query["start_time"][0]
        end = query["end_time"][0]
        logs = [r for r in records if start <= r["timestamp"] <= end]
        return 200, "application/json", json.dumps({"logs": logs}).encode()

    return route
