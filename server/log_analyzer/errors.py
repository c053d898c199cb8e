"""The one error shape every 4xx uses: a sentence naming the parameter, plus a list per parameter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from log_analyzer.validation import TAG_RULE


class ParamError(Exception):
    """A problem with one or more named inputs; becomes a 4xx with the contract's error body."""

    def __init__(
        self, errors: Sequence[tuple[str, str]], *, status: int = 400, summary: str | None = None
    ) -> None:
        self.errors = list(errors)
        self.status = status
        self.summary = summary
        super().__init__(describe(self.errors, summary))


def describe(errors: Sequence[tuple[str, str]], summary: str | None = None) -> str:
    parts = [f"{param}: {message}" for param, message in errors[:5]]
    more = f" (and {len(errors) - 5} more listed in errors)" if len(errors) > 5 else ""
    head = f"Invalid request — {summary}: " if summary else "Invalid request — "
    return head + "; ".join(parts) + more + "."


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def error_response(errors: Sequence[tuple[str, str]], status: int, summary: str | None = None) -> Response:
    return json_response(
        {"detail": describe(errors, summary), "errors": [{"parameter": p, "message": m} for p, m in errors]},
        status,
    )


def _param_name(loc: Sequence[int | str]) -> str:
    """('query', 'tag', 0) -> 'tag'; ('body', 'logs', 3, 'tag') -> 'logs[3].tag'."""
    parts = list(loc[1:]) if loc and loc[0] in ("query", "path", "header", "body", "cookie") else list(loc)
    if loc and loc[0] == "query":
        parts = [p for p in parts if isinstance(p, str)]  # a repeated parameter is still one parameter
    name = ""
    for part in parts:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += ("." if name else "") + str(part)
    if not name:
        return "body" if loc and loc[0] == "body" else "request"
    return name


_RANGES = {"limit": (1, 10_000), "buckets": (1, 500)}


def _friendly(err: dict[str, Any]) -> str:
    kind = str(err.get("type", ""))
    loc = err.get("loc", ())
    field = loc[1] if len(loc) > 1 else None
    value = err.get("input")
    shown = repr(value) if isinstance(value, str | int | float) and len(repr(value)) <= 60 else "the value"
    if field == "tag" and kind == "string_pattern_mismatch":
        return f"{shown} is not a tag; {TAG_RULE}"
    if kind in ("int_parsing", "int_from_float"):
        return f"{shown} is not a whole number"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bounds = _RANGES.get(str(field))
        if bounds is not None:
            return f"{shown} is out of range; it must be between {bounds[0]} and {bounds[1]}"
        return f"{shown} is out of range ({err.get('msg', '')})"
    if kind == "literal_error" and field == "order":
        return f"{shown} is not an order; use 'asc' or 'desc'"
    if kind == "string_too_long":
        return f"is too long ({err.get('msg', '')})"
    if kind == "missing":
        return "is required but missing"
    if kind == "json_invalid":
        return "is not valid JSON"
    return str(err.get("msg", "is invalid"))


def install(app: FastAPI) -> None:
    @app.exception_handler(ParamError)
    async def _param_error(_: Request, exc: ParamError) -> Response:
        return error_response(exc.errors, exc.status, exc.summary)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> Response:
        errors = [(_param_name(e.get("loc", ())), _friendly(e)) for e in exc.errors()]
        return error_response(errors or [("request", "is invalid")], 400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Starlette lists only the matched route's methods; GET and POST /logs are two routes.
            methods = {
                m
                for route in app.routes
                if getattr(route, "path", None) == request.url.path
                for m in (getattr(route, "methods", None) or ())
            }
            headers["Allow"] = ", ".join(sorted(methods))
        return json_response({"detail": str(exc.detail)}, exc.status_code, headers)
