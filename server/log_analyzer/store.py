"""SQLite storage: one writer, many readers, WAL, keyset pages, stats computed in SQL.

Every statement is parametrised; the only text spliced into SQL is fixed fragments and `?` placeholders.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from log_analyzer.timefmt import MAX_MICROS, render

Order = Literal["asc", "desc"]
#: (timestamp micros, rendered timestamp, tag, message) — what a validated record becomes before insert.
Row = tuple[int, str, str, str]

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS logs (
        id INTEGER PRIMARY KEY,
        ts INTEGER NOT NULL,
        ts_text TEXT NOT NULL,
        tag TEXT NOT NULL COLLATE NOCASE,
        message TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS logs_ts_id ON logs (ts, id)",
    # Covers /stats: its GROUP BY reads only this index instead of every row (about half the time).
    "CREATE INDEX IF NOT EXISTS logs_ts_tag ON logs (ts, tag)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value NOT NULL)",
    # A running count kept by the same transactions that insert and delete: /health stays O(1) at 1M rows.
    "INSERT OR IGNORE INTO meta (key, value) VALUES ('record_count', (SELECT COUNT(*) FROM logs))",
)

_PRUNE_CHUNK = 10_000


@dataclass(frozen=True, slots=True)
class Query:
    """The filter part of a /logs or /stats request, already validated."""

    start: int | None = None
    end: int | None = None
    tags: tuple[str, ...] = ()
    q: str | None = None

    def where(self) -> tuple[list[str], list[object]]:
        clauses: list[str] = []
        args: list[object] = []
        if self.start is not None:
            clauses.append("ts >= ?")
            args.append(self.start)
        if self.end is not None:
            clauses.append("ts <= ?")
            args.append(self.end)
        if self.tags:
            clauses.append("tag IN (" + ",".join("?" * len(self.tags)) + ")")
            args.extend(self.tags)
        if self.q:
            clauses.append("message LIKE ? ESCAPE '\\'")
            args.append("%" + _escape_like(self.q) + "%")
        return clauses, args


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


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


class StoreError(Exception):
    """The database file cannot be opened or created; the message names the path and the reason."""


class Store:
    """A log store in one SQLite file. Thread-safe: per-thread readers, one locked writer."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        #: True when this open created the database file (a typo in --db shows up as a new, empty store)
        self.created = not self.path.exists()
        try:
            if self.path.is_dir():
                raise StoreError(f"cannot open the database {self.path}: it is a directory, not a file")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = self._connect()
            self._writer.execute("PRAGMA journal_mode=WAL")
            self._create_schema()
        except sqlite3.DatabaseError as exc:
            self.close()
            reason = "it is not an SQLite database" if "not a database" in str(exc) else str(exc)
            raise StoreError(f"cannot open the database {self.path}: {reason}") from None
        except OSError as exc:
            self.close()
            raise StoreError(f"cannot open the database {self.path}: {exc.strerror or exc}") from None

    def _create_schema(self) -> None:
        with self._write_lock:
            self._writer.execute("BEGIN IMMEDIATE")
            try:
                for stmt in _SCHEMA:
                    self._writer.execute(stmt)
                self._writer.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('cursor_secret', ?)",
                    (secrets.token_hex(32),),
                )
                self._writer.execute("COMMIT")
            except BaseException:
                self._writer.execute("ROLLBACK")
                raise

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30.0)
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA temp_store=MEMORY")
        # Each worker thread gets its own reader, so a private page cache per connection would multiply (40
        # threads x 64 MB); a modest cache plus a shared memory map leans on the OS page cache instead.
        conn.execute("PRAGMA cache_size=-8192")
        conn.execute("PRAGMA mmap_size=268435456")
        with self._all_lock:
            self._all.append(conn)
        return conn

    @property
    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
        return conn

    def close(self) -> None:
        with self._all_lock:
            conns, self._all = self._all, []
        for conn in conns:
            conn.close()

    # -- writes ---------------------------------------------------------------------------------------------

    def insert(self, rows: Sequence[Row], also: Sequence[tuple[str, Sequence[object]]] = ()) -> int:
        """Insert all rows in one transaction, or none of them.

        `also`: more parametrised statements for the same transaction (a loader's checkpoint), so the rows
        and the caller's record of how far it got are committed together or not at all."""
        if not rows and not also:
            return 0
        with self._write_lock:
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                if rows:
                    conn.executemany("INSERT INTO logs (ts, ts_text, tag, message) VALUES (?, ?, ?, ?)", rows)
                    conn.execute("UPDATE meta SET value = value + ? WHERE key = 'record_count'", (len(rows),))
                for sql, params in also:
                    conn.execute(sql, params)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return len(rows)

    def insert_missing(self, rows: Sequence[Row]) -> int:
        """Insert the rows not already stored (same timestamp, tag and message), in one transaction; the check
        runs inside it, so two of these at once cannot both add a row. Returns how many were added."""
        if not rows:
            return 0
        with self._write_lock:
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                missing = [
                    row
                    for row in rows
                    if conn.execute(
                        "SELECT 1 FROM logs WHERE ts = ? AND tag = ? AND message = ? LIMIT 1",
                        (row[0], row[2], row[3]),
                    ).fetchone()
                    is None
                ]
                if missing:
                    conn.executemany(
                        "INSERT INTO logs (ts, ts_text, tag, message) VALUES (?, ?, ?, ?)", missing
                    )
                    conn.execute(
                        "UPDATE meta SET value = value + ? WHERE key = 'record_count'", (len(missing),)
                    )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return len(missing)

    def insert_many(self, batches: Iterable[Sequence[Row]]) -> int:
        return sum(self.insert(batch) for batch in batches)

    def prune_before(self, cutoff: int) -> int:
        """Delete records older than `cutoff` (micros), in chunks so readers and writers are not held up."""
        deleted = 0
        while True:
            with self._write_lock:
                conn = self._writer
                conn.execute("BEGIN IMMEDIATE")
                try:
                    cur = conn.execute(
                        "DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE ts < ? ORDER BY ts LIMIT ?)",
                        (cutoff, _PRUNE_CHUNK),
                    )
                    n = cur.rowcount
                    conn.execute("UPDATE meta SET value = value - ? WHERE key = 'record_count'", (n,))
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
            deleted += n
            if n < _PRUNE_CHUNK:
                return deleted

    # -- reads ----------------------------------------------------------------------------------------------

    def meta(self, key: str) -> object:
        row = self._reader.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def bounds(self) -> Bounds:
        conn = self._reader
        conn.execute("BEGIN")
        try:
            count = conn.execute("SELECT value FROM meta WHERE key = 'record_count'").fetchone()[0]
            first = conn.execute("SELECT ts, ts_text FROM logs ORDER BY ts, id LIMIT 1").fetchone()
            last = conn.execute("SELECT ts, ts_text FROM logs ORDER BY ts DESC, id DESC LIMIT 1").fetchone()
        finally:
            conn.execute("COMMIT")
        return Bounds(
            records=int(count),
            first=first[1] if first else None,
            last=last[1] if last else None,
            first_micros=first[0] if first else None,
            last_micros=last[0] if last else None,
        )

    def page_rows(
        self, query: Query, *, limit: int, order: Order = "asc", after: tuple[int, int] | None = None
    ) -> sqlite3.Cursor:
        """A cursor over up to `limit + 1` rows (id, ts_text, tag, message) in (ts, id) order, strictly after
        the keyset position `after`; the extra row tells the caller whether another page exists.

        The integer ts is not selected: the last row's is recovered from its exact text, which keeps a
        10,000-row fetch close to the bare minimum of Python objects.
        """
        clauses, args = query.where()
        if after is not None:
            clauses.append("(ts, id) > (?, ?)" if order == "asc" else "(ts, id) < (?, ?)")
            args.extend(after)
        direction = "ASC" if order == "asc" else "DESC"
        sql = "SELECT id, ts_text, tag, message FROM logs"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += f" ORDER BY ts {direction}, id {direction} LIMIT ?"
        args.append(limit + 1)
        return self._reader.execute(sql, args)

    def stats(self, query: Query, *, start: int, end: int, buckets: int) -> StatsResult:
        """Counts per tag and per time bucket over [start, end], one GROUP BY in SQL."""
        # The end instant would start an extra bucket when the span divides evenly; it is counted in the last
        # one instead (the clamp below), which keeps the widths round.
        span = max(end - start, 1)
        width = -(-span // buckets)
        if width >= 1_000_000:
            width = -(-width // 1_000_000) * 1_000_000  # whole seconds make readable bucket edges
        windowed = Query(start=start, end=end, tags=query.tags, q=query.q)
        clauses, args = windowed.where()
        # only fixed fragments and ? placeholders are joined
        sql = (
            "SELECT (ts - ?) / ? AS b, tag, COUNT(*) FROM logs WHERE "  # noqa: S608
            + " AND ".join(clauses)
            + " GROUP BY b, tag"
        )
        rows = self._reader.execute(sql, [start, width, *args]).fetchall()
        per_bucket: list[dict[str, int]] = [{} for _ in range(buckets)]
        tags: dict[str, int] = {}
        total = 0
        for b, tag, n in rows:
            counts = per_bucket[min(int(b), buckets - 1)]
            counts[tag] = counts.get(tag, 0) + n
            tags[tag] = tags.get(tag, 0) + n
            total += n
        result = StatsResult(total=total, tags=tags, bucket_micros=width)
        # edges past 9999-12-31 cannot be rendered; the last representable instant stands in for them
        result.buckets = [
            Bucket(
                min(start + i * width, MAX_MICROS), min(start + (i + 1) * width, MAX_MICROS), per_bucket[i]
            )
            for i in range(buckets)
        ]
        return result

    def count(self) -> int:
        return int(self._reader.execute("SELECT value FROM meta WHERE key = 'record_count'").fetchone()[0])

    def is_empty(self) -> bool:
        return self._reader.execute("SELECT 1 FROM logs LIMIT 1").fetchone() is None


def render_bound(micros: int) -> str:
    return render(micros, None)
