"""The FastAPI app factory, used by `log-analyzer serve`, the Lambda handler and the tests."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import Annotated, Literal

import orjson
from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import StringConstraints
from starlette.responses import Response

from log_analyzer import __version__, errors, storage_errors
from log_analyzer.auth import require_read, require_write
from log_analyzer.body_limit import BodyLimit
from log_analyzer.cursor import CursorCodec, CursorError
from log_analyzer.errors import ParamError, json_response
from log_analyzer.models import (
    ERROR_RESPONSES,
    POST_BODY_SCHEMA,
    WRITE_RESPONSES,
    ErrorOut,
    HealthOut,
    InsertedOut,
    LogsPage,
    StatsOut,
)
from log_analyzer.pages import render_logs_page
from log_analyzer.pruner import prune_forever
from log_analyzer.request_guard import RequestGuard
from log_analyzer.seed import load_sample
from log_analyzer.settings import Settings
from log_analyzer.stats_limit import fold_tags
from log_analyzer.store import LogStore, StoreUnavailable, open_store, render_bound
from log_analyzer.store import Query as LogQuery
from log_analyzer.timefmt import TimeFormatError, parse_timestamp
from log_analyzer.validation import MAX_Q_CHARS, TAG_PATTERN, check_batch

MAX_BODY_BYTES = 5 * 1024 * 1024
log = logging.getLogger("log_analyzer")

TagParam = Annotated[str, StringConstraints(pattern=TAG_PATTERN)]
START_DOC = "inclusive; ISO-8601 (naive = UTC, `Z`/`±hh:mm` accepted) or a date (its first moment)"
END_DOC = "inclusive; ISO-8601 (naive = UTC, `Z`/`±hh:mm` accepted) or a date (up to its last moment)"


def _log_upgrade(done: int, total: int) -> None:
    if done == 0:
        log.info("upgrading the store in place: indexing %d records for /stats and q", total)
    elif done == total or done % 200_000 < 20_000:
        log.info("upgrading the store: %d of %d records indexed", done, total)


class Service:
    """What the routes share: settings, the store and the cursor codec."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store: LogStore = open_store(settings, upgrade_progress=_log_upgrade)
        if settings.seed_on_empty and self.store.is_empty():
            n = load_sample(self.store)
            log.info("database was empty: loaded the %d-record seed sample", n)

        self.cursors = CursorCodec(settings.cursor_secret or str(self.store.meta("cursor_secret")))

    def close(self) -> None:
        self.store.close()


def start_service(app: FastAPI) -> Service:
    service: Service | None = getattr(app.state, "service", None)
    if service is None:
        service = Service(app.state.settings)
        app.state.service = service
    return service


def _service(request: Request) -> Service:
    return start_service(request.app)


#: the only query parameter that may be given more than once
REPEATABLE = frozenset(("tag",))


def only_params(*allowed: str) -> Callable[[Request], None]:
    """A dependency refusing unknown query parameters (a typo such as `start=` would otherwise be ignored
    silently and return an unfiltered window) and repeats of single-valued ones (`limit=abc&limit=5` would
    silently take the last)."""
    known = frozenset(allowed)

    def check(request: Request) -> None:
        names = request.query_params.keys()
        unknown = [name for name in dict.fromkeys(names) if name not in known]
        if unknown:
            takes = ", ".join(allowed) if allowed else "no query parameters"
            raise ParamError(
                [(name[:40], f"is not a parameter of this endpoint, which takes {takes}") for name in unknown]
            )
        repeated = [
            (name, n)
            for name in dict.fromkeys(names)
            if name not in REPEATABLE and (n := len(request.query_params.getlist(name))) > 1
        ]
        if repeated:
            raise ParamError([(name, f"is given {n} times; give it once") for name, n in repeated])

    return check


#: "…T10:00:00 02:00": an unencoded "+" in a query string is read as a space
_PLUS_AS_SPACE = re.compile(r"\d \d\d(:?\d\d)?\s*$")


def _time_problem(text: str, exc: TimeFormatError) -> str:
    if _PLUS_AS_SPACE.search(text):
        return (
            f"{exc}. A '+' in a URL query means a space: send the offset as %2B (e.g. "
            "2023-04-23T10:00:00%2B02:00), or use Z"
        )
    return str(exc)


