"""Opaque keyset cursors: the last (timestamp, id) shown, bound to the query that produced it, signed.

The HMAC makes an edited cursor fail loudly (400 naming `cursor`) instead of silently skipping or repeating
rows; the query fingerprint stops a cursor from one filter being replayed against another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import orjson

from log_analyzer.store import Order, Query

_VERSION = 1


class CursorError(ValueError):
    pass


def fingerprint(query: Query, order: Order) -> str:
    key = orjson.dumps([query.start, query.end, sorted(t.upper() for t in query.tags), query.q or "", order])
    return hashlib.sha256(key).hexdigest()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    def __init__(self, secret: str) -> None:
        self._key = secret.encode()

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:16]

    def encode(self, ts: int, row_id: int, query: Query, order: Order) -> str:
        payload = orjson.dumps([_VERSION, ts, row_id, fingerprint(query, order)])
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def decode(self, token: str, query: Query, order: Order) -> tuple[int, int]:
        """Return the (ts, id) to continue after, or raise CursorError saying what is wrong."""
        if len(token) > 512 or token.count(".") != 1:
            raise CursorError(
                "is not a cursor this server issued; pass next_cursor from a previous page unchanged"
            )
        body, sig = token.split(".")
        try:
            payload = _unb64(body)
            given = _unb64(sig)
        except (ValueError, TypeError):
            raise CursorError(
                "is not valid base64; pass next_cursor from a previous page unchanged"
            ) from None
        if not hmac.compare_digest(given, self._sign(payload)):
            raise CursorError("has been altered or was issued by another store; start again without a cursor")
        try:
            version, ts, row_id, fp = orjson.loads(payload)
        except (orjson.JSONDecodeError, ValueError, TypeError):
            raise CursorError("is damaged; start again without a cursor") from None
        if version != _VERSION or not isinstance(ts, int) or not isinstance(row_id, int):
            raise CursorError("comes from an incompatible server version; start again without a cursor")
        if fp != fingerprint(query, order):
            raise CursorError(
                "belongs to a different query; keep start_time, end_time, tag, q and order "
                "the same while paging"
            )
        return ts, row_id
