"""What keeps web pages in the user's browser away from a service that answers without a key.

- DNS rebinding: a page on attacker.example whose name is re-pointed at 127.0.0.1 reaches the service with
  `Host: attacker.example`. While reads need no key, only Hosts that are a loopback name or address, an AWS
  endpoint (App Runner `*.awsapprunner.com`, Lambda function URL `*.lambda-url.<region>.on.aws`, API Gateway
  `*.execute-api.<region>.amazonaws.com`) or listed in LOG_ANALYZER_ALLOWED_HOSTS are answered. `GET /health`
  stays open (container health checks, logtui's probe through a remote Docker engine): it tells only counts
  and first/last timestamps.
- Cross-site writes: a page can POST `text/plain` without a CORS preflight. POST /logs needs
  `Content-Type: application/json` (which a page can only send after a preflight this service never grants)
  and is refused when the browser says it comes from another Origin.
- Writes are checked for the API key here, before the body is read: a keyless client cannot make the server
  buffer 5 MiB.

Every refusal drains the request body first (bounded), so the client reads the answer.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from log_analyzer.auth import CHALLENGE, bearer_credentials, refusal
from log_analyzer.body_limit import refuse
from log_analyzer.settings import Settings

_AWS_HOSTS = (
    re.compile(r"[a-z0-9-]+\.lambda-url\.[a-z0-9-]+\.on\.aws", re.ASCII),
    re.compile(r"[a-z0-9-]+\.[a-z0-9-]+\.awsapprunner\.com", re.ASCII),
    # API Gateway in front of the Lambda function: also a name only AWS hands out
    re.compile(r"[a-z0-9]+\.execute-api\.[a-z0-9-]+\.amazonaws\.com", re.ASCII),
)
_OPEN_PATHS = frozenset(("/health",))
_WRITE_PATHS = frozenset(("/logs",))


def split_host(value: str) -> tuple[str, str]:
    """`Host` header -> (name, port or ""): "LocalHost:8000" -> ("localhost", "8000"), "[::1]:80" -> ("::1",
    "80")."""
    value = value.strip().lower()
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        return name, rest.removeprefix(":")
    name, sep, port = value.rpartition(":")
    if sep and port.isdigit() and ":" not in name:
        return name.rstrip("."), port
    return value.rstrip("."), ""


def is_builtin_host(name: str) -> bool:
    """Loopback names and addresses (and 0.0.0.0, which browsers send to the same machine), and AWS hosts."""
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return any(p.fullmatch(name) for p in _AWS_HOSTS)
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    return address.is_loopback or address.is_unspecified


def listed(name: str, allowed: tuple[str, ...]) -> bool:
    for entry in allowed:
        if entry == "*" or entry == name:
            return True
        if entry.startswith(".") and (name.endswith(entry) or name == entry[1:]):
            return True
        if entry.startswith("[") and entry.strip("[]") == name:
            return True
    return False


def host_allowed(name: str, settings: Settings) -> bool:
    return is_builtin_host(name) or listed(name, settings.allowed_hosts)


def _headers(scope: Scope) -> dict[bytes, bytes]:
    out: dict[bytes, bytes] = {}
    for k, v in scope.get("headers", ()):
        out.setdefault(k, v)
    return out


def _error(parameter: str, detail: str) -> dict[str, object]:
    return {"detail": detail, "errors": [{"parameter": parameter, "message": detail}]}


class RequestGuard:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        path = scope.get("path", "")
        settings = self.settings
        host_header = headers.get(b"host", b"").decode("latin-1")
        name, port = split_host(host_header)
        # No Host at all is an HTTP/1.0 client, never a browser.
        guarded = settings.reads_are_open and path not in _OPEN_PATHS and bool(host_header)
        if guarded and not host_allowed(name, settings):
            shown = host_header if len(host_header) <= 80 else host_header[:80] + "…"
            detail = (
                f"Host {shown!r} is not answered here: without an API key this service only answers "
                "loopback names (localhost, 127.0.0.1, [::1]) and AWS App Runner / Lambda URL hosts. To "
                "reach it by this name, add it to LOG_ANALYZER_ALLOWED_HOSTS (or require a key for reads)."
            )
            await refuse(scope, receive, send, 403, _error("Host", detail))
            return
        if scope["method"] == "POST" and path in _WRITE_PATHS:
            problem = refusal(
                settings.api_key,
                bearer_credentials(headers.get(b"authorization", b"").decode("latin-1") or None),
                "write logs",
            )
            if problem is not None:
                await refuse(scope, receive, send, 401, {"detail": problem}, headers=CHALLENGE)
                return
            origin = headers.get(b"origin")
            if origin is not None and not self._same_origin(origin.decode("latin-1"), name, port):
                detail = (
                    f"Origin {origin.decode('latin-1')[:80]!r}: writes from that web page are refused: it is "
                    "another origin than this service. List its host in LOG_ANALYZER_ALLOWED_HOSTS to allow "
                    "it."
                )
                await refuse(scope, receive, send, 403, _error("Origin", detail))
                return
            encoding = headers.get(b"content-encoding", b"").decode("latin-1").strip().lower()
            if encoding not in ("", "identity"):
                detail = (
                    f"Bodies with Content-Encoding: {encoding[:40]} are not accepted; send the JSON "
                    "uncompressed (at most 5 MiB per request)."
                )
                await refuse(scope, receive, send, 415, _error("Content-Encoding", detail))
                return
            ctype = headers.get(b"content-type", b"").decode("latin-1")
            if ctype.split(";", 1)[0].strip().lower() != "application/json":
                got = f"got {ctype[:60]!r}" if ctype else "none was sent"
                detail = (
                    f"POST /logs needs the header Content-Type: application/json ({got}); with curl, "
                    "add -H 'Content-Type: application/json' or use --json."
                )
                await refuse(scope, receive, send, 415, _error("Content-Type", detail))
                return
        await self.app(scope, receive, send)

    def _same_origin(self, origin: str, host: str, port: str) -> bool:
        try:
            parts = urlsplit(origin.strip())
            origin_host = (parts.hostname or "").lower()
            origin_port = str(parts.port or (443 if parts.scheme == "https" else 80))
        except ValueError:
            return False
        if not origin_host:  # "null": a sandboxed frame or a file:// page
            return False
        # A Host without a port (behind a TLS proxy, the port is the proxy's) matches any port of its name.
        if origin_host == host and (not port or origin_port == port):
            return True
        return listed(origin_host, self.settings.allowed_hosts)
