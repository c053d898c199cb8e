"""Refuse request bodies over a size limit with 413 before the app reads them into memory.

A refused body is read and thrown away first (bounded in bytes and time): clients that send the whole body
before reading the answer (Python's http.client/urllib, curl without Expect) would otherwise get a
connection reset instead of the 413, because the server closed with their data unread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: How much of a refused body is drained before answering; past this the connection is closed unread.
DRAIN_MAX_BYTES = 64 * 1024 * 1024
#: How long a refused body may take to arrive before the connection is closed unread.
DRAIN_MAX_SECONDS = 15.0


def declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def drain(receive: Receive, already: int = 0, *, more: bool = True) -> bool:
    """Read and discard the rest of a request body; True when all of it arrived within the bounds."""
    if not more:
        return True

    async def read_rest() -> bool:
        seen = already
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return False
            seen += len(message.get("body", b""))
            if not message.get("more_body", False):
                return True
            if seen > DRAIN_MAX_BYTES:
                return False

    try:
        return await asyncio.wait_for(read_rest(), DRAIN_MAX_SECONDS)
    except TimeoutError:
        return False


async def refuse(
    scope: Scope,
    receive: Receive,
    send: Send,
    status: int,
    payload: Mapping[str, object],
    *,
    headers: Mapping[str, str] | None = None,
    received: int = 0,
    body_done: bool = False,
) -> None:
    """Answer `status` with a JSON `payload` after draining what is left of the request body."""
    has_body = scope["method"] not in ("GET", "HEAD", "OPTIONS")
    declared = declared_length(scope)
    drained = body_done or not has_body
    if not drained and (declared is None or declared <= DRAIN_MAX_BYTES):
        drained = await drain(receive, received)
    body = orjson.dumps(payload)
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    if not drained:
        raw_headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body if scope["method"] != "HEAD" else b""})


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._too_large(scope, receive, send, declared, 0, body_done=False)
            return
        # Chunked bodies have no length up front: buffer up to the limit, then hand the app a replay.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            more = message.get("more_body", False)
            if size > self.max_bytes:
                chunks.clear()
                await self._too_large(scope, receive, send, size, size, body_done=not more)
                return
            chunks.append(chunk)
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(
        self, scope: Scope, receive: Receive, send: Send, size: int, received: int, *, body_done: bool
    ) -> None:
        limit_mb = self.max_bytes / (1024 * 1024)
        detail = (
            f"The request body is {size} bytes or more; the limit is {self.max_bytes} bytes "
            f"({limit_mb:g} MiB). Send fewer records per request."
        )
        payload = {"detail": detail, "errors": [{"parameter": "body", "message": detail}]}
        await refuse(scope, receive, send, 413, payload, received=received, body_done=body_done)