def _window(start_time: str | None, end_time: str | None) -> tuple[int | None, int | None]:
    problems: list[tuple[str, str]] = []
    start = end = None
    if start_time is not None:
        try:
            start = parse_timestamp(start_time, round_up=True)[0]
        except TimeFormatError as exc:
            problems.append(("start_time", _time_problem(start_time, exc)))
    if end_time is not None:
        try:
            end = parse_timestamp(end_time, end_of_day=True)[0]
        except TimeFormatError as exc:
            problems.append(("end_time", _time_problem(end_time, exc)))
    if start is not None and end is not None and start > end:
        problems.append(("start_time", f"{start_time!r} is after end_time {end_time!r}; swap them"))
    if problems:
        raise ParamError(problems)
    return start, end


def _not_json(raw: bytes, exc: orjson.JSONDecodeError) -> str:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        return (
            f"is not UTF-8 text (byte 0x{raw[bad.start]:02x} at offset {bad.start}); send JSON encoded as "
            "UTF-8"
        )
    return f"is not valid JSON ({exc})"


def _query(start_time: str | None, end_time: str | None, tags: list[str], q: str | None) -> LogQuery:
    start, end = _window(start_time, end_time)
    if q is not None and "\x00" in q:
        raise ParamError([("q", "contains a NUL character")])
    unique = tuple(dict.fromkeys(t.upper() for t in tags))
    return LogQuery(start=start, end=end, tags=unique, q=q or None)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings if settings is not None else Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service = await run_in_threadpool(start_service, app)
        pruner = None
        if settings.retention_days is not None:
            pruner = asyncio.create_task(prune_forever(service.store, settings))
        try:
            yield
        finally:
            if pruner is not None:
                pruner.cancel()
                with suppress(asyncio.CancelledError):
                    await pruner
            app.state.service = None
            service.close()

    app = FastAPI(
        title="log-analyzer",
        version=__version__,
        description=(
            "Stores log records (timestamp, tag, message) in SQLite or PostgreSQL and answers time-ranged "
            "queries."
        ),
        lifespan=lifespan,
        # Swagger UI and ReDoc load their JavaScript from a CDN: not served. The spec is, behind the read key.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.service = None
    errors.install(app)
    # Last added runs first: the guard (Host, key, Origin, Content-Type) before the size check buffers.
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(RequestGuard, settings=settings)

    @app.exception_handler(sqlite3.DatabaseError)
    async def _storage_failed(request: Request, exc: sqlite3.DatabaseError) -> Response:
        why = storage_errors.reason(exc, busy_timeout=settings.busy_timeout_seconds)
        log.warning("storage error on %s %s: %s", request.method, request.url.path, exc)
        detail = f"The storage cannot serve this request: {why}."
        if request.method == "POST":
            detail += " Nothing of this request was stored."
        retry = storage_errors.passes(exc)
        if retry:
            detail += " Retry shortly."
        headers = {"Retry-After": "5"} if retry else None
        return json_response({"detail": detail}, storage_errors.status(exc), headers)

    @app.get("/openapi.json", include_in_schema=False, dependencies=[Depends(require_read)])
    def openapi_spec() -> Response:
        return json_response(app.openapi())

    @app.exception_handler(StoreUnavailable)
    async def _store_down(request: Request, exc: StoreUnavailable) -> Response:
        log.warning("storage unavailable on %s %s: %s", request.method, request.url.path, exc)
        detail = f"{exc}."
        if request.method == "POST":
            detail += " Nothing of this request was stored."
        return json_response({"detail": detail + " Retry shortly."}, 503, {"Retry-After": "5"})

    @app.get(
        "/logs",
        response_model=None,
        responses={200: {"model": LogsPage}, **ERROR_RESPONSES},
        dependencies=[
            Depends(require_read),
            Depends(only_params("start_time", "end_time", "tag", "q", "limit", "cursor", "order")),
        ],
        summary="Records in a time window, oldest first (or newest first with order=desc)",
    )
    def get_logs(
        service: Annotated[Service, Depends(_service)],
        start_time: Annotated[str | None, Query(max_length=64, description=START_DOC)] = None,
        end_time: Annotated[str | None, Query(max_length=64, description=END_DOC)] = None,
        tag: Annotated[list[TagParam], Query(description="repeatable; case-insensitive")] = [],  # noqa: B006
        q: Annotated[
            str | None, Query(max_length=MAX_Q_CHARS, description="case-insensitive substring of the message")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
        cursor: Annotated[
            str | None, Query(max_length=512, description="`next_cursor` of the previous page")
        ] = None,
        order: Literal["asc", "desc"] = "asc",
    ) -> Response:
        query = _query(start_time, end_time, tag, q)
        after = None
        if cursor is not None:
            try:
                after = service.cursors.decode(cursor, query, order)
            except CursorError as exc:
                raise ParamError([("cursor", str(exc))]) from None
        rows = service.store.page_rows(query, limit=limit, order=order, after=after)
        try:
            body = render_logs_page(
                rows,
                limit=limit,
                max_bytes=service.settings.max_response_bytes,
                lambda_mode=service.settings.lambda_mode,
                make_cursor=lambda ts, row_id: service.cursors.encode(ts, row_id, query, order),
            )
        finally:
            rows.close()  # a pooled connection goes back even when rendering failed
        return Response(body, media_type="application/json")

    @app.post(
        "/logs",
        status_code=201,
        response_model=None,
        responses={
            201: {"model": InsertedOut},
            413: {"model": ErrorOut, "description": "body over 5 MiB"},
            422: {"model": ErrorOut, "description": "a record is invalid; nothing was stored"},
            **ERROR_RESPONSES,
            **WRITE_RESPONSES,
        },
        dependencies=[Depends(require_write), Depends(only_params())],
        openapi_extra={
            "requestBody": {"required": True, "content": {"application/json": {"schema": POST_BODY_SCHEMA}}}
        },
        summary='Store records: {"logs": [...]} (up to 10,000) or one record; all or nothing',
    )
    async def post_logs(request: Request, service: Annotated[Service, Depends(_service)]) -> Response:
        raw = await request.body()
        if not raw.strip():
            raise ParamError([("body", 'is empty; send {"logs": [...]} or one record as JSON')])
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ParamError([("body", _not_json(raw, exc))]) from None
        checked = await run_in_threadpool(check_batch, body)
        if checked.problems:
            raise ParamError(checked.problems, status=422, summary=checked.summary)
        rows = checked.rows
        inserted = await run_in_threadpool(service.store.insert, rows)
        return json_response({"inserted": inserted}, 201)

    @app.get(
        "/stats",
        response_model=None,
        responses={200: {"model": StatsOut}, **ERROR_RESPONSES},
        dependencies=[
            Depends(require_read),
            Depends(only_params("start_time", "end_time", "buckets", "tag", "q")),
        ],
        summary="Counts per tag and per time bucket (for histograms)",
    )
    def get_stats(
        service: Annotated[Service, Depends(_service)],
        start_time: Annotated[
            str | None, Query(max_length=64, description=START_DOC + "; default: the first record")
        ] = None,
        end_time: Annotated[
            str | None, Query(max_length=64, description=END_DOC + "; default: the last record")
        ] = None,
        buckets: Annotated[int, Query(ge=1, le=500)] = 60,
        tag: Annotated[list[TagParam], Query(description="repeatable; case-insensitive")] = [],  # noqa: B006
        q: Annotated[
            str | None, Query(max_length=MAX_Q_CHARS, description="case-insensitive substring of the message")
        ] = None,
    ) -> Response:
        query = _query(start_time, end_time, tag, q)
        bounds = service.store.bounds()
        start, end = query.start, query.end
        if start is None:
            start = bounds.first_micros if bounds.first_micros is not None else end
            if start is not None and end is not None:
                start = min(start, end)
        if end is None:
            end = bounds.last_micros if bounds.last_micros is not None else start
            if start is not None and end is not None:
                end = max(start, end)
        body: dict[str, object] = {
            "total": 0,
            "tags": {},
            "bucket_seconds": 0.0,
            "buckets": [],
            "first_timestamp": bounds.first,
            "last_timestamp": bounds.last,
        }
        if start is not None and end is not None:
            result = service.store.stats(query, start=start, end=end, buckets=buckets)
            folded = fold_tags(result)
            if folded:
                body["other_tags"] = folded
            body["total"] = result.total
            body["tags"] = result.tags
            body["bucket_seconds"] = result.bucket_micros / 1_000_000
            body["buckets"] = [
                {"start": render_bound(b.start), "end": render_bound(b.end), "counts": b.counts}
                for b in result.buckets
            ]
        return json_response(body)

    @app.api_route(
        "/health",
        methods=["GET", "HEAD"],
        response_model=None,
        responses={200: {"model": HealthOut}, 400: ERROR_RESPONSES[400]},
        dependencies=[Depends(only_params())],
        summary="Liveness and store summary",
    )
    def health(service: Annotated[Service, Depends(_service)]) -> Response:
        bounds = service.store.bounds()
        return json_response(
            {
                "status": "ok",
                "version": __version__,
                "storage": service.store.backend,
                "backend": service.store.backend,
                "records": bounds.records,
                "first_timestamp": bounds.first,
                "last_timestamp": bounds.last,
            }
        )

    return app
