"""Async HTTP client for one log-analyzer target (local, App Runner, Lambda function URL, any HTTP URL).

Every failure leaves this module as one of the typed errors in `logtui.core.errors`, with a hint saying
what to do next; callers (the TUI's workers) never see an httpx exception or a traceback.

The bearer token is kept out of `repr()` and out of every error message: the UI shows errors on screen, and
screens end up in screenshots.
"""

from __future__ import annotations

import html
import re
import socket
import ssl
import time
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

import httpx
import orjson
from log_analyzer.record import LogRecord

from logtui.core.errors import (
    ApiError,
    BadResponse,
    ConnectFailed,
    NotSupported,
    Rejected,
    RequestTimedOut,
    ServerFailed,
    TLSFailed,
    TooLarge,
    Unauthorized,
)
from logtui.core.safe_text import one_line
from logtui.core.timerange import TimeWindow, parse_ts

if TYPE_CHECKING:
    from logtui.core.config import Target

__all__ = ["Bucket", "Health", "LogClient", "LogPage", "Stats"]

Order = Literal["asc", "desc"]

# Lambda function URLs: https://<id>.lambda-url.<region>.on.aws
_LAMBDA_URL_SUFFIX = ".on.aws"
# Bodies above this are big enough that a reset while sending means "refused for its size".
_BIG_BODY = 1024 * 1024
# A /logs page asking for more records than this may fail for its size (413/502); a smaller one did not.
_LARGE_PAGE = 100


@dataclass(frozen=True)
class Health:
    status: str
    version: str | None
    storage: str | None
    records: int | None
    first_timestamp: datetime | None
    last_timestamp: datetime | None
    #: which store answers ("sqlite", "postgresql"); older services only say `storage`
    backend: str | None = None


@dataclass(frozen=True)
class Bucket:
    start: datetime
    end: datetime
    counts: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Stats:
    total: int
    tags: Mapping[str, int]
    bucket_seconds: float
    buckets: tuple[Bucket, ...]
    first_timestamp: datetime | None  # of the whole store, not the window
    last_timestamp: datetime | None
    # The window asked for: the buckets are rounded outwards, so the last one may end after it.
    window: TimeWindow | None = field(default=None, compare=False)
    # Counted by logtui from the records it loaded (the course's original service has no /stats).
    counted_here: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class LogPage:
    records: list[LogRecord]
    next_cursor: str | None
    # False when the target sent no `next_cursor` key at all (the course's original service): the page is
    # everything that target will give for the query.
    paginated: bool = True
    latency: float | None = field(default=None, compare=False)
    # How many records the target sent before logtui applied the tag and text filters itself (the original
    # service ignores them); None when the target filtered. Lets the UI say "the filter hid them all".
    unfiltered: int | None = field(default=None, compare=False)


