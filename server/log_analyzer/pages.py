"""Rendering a /logs page straight from database rows to JSON bytes, bounded in size.

Rows are encoded with orjson a chunk at a time, so the byte size is known as the page grows: a page of huge
messages stops at `max_bytes` (with a next_cursor) instead of being read whole into memory, and the common
case costs one pass, the same as serializing the rows once.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import orjson

from log_analyzer.store import PageRows
from log_analyzer.timefmt import parse_timestamp

_CHUNK = 2500
#: room for the envelope and the cursor
_ENVELOPE = 1024


def lambda_size(encoded: bytes) -> int:
    """Bytes `encoded` takes once the Lambda runtime embeds the body as a JSON string (quotes, backslashes
    and non-ASCII escaped again; ensure_ascii is the worst case): what the 6 MB buffered limit counts."""
    return len(json.dumps(encoded.decode()))


def render_logs_page(
    rows: PageRows,
    *,
    limit: int,
    max_bytes: int,
    lambda_mode: bool,
    make_cursor: Callable[[int, int], str],
) -> bytes:
    """`{"logs": [...], "next_cursor": ...}` from rows (id, ts_text, tag, message), at most `limit` records
    and about `max_bytes` (always at least one record, so paging makes progress)."""
    budget = max_bytes - _ENVELOPE
    parts: list[bytes] = []
    size = 0
    count = 0
    last: tuple[int, str] | None = None
    full = False  # stopped by the byte budget rather than by `limit`
    while count < limit and not full:
        chunk = rows.fetchmany(min(_CHUNK, limit - count))
        if not chunk:
            break
        records = [{"timestamp": t, "tag": g, "message": m} for _, t, g, m in chunk]
        encoded = orjson.dumps(records)
        # Under Lambda a body byte costs at most two in the invocation result: exact sizes are only
        # worked out when even that bound would not fit.
        worst = len(encoded) * (2 if lambda_mode else 1)
        if size + worst <= budget:
            parts.append(encoded[1:-1])
            size += worst
            count += len(chunk)
            last = (chunk[-1][0], chunk[-1][1])
            continue
        exact = lambda_size if lambda_mode else len
        for row, record in zip(chunk, records, strict=True):
            one = orjson.dumps(record)
            cost = exact(one) + 1
            if count and size + cost > budget:
                full = True
                break
            parts.append(one)
            size += cost
            count += 1
            last = (row[0], row[1])
    more = full or (count >= limit and rows.fetchone() is not None)
    rows.close()
    cursor = None
    if more and last is not None:
        cursor = make_cursor(parse_timestamp(last[1])[0], last[0])
    return b'{"logs":[' + b",".join(parts) + b'],"next_cursor":' + orjson.dumps(cursor) + b"}"
