"""Rendering a /logs page straight from database rows to JSON bytes, bounded in size and in memory.

Rows are fetched and encoded with orjson a few at a time, so the byte size is known as the page grows: a
page of huge messages stops at `max_bytes` (with a next_cursor). How many rows are fetched at once depends on
the budget still free and on the largest record that can exist, so the rows held in memory never add up to
much more than the budget, whatever the data (64 Ki emoji per message included).

Under Lambda the budget is counted the way the runtime serialises the invocation result: the body becomes a
JSON string encoded with `ensure_ascii`, so a quote or backslash costs 2 bytes, a Cyrillic letter (2 UTF-8
bytes) 6 and an emoji (4 UTF-8 bytes) 12. `lambda_size` measures that exactly.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import orjson

from log_analyzer.store import PageRows
from log_analyzer.timefmt import parse_timestamp
from log_analyzer.validation import MAX_MESSAGE_CHARS

_CHUNK = 2500
#: room for the envelope and the cursor
_ENVELOPE = 1024
#: The most memory one fetched row can take as Python text: a message of MAX_MESSAGE_CHARS astral
#: characters is stored as 4 bytes per character, plus the timestamp and tag.
WORST_ROW_BYTES = MAX_MESSAGE_CHARS * 4 + 256
#: The most one character of a message can cost under Lambda (an astral character as two \\uXXXX escapes).
_WORST_LAMBDA_CHAR = 12
TRUNCATED = (
    "…[truncated by the server: {cut} of {total} characters not shown; this record alone is over the "
    "{limit}-byte answer limit]"
)


def lambda_size(encoded: bytes) -> int:
    """Bytes `encoded` takes once the Lambda runtime embeds the body as a JSON string (quotes, backslashes
    and non-ASCII escaped again, `ensure_ascii` as the runtime's json.dumps does): what the 6 MB buffered
    limit counts. The definition; `lambda_cost` computes the same without building the escaped text."""
    return len(json.dumps(encoded.decode()))


# Each byte of orjson's output mapped to its class: orjson escapes control characters itself, so the ASCII
# it emits is printable but for DEL (which json.dumps escapes as \u007f); a UTF-8 lead byte starts a
# character that json.dumps turns into one \uXXXX escape (2- and 3-byte sequences) or two (4-byte, astral);
# continuation bytes add nothing.
def _byte_class(b: int) -> int:
    if b in (0x22, 0x5C):
        return ord("q")
    if b == 0x7F:
        return ord("b")
    if b < 0x80:
        return ord("a")
    if b < 0xC0:
        return ord("c")
    return ord("b") if b < 0xF0 else ord("e")


_CLASSES = bytes(_byte_class(b) for b in range(256))


def lambda_cost(encoded: bytes) -> int:
    """`lambda_size(encoded)` without the escaped copy (which is up to 3x the body): counts byte classes."""
    classes = encoded.translate(_CLASSES)
    ascii_, quoted = classes.count(b"a"), classes.count(b"q")
    return 2 + ascii_ + 2 * quoted + 6 * classes.count(b"b") + 12 * classes.count(b"e")


#: What the rows of one fetch may hold at most (encoding them briefly takes about three times as much).
CHUNK_MEMORY = 4 * 1024 * 1024


def _rows_to_fetch(remaining: int, wanted: int, worst_cost: int) -> int:
    """As many rows as fit both the free budget and CHUNK_MEMORY even if each is the largest possible record
    (at least one, so paging makes progress; at most `_CHUNK`)."""
    return max(1, min(wanted, _CHUNK, remaining // worst_cost, CHUNK_MEMORY // WORST_ROW_BYTES))


def _truncated(record: dict[str, str], budget: int) -> bytes:
    """The one record of a page that cannot fit under Lambda even alone, with its message cut to fit and a
    marker saying so (records stored through the API cannot get here with the default limit; a smaller
    limit or rows written by other tools can)."""
    message = record["message"]
    marker_room = len(TRUNCATED) + 512  # the marker's numbers, timestamp and tag
    keep = max(0, (budget - _ENVELOPE - marker_room) // _WORST_LAMBDA_CHAR)
    marker = TRUNCATED.format(cut=len(message) - keep, total=len(message), limit=budget)
    return orjson.dumps({**record, "message": message[:keep] + marker})


def render_logs_page(
    rows: PageRows,
    *,
    limit: int,
    max_bytes: int,
    lambda_mode: bool,
    make_cursor: Callable[[int, int], str],
) -> bytes:
    """`{"logs": [...], "next_cursor": ...}` from rows (id, ts_text, tag, message), at most `limit` records
    and about `max_bytes` (always at least one record, so paging makes progress; under Lambda `max_bytes` is
    a hard limit and a record too large for any page is truncated with a marker)."""
    budget = max_bytes - _ENVELOPE
    exact = lambda_cost if lambda_mode else len
    worst_cost = WORST_ROW_BYTES * (3 if lambda_mode else 1)  # in the budget's units
    parts: list[bytes] = []
    size = 0
    count = 0
    last: tuple[int, str] | None = None
    full = False  # stopped by the byte budget rather than by `limit`
    while count < limit and not full:
        chunk = rows.fetchmany(_rows_to_fetch(budget - size, limit - count, worst_cost))
        if not chunk:
            break
        records = [{"timestamp": t, "tag": g, "message": m} for _, t, g, m in chunk]
        encoded = orjson.dumps(records)
        whole = exact(encoded)
        if size + whole <= budget:
            parts.append(encoded[1:-1])
            size += whole
            count += len(chunk)
            last = (chunk[-1][0], chunk[-1][1])
            continue
        del encoded
        for row, record in zip(chunk, records, strict=True):
            one = orjson.dumps(record)
            cost = exact(one) + 1
            if count and size + cost > budget:
                full = True
                break
            if lambda_mode and cost > budget:
                one = _truncated(record, max_bytes)
                cost = exact(one) + 1
            parts.append(one)
            size += cost
            count += 1
            last = (row[0], row[1])
    more = full or (count >= limit and rows.fetchone() is not None)
    rows.close()
    cursor = None
    if more and last is not None:
        cursor = make_cursor(parse_timestamp(last[1])[0], last[0])
    # one join, so the page is copied once (a big page is the largest thing a request holds)
    pieces = [b'{"logs":[']
    for i, part in enumerate(parts):
        if i:
            pieces.append(b",")
        pieces.append(part)
    pieces += [b'],"next_cursor":', orjson.dumps(cursor), b"}"]
    parts.clear()
    return b"".join(pieces)