class LogClient:
    """One target, one `httpx.AsyncClient` (pooled, keep-alive). Use as `async with` or call `aclose()`."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        token_env: str | None = None,
        name: str | None = None,
        auth: httpx.Auth | None = None,
    ) -> None:
        url = base_url.strip().rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConnectFailed(
                f"{base_url!r} is not an http(s) URL",
                "Give the service's address with its scheme, e.g. http://127.0.0.1:8000 or "
                "https://xyz.awsapprunner.com",
            )
        self.base_url = url
        # A base URL may carry a path (an API Gateway stage, a reverse proxy's prefix): errors name the
        # path actually requested, or "has no /logs" would hide where logtui looked.
        self._prefix = parts.path
        self.name = name
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.timeout = timeout
        # Only the variable's *name*, for hints; the value stays inside the httpx client's headers.
        self.token_env = token_env
        self._has_token = bool(token)
        # SigV4 (a function URL with auth type AWS_IAM): the region, for hints when AWS refuses.
        self._aws_region: str | None = getattr(auth, "region", None)
        self.last_latency: float | None = None
        #: True once the target showed it has only the course's original API (no /health, no next_cursor,
        #: or a 422 for a missing start/end): from then on every request carries both ends.
        self.original_api = False
        # /health answered 502: the gateway cannot reach the service, so a 502 on /logs is not about size.
        self._gateway_failing = False
        headers = {"Accept": "application/json", "User-Agent": "logtui"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.AsyncClient(
            base_url=url,
            headers=headers,
            # Connecting should be quick even to a cold App Runner service; reads may be slow on big pages.
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            transport=transport,
            auth=auth,
            # A redirect usually means a wrong URL (http -> https, a login page); say so rather than follow it
            # somewhere the bearer token should not go.
            follow_redirects=False,
            # HTTP(S)_PROXY is for the outside world; a proxy that cannot reach our loopback would break the
            # local target for anyone who set one without NO_PROXY.
            trust_env=not _is_loopback(self.host),
        )

    @classmethod
    def for_target(
        cls, target: Target, *, base_url: str | None = None, transport: httpx.AsyncBaseTransport | None = None
    ) -> LogClient:
        """A client for a configured target; `base_url` overrides its URL (the local runtime's address)."""
        if not (base_url or target.url):
            raise ConnectFailed(
                f"The target {target.name!r} has no address yet",
                "Start the local service (container screen) and retry, or pick another target.",
            )
        auth: httpx.Auth | None = None
        if target.auth == "aws_iam":
            from logtui.core.aws_auth import LambdaSigV4Auth

            auth = LambdaSigV4Auth.for_url(
                base_url or target.url, region=target.aws_region, profile=target.aws_profile
            )
        return cls(
            base_url or target.url,
            token=target.token(),
            timeout=target.timeout,
            transport=transport,
            token_env=target.token_env,
            name=target.name,
            auth=auth,
        )

    def __repr__(self) -> str:
        return f"LogClient({self.base_url!r}, token={'set' if self._has_token else 'none'})"

    @property
    def is_lambda_url(self) -> bool:
        return ".lambda-url." in self.host and self.host.endswith(_LAMBDA_URL_SUFFIX)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> LogClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    # --- endpoints ---------------------------------------------------------------------------------------

    async def health(self) -> Health:
        try:
            body = await self._get_json("/health", [], optional=True)
        except NotSupported:
            self.original_api = True
            raise
        obj = _expect_dict(body, "/health")
        return Health(
            status=str(obj.get("status", "ok")),
            version=_opt_text(obj.get("version")),
            storage=_opt_text(obj.get("storage")),
            records=_opt_int(obj.get("records"), "/health", "records"),
            first_timestamp=_opt_ts(obj.get("first_timestamp"), "/health", "first_timestamp"),
            last_timestamp=_opt_ts(obj.get("last_timestamp"), "/health", "last_timestamp"),
            backend=_opt_text(obj.get("backend", obj.get("storage"))),
        )

    async def stats(
        self, window: TimeWindow, *, buckets: int = 60, tags: Sequence[str] = (), q: str | None = None
    ) -> Stats:
        params = self._query(window, tags=tags, q=q, extra={"buckets": str(buckets)})
        obj = _expect_dict(await self._get_json("/stats", params, optional=True), "/stats")
        try:
            parsed_buckets = tuple(
                Bucket(
                    start=parse_ts(str(b["start"])),
                    end=parse_ts(str(b["end"])),
                    counts={str(k): int(v) for k, v in dict(b.get("counts") or {}).items()},
                )
                for b in obj.get("buckets") or []
            )
            return Stats(
                total=int(obj["total"]),
                tags={str(k): int(v) for k, v in dict(obj.get("tags") or {}).items()},
                bucket_seconds=float(obj.get("bucket_seconds") or 0.0),
                buckets=parsed_buckets,
                first_timestamp=_opt_ts(obj.get("first_timestamp"), "/stats", "first_timestamp"),
                last_timestamp=_opt_ts(obj.get("last_timestamp"), "/stats", "last_timestamp"),
                window=window,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise _bad_shape("/stats", f"{type(exc).__name__}: {exc}") from None

    async def logs(
        self,
        window: TimeWindow,
        *,
        tags: Sequence[str] = (),
        q: str | None = None,
        limit: int = 1000,
        cursor: str | None = None,
        order: Order = "asc",
    ) -> LogPage:
        extra = {"limit": str(limit), "order": order}
        if cursor:
            extra["cursor"] = cursor
        started = time.perf_counter()
        try:
            body = await self._get_json("/logs", self._query(window, tags=tags, q=q, extra=extra))
        except Rejected as exc:
            if self.original_api or not _wants_both_ends(exc, window):
                raise
            # FastAPI's 422 for a missing start_time/end_time: the course's original service. Ask again
            # with both ends, and keep sending both from now on.
            self.original_api = True
            body = await self._get_json("/logs", self._query(window, tags=tags, q=q, extra=extra))
        if isinstance(body, list):  # a bare array: some older services answer like that
            raw_records: Any = body
            paginated, next_cursor = False, None
        elif isinstance(body, dict) and isinstance(body.get("logs"), list):
            raw_records = body["logs"]
            paginated = "next_cursor" in body
            next_cursor = body.get("next_cursor") if paginated else None
            if next_cursor is not None and not isinstance(next_cursor, str):
                raise _bad_shape("/logs", f"next_cursor is {type(next_cursor).__name__}, not a string")
        else:
            raise _bad_shape("/logs", "no 'logs' list in the answer")
        try:
            records = [LogRecord.from_json(r) for r in raw_records]
        except (KeyError, TypeError, AttributeError) as exc:
            raise _bad_shape("/logs", f"a record lacks {exc}") from None
        unfiltered = None
        if not paginated:
            self.original_api = True
            unfiltered = len(records)
            records = _filter_like_the_service(records, tags=tags, q=q, order=order)
        return LogPage(
            records, next_cursor or None, paginated, time.perf_counter() - started, unfiltered=unfiltered
        )

    async def iter_pages(
        self,
        window: TimeWindow,
        *,
        tags: Sequence[str] = (),
        q: str | None = None,
        limit: int = 1000,
        order: Order = "asc",
        cursor: str | None = None,
    ) -> AsyncIterator[LogPage]:
        """Every page of the window, following `next_cursor` until the service says there is no more."""
        seen: set[str] = set()
        while True:
            page = await self.logs(window, tags=tags, q=q, limit=limit, cursor=cursor, order=order)
            yield page
            if page.next_cursor is None:
                return
            if page.next_cursor in seen:
                # A broken proxy or service handing back the same cursor would otherwise loop forever.
                raise BadResponse(
                    f"{self.host} sent the same next_cursor twice",
                    "The target's pagination is broken; the records shown so far are all logtui can get.",
                )
            seen.add(page.next_cursor)
            cursor = page.next_cursor

    async def post_logs(self, records: Iterable[LogRecord]) -> int:
        """POST records; returns how many the service says it inserted."""
        payload = {"logs": [r.to_json() for r in records]}
        resp = await self._send("POST", "/logs", content=orjson.dumps(payload), optional=True)
        obj = _expect_dict(self._decode(resp, "/logs"), "/logs")
        try:
            return int(obj["inserted"])
        except (KeyError, TypeError, ValueError):
            raise _bad_shape("/logs", "no 'inserted' count in the answer to POST") from None

    # --- plumbing ----------------------------------------------------------------------------------------

    def _query(
        self, window: TimeWindow, *, tags: Sequence[str], q: str | None, extra: Mapping[str, str]
    ) -> list[tuple[str, str]]:
        params: list[tuple[str, str]] = list(window.to_params(both_ends=self.original_api).items())
        params.extend(("tag", t) for t in tags)
        if q:
            params.append(("q", q))
        params.extend(extra.items())
        return params

    async def _get_json(self, path: str, params: list[tuple[str, str]], *, optional: bool = False) -> Any:
        resp = await self._send("GET", path, params=params, optional=optional)
        return self._decode(resp, self._prefix + path)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: list[tuple[str, str]] | None = None,
        content: bytes | None = None,
        optional: bool = False,
    ) -> httpx.Response:
        headers = {"Content-Type": "application/json"} if content is not None else None
        started = time.perf_counter()
        try:
            resp = await self._http.request(
                method,
                path,
                params=tuple(params) if params is not None else None,
                content=content,
                headers=headers,
            )
        except httpx.TimeoutException as exc:
            raise self._timeout_error(exc) from None
        except httpx.ConnectError as exc:
            raise self._connect_error(exc) from None
        except httpx.RemoteProtocolError as exc:
            raise BadResponse(
                f"{self._where()} broke off the connection or answered without valid HTTP ({exc})",
                "Check the URL: the port may serve something else, or it wants https instead of http.",
            ) from None
        except httpx.TransportError as exc:
            if _find_in_chain(exc, ssl.SSLError) is not None:
                raise self._tls_error(exc) from None
            if content is not None and len(content) > _BIG_BODY and isinstance(exc, httpx.NetworkError):
                # A service refusing a big body answers 413 and hangs up while we are still sending, so
                # the client sees a reset instead of the 413.
                raise TooLarge(
                    f"{self._where()} closed the connection while receiving {len(content) / 1e6:.1f} MB "
                    f"on {method} {path}",
                    _too_large_hint(method),
                ) from None
            raise ConnectFailed(
                f"{self._where()} dropped the connection before answering ({_describe(exc)})",
                "Check that the URL's scheme and port are the log-analyzer's; if they are, the service may "
                "have crashed mid-request: look at its logs, then retry.",
            ) from None
        self.last_latency = time.perf_counter() - started
        self._raise_for_status(resp, method, self._prefix + path, optional=optional, params=params)
        return resp

    def _where(self) -> str:
        # An IPv6 literal needs its brackets, or "::1:8777" reads as one address.
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def _timeout_error(self, exc: httpx.TimeoutException) -> RequestTimedOut:
        if isinstance(exc, httpx.ConnectTimeout):
            return RequestTimedOut(
                f"Connecting to {self._where()} timed out",
                "The host does not answer: check the URL and that the service is up (a firewall may drop "
                "the packets).",
            )
        return RequestTimedOut(
            f"{self._where()} did not answer within {self.timeout:g} s",
            "The service may be busy or cold-starting: retry, raise the target's timeout or lower page_size.",
        )

    def _connect_error(self, exc: httpx.ConnectError) -> ApiError:
        if _find_in_chain(exc, ssl.SSLError) is not None:
            return self._tls_error(exc)
        if _find_in_chain(exc, socket.gaierror) is not None:
            return ConnectFailed(
                f"Cannot resolve the host name {self.host!r}",
                f"Check the spelling of {self.host} in the URL, and your DNS / network connection.",
            )
        if _find_in_chain(exc, ConnectionRefusedError) is not None:
            return ConnectFailed(
                f"{self._where()} refused the connection",
                f"Nothing listens on {self._where()}: start the service (for the local target, start the "
                "container or the embedded runtime) or fix the port in the URL.",
            )
        return ConnectFailed(
            f"Cannot connect to {self._where()}: {_describe(exc)}",
            f"Check that {self.host} is reachable from this machine and the URL is right.",
        )

    def _tls_error(self, exc: BaseException) -> TLSFailed:
        cause = _find_in_chain(exc, ssl.SSLError)
        reason = getattr(cause, "reason", None) or _describe(cause or exc)
        if isinstance(cause, ssl.SSLCertVerificationError):
            hint = (
                f"The certificate of {self.host} is not trusted ({cause.verify_message}). "
                "Check the URL's host name; a corporate proxy may need its CA in SSL_CERT_FILE."
            )
        else:
            hint = f"Check the scheme: {self._where()} may speak plain http, not https."
        return TLSFailed(f"TLS handshake with {self._where()} failed ({reason})", hint)

    def _raise_for_status(
        self,
        resp: httpx.Response,
        method: str,
        path: str,
        *,
        optional: bool,
        params: list[tuple[str, str]] | None = None,
    ) -> None:
        status = resp.status_code
        if path.endswith("/health"):
            self._gateway_failing = status == 502
        if status < 300:
            return
        detail = _error_detail(resp)
        aws_error = resp.headers.get("x-amzn-errortype", "").split(":", 1)[0].strip()
        if status == 403 and (
            aws_error == "MissingAuthenticationTokenException" or detail == "Missing Authentication Token"
        ):
            # API Gateway's answer for a path it has no route for (whatever the auth): not a key problem.
            raise Rejected(
                f"{self._where()} has no route {method} {path} "
                "(API Gateway: 403 Missing Authentication Token)",
                "API Gateway says this for a path that matches none of its routes, not for a missing key. "
                "Check the URL's prefix: the base URL must end where the service's routes start (usually "
                "the stage, e.g. https://<id>.execute-api.<region>.amazonaws.com/prod), without /logs.",
                status=status,
            )
        signed = self._aws_region is not None
        # The service's own key checks answer 401, so a 403 to a signed request is AWS's too.
        if status == 403 and (aws_error or signed or _aws_forbidden(resp)):
            raise Unauthorized(
                f"AWS refused the call to {path} before it reached the service "
                f"({status}: {detail}{', ' + aws_error if aws_error else ''})",
                _aws_signed_refusal_hint(detail, self._aws_region) if signed else _aws_refusal_hint(),
            )
        if status == 403 and _refused_parameter(resp) == "Host":
            # The service's own guard against web pages (DNS rebinding): not a key problem, a name problem.
            raise Rejected(
                f"{self._where()} does not answer the host name {self.host!r} (403: {detail})",
                "A log-analyzer without an API key answers only loopback names and AWS hosts. On the "
                f"service, add {self.host} to LOG_ANALYZER_ALLOWED_HOSTS, or require a key for reads "
                "(LOG_ANALYZER_API_KEY and LOG_ANALYZER_READ_REQUIRES_KEY=1) and give this target a "
                "token_env.",
                status=status,
            )
        if 300 <= status < 400:
            location = resp.headers.get("location", "?")
            raise BadResponse(
                f"{self._where()} redirects {path} to {location}",
                "Use the address it redirects to as the target URL (often https:// instead of http://).",
            )
        if status in (401, 403):
            raise Unauthorized(f"{self._where()} refused access ({status}: {detail})", self._auth_hint())
        if status == 413 or (status == 502 and self._large_page(method, path, params)):
            raise TooLarge(
                f"{self._where()} answered {status} to {method} {path}: {detail}",
                _too_large_hint(method, original=self.original_api),
            )
        if status == 502:
            raise ServerFailed(
                f"{self._where()} answered 502 (bad gateway) to {method} {path}: {detail}",
                "A gateway in front of the service (API Gateway, App Runner, Lambda's URL, a proxy) could "
                "not reach it or got no valid answer: check that the service runs and look at its logs "
                "(CloudWatch, the container pane), then retry.",
            )
        if optional and (status == 404 or (status == 405 and method != "GET")):
            raise NotSupported(
                f"{self._where()} has no {method} {path}",
                "This looks like the course's original service (only GET /logs): the view works, "
                "the histogram and counts do not.",
            )
        if status == 404:
            raise Rejected(
                f"{self._where()} has no {path} ({detail})",
                "Check that the URL points at a log-analyzer (the base URL, without /logs at the end).",
                status=status,
            )
        if status < 500:
            raise Rejected(detail, None, status=status)
        if status in (503, 504):
            hint = "The service is starting, overloaded or behind a gateway that gave up: retry in a moment."
        else:
            hint = "The service itself failed: look at its logs (container pane, CloudWatch), then retry."
        raise ServerFailed(f"{self._where()} failed with {status} on {method} {path}: {detail}", hint)

    def _large_page(self, method: str, path: str, params: list[tuple[str, str]] | None) -> bool:
        """A GET /logs that may have failed for its size: many records asked for (the original service
        sends the whole window), and /health did not fail the same way (then the gateway is the problem)."""
        if method != "GET" or not path.endswith("/logs") or self._gateway_failing:
            return False
        if self.original_api:
            return True
        limit = dict(params or []).get("limit", "")
        return limit.isdigit() and int(limit) > _LARGE_PAGE

    def _auth_hint(self) -> str:
        # Only the service's own refusals get here (AWS's are told apart by their body and headers), so the
        # hint is about the service's API key whatever the host name.
        # The token is read from logtui's own environment, which an `export` in another shell cannot
        # change: the hints say to start logtui again rather than promise that retry picks it up.
        if self.token_env and self._has_token:
            return (
                f"The API key in {self.token_env} is wrong: quit, export {self.token_env}=<key> (the "
                "service's LOG_ANALYZER_API_KEY) and start logtui again."
            )
        if self.token_env and _looks_like_a_token(self.token_env):
            # Unset and shaped like a key rather than a variable name: most likely the token pasted into
            # token_env. Do not put it on screen.
            return (
                "The service wants an API key and the variable named by this target's token_env is not "
                "set. token_env must hold a variable's name (e.g. LOGTUI_TOKEN), not the token: fix it, "
                "then quit, export that variable and start logtui again."
            )
        if self.token_env:
            return (
                f"The service wants an API key and {self.token_env} is not set: quit, export "
                f"{self.token_env}=<key> (the service's LOG_ANALYZER_API_KEY) and start logtui again."
            )
        return (
            "The service wants an API key (its LOG_ANALYZER_API_KEY): quit and start "
            f"`LOGTUI_TOKEN=<key> logtui --url {self.base_url} --token-env LOGTUI_TOKEN`, or save this URL "
            "as a target (t, then a) with a token env variable."
        )

    def _decode(self, resp: httpx.Response, path: str) -> Any:
        try:
            return orjson.loads(resp.content)
        except orjson.JSONDecodeError:
            ctype = resp.headers.get("content-type", "no content-type")
            if "json" in ctype.lower() or resp.content.lstrip()[:1] in (b"{", b"["):
                raise BadResponse(
                    f"{self._where()} answered {path} with invalid or truncated JSON "
                    f"({len(resp.content):,} bytes)",
                    "The answer was cut off or mangled on the way (a proxy or gateway, or the service "
                    "stopped mid-answer): retry, and look at the service's logs if it happens again.",
                ) from None
            raise BadResponse(
                f"{self._where()} answered {path} with {ctype}, not JSON: {_snippet(resp.content)!r}",
                "The URL probably points at a web page or a proxy, not at a log-analyzer: check it.",
            ) from None


def _filter_like_the_service(
    records: list[LogRecord], *, tags: Sequence[str], q: str | None, order: Order
) -> list[LogRecord]:
    """The course's original service ignores tag, q and order: apply them here, or a search would seem to
    match everything. (Its start/end filter works; limit is left alone: without a cursor, cutting the
    answer would lose records.)"""
    if tags:
        wanted = set(tags)
        records = [r for r in records if r.tag in wanted]
    if q:
        needle = q.casefold()
        records = [r for r in records if needle in r.message.casefold()]
    return sorted(records, key=lambda r: r.timestamp, reverse=order == "desc")


def _looks_like_a_token(name: str) -> bool:
    """Long, with lower-case letters and digits: how keys look, not how variable names are written."""
    return len(name) >= 16 and any(c.islower() for c in name) and any(c.isdigit() for c in name)


def _is_loopback(host: str) -> bool:
    host = host.lower()
    return host in ("localhost", "::1") or host.startswith("127.") or host.endswith(".localhost")


def _aws_forbidden(resp: httpx.Response) -> bool:
    """`{"Message": "Forbidden"}` (capital M): how a Lambda function URL refuses a call; the service never
    answers like that."""
    try:
        body = orjson.loads(resp.content)
    except orjson.JSONDecodeError:
        return False
    return isinstance(body, dict) and (
        "Message" in body or (body.get("message") == "Forbidden" and "detail" not in body)
    )


def _aws_signed_refusal_hint(detail: str, region: str | None) -> str:
    # Imported here: aws_auth is loaded only for signed targets (see its docstring).
    from logtui.core.aws_auth import aws_denied_hint

    return aws_denied_hint(detail, signed=True, region=region)


def _aws_refusal_hint() -> str:
    return (
        "This 403 comes from AWS, not from the service's API key: a Lambda function URL with auth type "
        "AWS_IAM (or a resource policy that does not allow this caller) wants requests signed with AWS "
        'SigV4: start logtui with --aws-iam or give the target auth = "aws_iam", or set the function URL\'s '
        "auth type to NONE and protect writes with the service's API key."
    )


def _too_large_hint(method: str, *, original: bool = False) -> str:
    if method == "GET" and original:
        return (
            "This target has only the course's original API, which sends the whole window in one answer: "
            "pick a shorter window (s, or [ ] to step)."
        )
    if method == "GET":
        return (
            "The page was too big for the target (Lambda's limit is 6 MB; proxies have their own): "
            "lower page_size in the config and retry."
        )
    return "The body was too big for the target (the service takes 5 MB): send fewer records per request."


def _wants_both_ends(exc: Rejected, window: TimeWindow) -> bool:
    """A 422 naming start_time or end_time as missing, for a window with an open end."""
    if exc.status != 422 or window.bounded:
        return False
    text = exc.title.lower()
    return ("start_time" in text or "end_time" in text) and ("required" in text or "missing" in text)


def _find_in_chain(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    """httpx wraps httpcore wraps anyio's OSError wraps (sometimes in a group) the socket error we want."""
    stack: list[BaseException | None] = [exc]
    seen: set[int] = set()
    while stack:
        cur = stack.pop()
        if cur is None or id(cur) in seen:
            continue
        seen.add(id(cur))
        if isinstance(cur, kind):
            return cur
        stack.extend((cur.__cause__, cur.__context__))
        if isinstance(cur, BaseExceptionGroup):
            stack.extend(cur.exceptions)
    return None


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _snippet(content: bytes, size: int = 60) -> str:
    return " ".join(content[:size].decode("utf-8", errors="replace").split())


def _refused_parameter(resp: httpx.Response) -> str | None:
    """The parameter a log-analyzer's 4xx names first (`errors[0].parameter`), if the body has that shape."""
    try:
        body = orjson.loads(resp.content)
    except orjson.JSONDecodeError:
        return None
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        parameter = errors[0].get("parameter")
        return parameter if isinstance(parameter, str) else None
    return None


def _error_detail(resp: httpx.Response) -> str:
    """The server's own words: FastAPI's `detail`, AWS's `message`/`Message`, else the first bytes.

    Made safe to draw: they end up in the UI's error lines, and a control character from a server must not
    reach the terminal as an escape sequence.
    """
    return one_line(_raw_error_detail(resp))


def _raw_error_detail(resp: httpx.Response) -> str:
    try:
        body = orjson.loads(resp.content)
    except orjson.JSONDecodeError:
        page = _html_text(resp.content)
        if page is not None:
            # Raw markup in an error line is noise; the page's title (or its words) says what answered.
            return f"an HTML page: {page}" if page else "an HTML page"
        text = _snippet(resp.content, 120)
        return text or resp.reason_phrase or f"HTTP {resp.status_code}"
    if isinstance(body, dict):
        for key in ("detail", "message", "Message", "error"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, list) and value:  # FastAPI's default validation error shape
                return "; ".join(_validation_item(v) for v in value)
    return _snippet(resp.content, 120)


_HTML_START = re.compile(rb"\s*<(!doctype\s+html|html|head|body|h1|title)\b", re.IGNORECASE)
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"<[^>]*>")


def _html_text(content: bytes, size: int = 120) -> str | None:
    """The title, else the words, of an HTML page; None when `content` is not HTML."""
    if not _HTML_START.match(content[:200]):
        return None
    text = content[:4096].decode("utf-8", errors="replace")
    found = _HTML_TITLE.search(text)
    words = found.group(1) if found else _HTML_TAG.sub(" ", text)
    return " ".join(html.unescape(words).split())[:size]


def _validation_item(item: object) -> str:
    if isinstance(item, dict):
        loc = item.get("loc")
        where = ".".join(str(p) for p in loc[1:]) if isinstance(loc, list) and len(loc) > 1 else ""
        msg = str(item.get("msg", item))
        return f"{where}: {msg}" if where else msg
    return str(item)


def _bad_shape(path: str, problem: str) -> BadResponse:
    return BadResponse(
        f"The answer to {path} is not a log-analyzer's ({problem})",
        "Check that the URL points at a log-analyzer, and that its version matches this logtui.",
    )


def _expect_dict(body: Any, path: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise _bad_shape(path, f"a JSON {type(body).__name__} instead of an object")
    return body


def _opt_text(value: object) -> str | None:
    """A server-given string shown as is (the version): no control characters, at most 80 characters."""
    return None if value is None else one_line(str(value))[:80]


def _opt_int(value: object, path: str, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _bad_shape(path, f"{key} is not a number")
    try:
        return int(value)
    except ValueError:
        raise _bad_shape(path, f"{key} is not a number") from None


def _opt_ts(value: object, path: str, key: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_ts(str(value))
    except ValueError:
        raise _bad_shape(path, f"{key} {value!r} is not a timestamp") from None
