"""An independent AWS Signature Version 4 verifier, written from AWS's specification — deliberately not
botocore, which signs on logtui's side — and checked against AWS's published test vectors
(tests/aws/sigv4_vectors, from the aws-sig-v4-test-suite).

`sigv4_gateway` puts it in front of a real log-analyzer as a loopback HTTP server that plays a Lambda function
URL with auth type AWS_IAM: it refuses what AWS would refuse, with AWS's words and status, and forwards the
rest.
"""

from __future__ import annotations

import hashlib
import hmac
import posixpath
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote

import httpx
import orjson

ALGORITHM = "AWS4-HMAC-SHA256"
_AUTHZ = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),"
    r"\s*Signature=(?P<signature>[0-9a-f]{64})$"
)
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def uri_encode(text: str, *, keep_slash: bool = False) -> str:
    """RFC 3986 encoding as the spec wants it: unreserved characters kept, everything else %XX (upper)."""
    return quote(text, safe="-_.~/" if keep_slash else "-_.~")


def canonical_uri(raw_path: str) -> str:
    """The path as sent, with dot segments and duplicate slashes removed, then encoded (again: for every
    service but S3 the already-encoded path is encoded a second time)."""
    path = raw_path or "/"
    normal = posixpath.normpath(path)
    if normal.startswith("//"):
        normal = "/" + normal.lstrip("/")
    if path.endswith("/") and normal != "/":
        normal += "/"
    return uri_encode(normal, keep_slash=True)


def canonical_query(raw_query: str) -> str:
    """Each name and value decoded then encoded strictly, sorted by name, then by value."""
    pairs: list[tuple[str, str]] = []
    for part in raw_query.split("&") if raw_query else []:
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((uri_encode(unquote(name)), uri_encode(unquote(value))))
    return "&".join(f"{n}={v}" for n, v in sorted(pairs))


def canonical_headers(headers: list[tuple[str, str]], signed: list[str]) -> str:
    values: dict[str, list[str]] = {}
    for name, value in headers:
        values.setdefault(name.lower(), []).append(" ".join(value.split()))
    return "".join(f"{name}:{','.join(values.get(name, []))}\n" for name in signed)


def canonical_request(
    method: str, target: str, headers: list[tuple[str, str]], body: bytes, signed: list[str]
) -> str:
    path, _, query = target.partition("?")
    return "\n".join(
        [
            method,
            canonical_uri(path),
            canonical_query(query),
            canonical_headers(headers, signed),
            ";".join(signed),
            hashlib.sha256(body).hexdigest(),
        ]
    )


def string_to_sign(amz_date: str, scope: str, creq: str) -> str:
    return "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def signature(secret: str, date: str, region: str, service: str, sts: str) -> str:
    return hmac.new(signing_key(secret, date, region, service), sts.encode(), hashlib.sha256).hexdigest()


@dataclass
class Key:
    secret: str
    #: A session token the request must carry (temporary credentials), None for long-term keys.
    token: str | None = None
    expired: bool = False


class Refused(Exception):
    def __init__(self, message: str, key: str = "message") -> None:
        super().__init__(message)
        self.body = {key: message}


@dataclass
class Verifier:
    region: str
    service: str = "lambda"
    keys: dict[str, Key] = field(default_factory=dict)
    #: The clock skew AWS tolerates.
    skew: timedelta = timedelta(minutes=15)
    now: datetime | None = None

    def check(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> str:
        """The access key of a correctly signed request; raises Refused with AWS's words otherwise."""
        found = {n.lower(): v for n, v in headers}
        authz = found.get("authorization")
        if authz is None:
            raise Refused("Forbidden", key="Message")
        match = _AUTHZ.match(authz.strip())
        if match is None:
            raise Refused("Authorization header requires 'Credential', 'Signature' and 'SignedHeaders'.")
        access_key, date, region, service, terminator = (match["credential"].split("/") + [""] * 5)[:5]
        signed = match["signed"].split(";")
        if terminator != "aws4_request" or service != self.service:
            raise Refused(f"Credential should be scoped to correct service: '{self.service}'.")
        if region != self.region:
            raise Refused(f"Credential should be scoped to a valid region, not '{region}'. ")
        if "host" not in signed or signed != sorted(signed):
            raise Refused("'Host' must be a signed header, and signed headers must be sorted.")
        amz_date = found.get("x-amz-date", "")
        try:
            when = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError:
            raise Refused(
                "Authorization header requires existence of either a 'X-Amz-Date' header."
            ) from None
        now = self.now or datetime.now(UTC)
        if abs(now - when) > self.skew or not amz_date.startswith(date):
            raise Refused("Signature expired: the request time is too far from the server's time.")
        key = self.keys.get(access_key)
        if key is None:
            raise Refused("The security token included in the request is invalid.")
        if key.token is not None and found.get("x-amz-security-token") != key.token:
            raise Refused("The security token included in the request is invalid.")
        creq = canonical_request(method, target, headers, body, signed)
        scope = f"{date}/{region}/{service}/aws4_request"
        expected = signature(key.secret, date, region, service, string_to_sign(amz_date, scope, creq))
        if not hmac.compare_digest(expected, match["signature"]):
            raise Refused(
                "The request signature we calculated does not match the signature you provided. Check your "
                "AWS Secret Access Key and signing method. Consult the service documentation for details."
            )
        if key.expired:
            raise Refused("The security token included in the request is expired")
        return access_key


@dataclass
class Gateway:
    url: str
    verifier: Verifier
    #: (access key or None, status) per request, in order.
    seen: list[tuple[str | None, int]] = field(default_factory=list)


@contextmanager
def sigv4_gateway(upstream: str, verifier: Verifier, *, prefix: str = "") -> Iterator[Gateway]:
    """A function URL stand-in on 127.0.0.1: verify, then forward to `upstream` (a real log-analyzer).

    `prefix` plays an API stage or a proxy's path: signed as part of the path, stripped before forwarding.
    """
    forward = httpx.Client(base_url=upstream, timeout=30.0)
    gateway = Gateway("", verifier)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = list(self.headers.items())
            try:
                access_key: str | None = verifier.check(self.command, self.path, headers, body)
            except Refused as refused:
                gateway.seen.append((None, 403))
                self._reply(403, "application/json", orjson.dumps(refused.body), "AccessDeniedException")
                return
            passed = {
                k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept", "user-agent")
            }
            path = self.path
            if prefix:
                if not path.startswith(prefix + "/"):
                    gateway.seen.append((access_key, 404))
                    self._reply(404, "application/json", b'{"message": "Not Found"}')
                    return
                path = path[len(prefix) :]
            resp = forward.request(self.command, path, content=body, headers=passed)
            gateway.seen.append((access_key, resp.status_code))
            self._reply(resp.status_code, resp.headers.get("content-type", "application/json"), resp.content)

        def _reply(self, status: int, ctype: str, body: bytes, error_type: str | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            if error_type:
                self.send_header("x-amzn-ErrorType", error_type)
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
        forward.close()
