"""What both backends share: the query and result types, text folding, and the rollup arithmetic.

Rollups are counts per (level, slot, tag): a slot is `floor(ts / width)` of its level (a minute, ten
minutes, an hour, a day, 32 days, all aligned to the epoch, each dividing the next). Every insert and prune
changes them in the same transaction as the rows, so they are always exact. /stats splits each bucket into
whole slots (read from the rollups, coarsest first) and the two partial edges under a minute (read from the
rows themselves): the work depends on the number of buckets, not on the number of records.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from log_analyzer.timefmt import MAX_MICROS, render

Order = Literal["asc", "desc"]
#: (timestamp micros, rendered timestamp, tag, message) — what a validated record becomes before insert.
Row = tuple[int, str, str, str]

#: Slot widths in microseconds, finest first; each divides the next.
LEVELS: tuple[int, ...] = (60_000_000, 600_000_000, 3_600_000_000, 86_400_000_000, 32 * 86_400_000_000)
#: The level whose sum is the record count (/health): the fewest rows.
COUNT_LEVEL = len(LEVELS) - 1
#: A text index of trigrams serves a substring of at least this many characters; shorter ones scan.
MIN_INDEXED_Q = 3

#: Rollup key: (level, slot, TAG).
RollupKey = tuple[int, int, str]


class StoreError(Exception):
    """The store cannot be opened or created; the message names it and the reason (never a password)."""


class StoreUnavailable(Exception):
    """The store does not answer right now (database down, pool exhausted, statement timeout): a 503."""


def fold(text: str) -> str:
    """The case-insensitive form of a message or of `q`, for every script (SQLite's own folding misses about
    a quarter of Unicode's case pairs, e.g. Cherokee, Georgian and Adlam).

    Letter by letter, as PostgreSQL's lower() does, so both backends find the same records: str.lower()
    alone would turn İ into i plus a combining dot and a word-final Σ into ς."""
    if not text.isascii():
        text = text.replace("\u0130", "i").replace("\u03a3", "\u03c3")
    return text.lower()


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True, slots=True)
class Query:
    """The filter part of a /logs or /stats request, already validated (tags upper-cased)."""

    start: int | None = None
    end: int | None = None
    tags: tuple[str, ...] = ()
    q: str | None = None


@dataclass(frozen=True, slots=True)
class Bucket:
    start: int
    end: int
    counts: dict[str, int]


@dataclass(slots=True)
class StatsResult:
    total: int
    tags: dict[str, int]
    bucket_micros: int
    buckets: list[Bucket] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Bounds:
    records: int
    first: str | None
    last: str | None
    first_micros: int | None
    last_micros: int | None

    @classmethod
    def of(cls, records: int, first: Sequence[Any] | None, last: Sequence[Any] | None) -> Bounds:
        """From the count and the (ts, ts_text) rows FIRST_ROW and LAST_ROW found (None: an empty store)."""
        return cls(
            records=records,
            first=first[1] if first else None,
            last=last[1] if last else None,
            first_micros=first[0] if first else None,
            last_micros=last[0] if last else None,
        )


#: The oldest and the newest record as (ts, ts_text); the same SQL on both backends.
FIRST_ROW = "SELECT ts, ts_text FROM logs ORDER BY ts, id LIMIT 1"
LAST_ROW = "SELECT ts, ts_text FROM logs ORDER BY ts DESC, id DESC LIMIT 1"


def not_stored(conn: Any, rows: Sequence[Row], mark: str) -> list[Row]:
    """The rows with no stored record of the same timestamp, tag and message, checked one by one on `conn`
    (inside the caller's write transaction, so a concurrent writer cannot add one in between)."""
    # `mark` is the driver's placeholder (? or %s); the values go as parameters
    sql = f"SELECT 1 FROM logs WHERE ts = {mark} AND tag = {mark} AND message = {mark} LIMIT 1"  # noqa: S608
    return [row for row in rows if conn.execute(sql, (row[0], row[2], row[3])).fetchone() is None]


def time_clauses(query: Query, mark: str) -> tuple[list[str], list[object]]:
    """The WHERE clauses (and their arguments) for the query's time window, with `mark` as the driver's
    placeholder; each backend adds its own for tags and `q`."""
    clauses: list[str] = []
    args: list[object] = []
    if query.start is not None:
        clauses.append(f"ts >= {mark}")
        args.append(query.start)
    if query.end is not None:
        clauses.append(f"ts <= {mark}")
        args.append(query.end)
    return clauses, args


class PageRows(Protocol):
    """What /logs renders from: rows (id, ts_text, tag, message) fetched a chunk at a time."""

    def fetchmany(self, size: int) -> list[tuple[int, str, str, str]]: ...

    def fetchone(self) -> tuple[int, str, str, str] | None: ...

    def close(self) -> None: ...


def rollup_deltas(pairs: Iterable[tuple[int, str]]) -> list[tuple[RollupKey, int]]:
    """(ts, tag) pairs -> count per rollup key at every level, in key order (writers that touch the same keys
    always lock them in the same order, so two of them never deadlock)."""
    counts: Counter[tuple[int, str]] = Counter()
    for ts, tag in pairs:
        counts[(ts // LEVELS[0], tag.upper())] += 1
    per_key: Counter[RollupKey] = Counter()
    for (minute, tag), n in counts.items():
        ts = minute * LEVELS[0]
        for level, width in enumerate(LEVELS):
            per_key[(level, ts // width, tag)] += n
    return sorted(per_key.items())


def bucket_width(start: int, end: int, buckets: int) -> int:
    span = max(end - start, 1)
    width = -(-span // buckets)
    if width >= 1_000_000:
        width = -(-width // 1_000_000) * 1_000_000  # whole seconds make readable bucket edges
    return width


def bucket_ranges(start: int, end: int, buckets: int, width: int) -> list[tuple[int, int, int]]:
    """(bucket index, lo, hi) half-open, over [start, end] inclusive; the end instant belongs to the last
    bucket (it would start an extra one when the span divides evenly). Empty buckets are left out."""
    out = []
    for i in range(buckets):
        lo = start + i * width
        hi = end + 1 if i == buckets - 1 else min(start + (i + 1) * width, end + 1)
        if lo < hi:
            out.append((i, lo, hi))
    return out


#: (bucket, level, first slot, slot after the last) and (bucket, lo, hi) of raw rows
SlotPiece = tuple[int, int, int, int]
RawPiece = tuple[int, int, int]


def decompose(
    bucket: int, lo: int, hi: int, level: int = len(LEVELS) - 1
) -> tuple[list[SlotPiece], list[RawPiece]]:
    """Split [lo, hi) into whole slots, coarsest first, and the raw edges finer than a minute."""
    if lo >= hi:
        return [], []
    if level < 0:
        return [], [(bucket, lo, hi)]
    width = LEVELS[level]
    first = -(-lo // width)
    after = hi // width
    if first >= after:
        return decompose(bucket, lo, hi, level - 1)
    left = decompose(bucket, lo, first * width, level - 1)
    right = decompose(bucket, after * width, hi, level - 1)
    return [*left[0], (bucket, level, first, after), *right[0]], [*left[1], *right[1]]


def plan(ranges: Sequence[tuple[int, int, int]]) -> tuple[list[SlotPiece], list[RawPiece]]:
    slots: list[SlotPiece] = []
    raw: list[RawPiece] = []
    for bucket, lo, hi in ranges:
        s, r = decompose(bucket, lo, hi)
        slots += s
        raw += r
    return slots, raw


def assemble(
    start: int, end: int, buckets: int, width: int, counted: Iterable[tuple[int, str, int]]
) -> StatsResult:
    """StatsResult from (bucket, TAG, n) triples, which may repeat a (bucket, tag)."""
    per_bucket: list[dict[str, int]] = [{} for _ in range(buckets)]
    tags: dict[str, int] = {}
    total = 0
    for b, tag, n in counted:
        n = int(n)
        if not n:
            continue
        counts = per_bucket[min(int(b), buckets - 1)]
        counts[tag] = counts.get(tag, 0) + n
        tags[tag] = tags.get(tag, 0) + n
        total += n
    result = StatsResult(total=total, tags=tags, bucket_micros=width)
    # edges past 9999-12-31 cannot be rendered; the last representable instant stands in for them
    result.buckets = [
        Bucket(min(start + i * width, MAX_MICROS), min(start + (i + 1) * width, MAX_MICROS), per_bucket[i])
        for i in range(buckets)
    ]
    return result


def render_bound(micros: int) -> str:
    return render(micros, None)
