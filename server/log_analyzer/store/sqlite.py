"""SQLite storage: one writer, many readers, WAL, keyset pages, rollups for /stats, a trigram index for `q`.

Every statement is parametrised; the only text spliced into SQL is fixed fragments and `?` placeholders.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from log_analyzer import storage_errors
from log_analyzer.store.common import (
    COUNT_LEVEL,
    FIRST_ROW,
    LAST_ROW,
    LEVELS,
    MIN_INDEXED_Q,
    Bounds,
    Order,
    Query,
    Row,
    StatsResult,
    StoreError,
    assemble,
    bucket_ranges,
    bucket_width,
    fold,
    not_stored,
    plan,
    rollup_deltas,
    time_clauses,
)

#: 1: logs + meta (with a running record_count). 2: rollups and the trigram index.
SCHEMA_VERSION = 2
#: (rows done, rows in all) while an older store is upgraded
UpgradeProgress = Callable[[int, int], None]

_TABLES = (
    """CREATE TABLE IF NOT EXISTS logs (
        id INTEGER PRIMARY KEY,
        ts INTEGER NOT NULL,
        ts_text TEXT NOT NULL,
        tag TEXT NOT NULL COLLATE NOCASE,
        message TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS logs_ts_id ON logs (ts, id)",
    # Covers the partial edges of /stats buckets and /stats with q: read from this index, not the rows.
    "CREATE INDEX IF NOT EXISTS logs_ts_tag ON logs (ts, tag)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value NOT NULL)",
)
_INDEXES = (
    """CREATE TABLE IF NOT EXISTS rollups (
        level INTEGER NOT NULL,
        slot INTEGER NOT NULL,
        tag TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (level, slot, tag)
    ) WITHOUT ROWID""",
    # Contentless: it holds the trigrams of each message folded by Python (log_analyzer.store.common.fold),
    # because the tokenizer's own case folding misses whole scripts. detail=none keeps only which rows hold a
    # trigram (a third of the size, twice the insert speed of positions); the candidates are then checked
    # against the message itself. Kept by the writes below.
    """CREATE VIRTUAL TABLE IF NOT EXISTS logs_fts USING fts5(
        body, content='', columnsize=0, detail=none, tokenize='trigram case_sensitive 1'
    )""",
)

_PRUNE_CHUNK = 10_000
_UPGRADE_CHUNK = 20_000
_UPSERT = (
    "INSERT INTO rollups (level, slot, tag, n) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (level, slot, tag) DO UPDATE SET n = n + excluded.n"
)


def _fold_sql(text: str | None) -> str | None:
    return fold(text) if isinstance(text, str) else text


#: at most this many of a long q's trigrams go into the index query (the check on the message does the rest)
_MAX_GRAMS = 12


def _trigram_query(folded: str) -> str:
    """An FTS5 query for rows holding q's trigrams: non-overlapping ones spread over q, plus the last."""
    starts = list(range(0, len(folded) - 2, 3))
    if starts[-1] != len(folded) - 3:
        starts.append(len(folded) - 3)
    if len(starts) > _MAX_GRAMS:
        step = len(starts) / _MAX_GRAMS
        starts = [starts[int(i * step)] for i in range(_MAX_GRAMS - 1)] + [starts[-1]]
    grams = dict.fromkeys(folded[i : i + 3] for i in starts)
    return " AND ".join('"' + gram.replace('"', '""') + '"' for gram in grams)


def _rollback(conn: sqlite3.Connection) -> None:
    """Roll back what is left of a failed transaction. SQLite has already rolled it back itself after some
    errors (disk full, I/O error); a second ROLLBACK would then hide the real error behind "no transaction is
    active"."""
    if conn.in_transaction:
        conn.execute("ROLLBACK")


class _Reader:
    """A worker thread's read connection, kept in a thread-local: when the thread ends (the server's thread
    pool retires idle threads after a few seconds), the thread-local goes and this closes the connection,
    so open files and memory maps stay bounded by the threads alive instead of growing with every thread
    that ever ran."""

    __slots__ = ("__weakref__", "conn")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def close(self) -> None:
        self.conn.close()

    def __del__(self) -> None:
        self.conn.close()


class SqliteStore:
    """A log store in one SQLite file. Thread-safe: per-thread readers, one locked writer."""

    backend = "sqlite"

    def __init__(
        self,
        path: Path | str,
        *,
        upgrade_progress: UpgradeProgress | None = None,
        sync: str = "full",
        busy_timeout: float = 10.0,
    ) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        if sync not in ("full", "normal"):
            raise ValueError(f"sync={sync!r}; use full or normal")
        self._sync = sync
        self._busy_timeout = busy_timeout
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._readers: weakref.WeakSet[_Reader] = weakref.WeakSet()
        self._all_lock = threading.Lock()
        #: True when this open created the database file (a typo in --db shows up as a new, empty store)
        self.created = not self.path.exists()
        #: rows indexed by an in-place upgrade during this open (0: none was needed)
        self.upgraded = 0
        try:
            if self.path.is_dir():
                raise StoreError(f"cannot open the database {self.path}: it is a directory, not a file")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = self._connect()
            self._writer.execute("PRAGMA journal_mode=WAL")
            self._create_schema(upgrade_progress)
        except sqlite3.DatabaseError as exc:
            self.close()
            why = storage_errors.reason(exc, busy_timeout=busy_timeout, path=self.path)
            raise StoreError(f"cannot open the database {self.path}: {why}") from None
        except OSError as exc:
            self.close()
            raise StoreError(f"cannot open the database {self.path}: {exc.strerror or exc}") from None
        except BaseException:
            self.close()
            raise

    def _create_schema(self, progress: UpgradeProgress | None) -> None:
        with self._writing() as conn:
            had_logs = (
                conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'logs'").fetchone()
                is not None
            )
            for stmt in _TABLES:
                conn.execute(stmt)
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = int(row[0]) if row else (1 if had_logs else 0)
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"cannot open the database {self.path}: it was made by a newer log-analyzer "
                    f"(schema {version}; this version knows up to {SCHEMA_VERSION}); upgrade log-analyzer"
                )
            for stmt in _INDEXES:
                conn.execute(stmt)
            if version < SCHEMA_VERSION:
                # Merge the text index's segments less eagerly than the defaults (4, 16): measured, it
                # halves the cost of keeping the index at a million rows and queries stay as fast.
                conn.execute("INSERT INTO logs_fts (logs_fts, rank) VALUES ('automerge', 8)")
                conn.execute("INSERT INTO logs_fts (logs_fts, rank) VALUES ('crisismerge', 64)")
            if version == 1:
                self.upgraded = self._upgrade_from_1(conn, progress)
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)", (SCHEMA_VERSION,)
            )
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('cursor_secret', ?)",
                (secrets.token_hex(32),),
            )

    def _upgrade_from_1(self, conn: sqlite3.Connection, progress: UpgradeProgress | None) -> int:
        """Build the rollups and the text index of a store made before they existed, inside the caller's
        transaction: an upgrade that fails or is interrupted leaves the store exactly as it was."""
        total = int(conn.execute("SELECT COUNT(*) FROM logs").fetchone()[0])
        for level, width in enumerate(LEVELS):
            # floor division (SQLite's / truncates towards zero, and timestamps before 1970 are negative)
            conn.execute(
                "INSERT INTO rollups (level, slot, tag, n) "
                "SELECT ?, ts / ? - (ts % ? < 0), upper(tag), COUNT(*) FROM logs GROUP BY 2, 3",
                (level, width, width),
            )
        done = 0
        last_id = None
        if progress:
            progress(0, total)
        while True:
            chunk = conn.execute(
                "SELECT id, message FROM logs WHERE id > ? ORDER BY id LIMIT ?",
                (last_id if last_id is not None else -(2**63), _UPGRADE_CHUNK),
            ).fetchall()
            if not chunk:
                break
            conn.executemany(
                "INSERT INTO logs_fts (rowid, body) VALUES (?, ?)", [(i, fold(m)) for i, m in chunk]
            )
            done += len(chunk)
            last_id = chunk[-1][0]
            if progress:
                progress(done, total)
        conn.execute("DELETE FROM meta WHERE key = 'record_count'")
        return total

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=self._busy_timeout
        )
        # FULL syncs the WAL at every commit: an acknowledged write survives a power loss, not only a crash.
        conn.execute("PRAGMA synchronous=" + ("FULL" if self._sync == "full" else "NORMAL"))
        conn.execute(f"PRAGMA busy_timeout={int(self._busy_timeout * 1000)}")
        conn.execute("PRAGMA temp_store=MEMORY")
        # Each worker thread gets its own reader, so a private page cache per connection would multiply (40
        # threads x 64 MB); a modest cache plus a shared memory map leans on the OS page cache instead.
        conn.execute("PRAGMA cache_size=-8192")
        conn.execute("PRAGMA mmap_size=268435456")
        conn.create_function("la_fold", 1, _fold_sql, deterministic=True)
        return conn

    @property
    def _reader(self) -> sqlite3.Connection:
        reader: _Reader | None = getattr(self._local, "reader", None)
        if reader is None:
            reader = _Reader(self._connect())
            self._local.reader = reader
            with self._all_lock:
                self._readers.add(reader)
        return reader.conn

    def open_readers(self) -> int:
        """How many read connections are open (one per live thread that has read)."""
        with self._all_lock:
            return len(self._readers)

    def close(self) -> None:
        with self._all_lock:
            readers = list(self._readers)
            self._readers = weakref.WeakSet()
        for reader in readers:
            reader.close()
        writer: sqlite3.Connection | None = getattr(self, "_writer", None)
        if writer is not None:
            writer.close()

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction on the writer connection: committed when the block ends, rolled back (and
        the error raised) when it fails or is interrupted."""
        with self._write_lock:
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                _rollback(conn)
                raise

    # -- writes ---------------------------------------------------------------------------------------------

    def _add(self, conn: sqlite3.Connection, rows: Sequence[Row]) -> None:
        """Rows, their trigrams and their rollups, inside the caller's write transaction. Ids are given
        explicitly (the writer holds the lock) so the text index can use them as its rowids."""
        first = int(conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM logs").fetchone()[0])
        ids = range(first, first + len(rows))
        conn.executemany(
            "INSERT INTO logs (id, ts, ts_text, tag, message) VALUES (?, ?, ?, ?, ?)",
            [(i, *row) for i, row in zip(ids, rows, strict=True)],
        )
        conn.executemany(
            "INSERT INTO logs_fts (rowid, body) VALUES (?, ?)",
            [(i, fold(row[3])) for i, row in zip(ids, rows, strict=True)],
        )
        deltas = rollup_deltas((row[0], row[2]) for row in rows)
        conn.executemany(_UPSERT, [(*key, n) for key, n in deltas])

    def insert(self, rows: Sequence[Row], also: Sequence[tuple[str, Sequence[object]]] = ()) -> int:
        """Insert all rows in one transaction, or none of them.

        `also`: more parametrised statements for the same transaction (a loader's checkpoint), so the rows
        and the caller's record of how far it got are committed together or not at all."""
        if not rows and not also:
            return 0
        with self._writing() as conn:
            if rows:
                self._add(conn, rows)
            for sql, params in also:
                conn.execute(sql, params)
        return len(rows)

    def insert_missing(self, rows: Sequence[Row]) -> int:
        """Insert the rows not already stored (same timestamp, tag and message), in one transaction; the check
        runs inside it, so two of these at once cannot both add a row. Returns how many were added."""
        if not rows:
            return 0
        with self._writing() as conn:
            missing = not_stored(conn, rows, "?")
            if missing:
                self._add(conn, missing)
        return len(missing)

    def prune_before(self, cutoff: int) -> int:
        """Delete records older than `cutoff` (micros), in chunks so readers and writers are not held up."""
        deleted = 0
        while True:
            with self._writing() as conn:
                gone = conn.execute(
                    "DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE ts < ? ORDER BY ts LIMIT ?) "
                    "RETURNING id, ts, tag, message",
                    (cutoff, _PRUNE_CHUNK),
                ).fetchall()
                conn.executemany(
                    "INSERT INTO logs_fts (logs_fts, rowid, body) VALUES ('delete', ?, ?)",
                    [(i, fold(m)) for i, _, _, m in gone],
                )
                deltas = [(c, *key) for key, c in rollup_deltas((ts, tag) for _, ts, tag, _ in gone)]
                conn.executemany(
                    "UPDATE rollups SET n = n - ? WHERE level = ? AND slot = ? AND tag = ?", deltas
                )
                conn.executemany(
                    "DELETE FROM rollups WHERE level = ? AND slot = ? AND tag = ? AND n <= 0",
                    [key for _, *key in deltas],
                )
            deleted += len(gone)
            if len(gone) < _PRUNE_CHUNK:
                return deleted

    # -- reads ----------------------------------------------------------------------------------------------

    def meta(self, key: str) -> object:
        row = self._reader.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def bounds(self) -> Bounds:
        conn = self._reader
        conn.execute("BEGIN")
        try:
            count = conn.execute(
                "SELECT COALESCE(SUM(n), 0) FROM rollups WHERE level = ?", (COUNT_LEVEL,)
            ).fetchone()[0]
            first = conn.execute(FIRST_ROW).fetchone()
            last = conn.execute(LAST_ROW).fetchone()
        finally:
            conn.execute("COMMIT")
        return Bounds.of(int(count), first, last)

    @staticmethod
    def _where(query: Query) -> tuple[list[str], list[object]]:
        clauses, args = time_clauses(query, "?")
        if query.tags:
            # the column's NOCASE collation makes this case-insensitive (tags are ASCII)
            clauses.append("tag IN (" + ",".join("?" * len(query.tags)) + ")")
            args.extend(query.tags)
        if query.q:
            folded = fold(query.q)
            if len(folded) >= MIN_INDEXED_Q:
                clauses.append("id IN (SELECT rowid FROM logs_fts WHERE logs_fts MATCH ?)")
                args.append(_trigram_query(folded))
            # the index finds candidates (all of q's trigrams somewhere); this keeps the real substrings. A q
            # too short for a trigram is this scan alone.
            clauses.append("instr(la_fold(message), ?) > 0")
            args.append(folded)
        return clauses, args

    def page_rows(
        self, query: Query, *, limit: int, order: Order = "asc", after: tuple[int, int] | None = None
    ) -> sqlite3.Cursor:
        """A cursor over up to `limit + 1` rows (id, ts_text, tag, message) in (ts, id) order, strictly after
        the keyset position `after`; the extra row tells the caller whether another page exists.

        The integer ts is not selected: the last row's is recovered from its exact text, which keeps a
        10,000-row fetch close to the bare minimum of Python objects.
        """
        clauses, args = self._where(query)
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
        """Counts per tag and per time bucket over [start, end]: whole minutes/hours/days from the rollups,
        the partial edges and any `q` from the rows."""
        width = bucket_width(start, end, buckets)
        conn = self._reader
        conn.execute("BEGIN")
        try:
            if query.q:
                counted = self._scan_counts(conn, query, start, end, width)
            else:
                counted = self._rollup_counts(conn, query, start, end, buckets, width)
        finally:
            conn.execute("COMMIT")
        return assemble(start, end, buckets, width, counted)

    def _scan_counts(
        self, conn: sqlite3.Connection, query: Query, start: int, end: int, width: int
    ) -> list[tuple[int, str, int]]:
        clauses, args = self._where(Query(start=start, end=end, tags=query.tags, q=query.q))
        # only fixed fragments and ? placeholders are joined
        sql = (
            "SELECT (ts - ?) / ? AS b, upper(tag) AS t, COUNT(*) FROM logs WHERE "  # noqa: S608
            + " AND ".join(clauses)
            + " GROUP BY b, t"
        )
        return conn.execute(sql, [start, width, *args]).fetchall()

    def _rollup_counts(
        self, conn: sqlite3.Connection, query: Query, start: int, end: int, buckets: int, width: int
    ) -> list[tuple[int, str, int]]:
        slots, raw = plan(bucket_ranges(start, end, buckets, width))
        tag_filter = ""
        if query.tags:
            tag_filter = " AND {col} IN (" + ",".join("?" * len(query.tags)) + ")"
        out: list[tuple[int, str, int]] = []
        if slots:
            sql = (
                "SELECT json_extract(p.value, '$[0]') AS b, r.tag, SUM(r.n) FROM json_each(?) AS p "  # noqa: S608
                "JOIN rollups AS r ON r.level = json_extract(p.value, '$[1]') "
                "AND r.slot >= json_extract(p.value, '$[2]') AND r.slot < json_extract(p.value, '$[3]')"
                + tag_filter.format(col="r.tag")
                + " GROUP BY b, r.tag"
            )
            out += conn.execute(sql, [json.dumps(slots), *query.tags]).fetchall()
        if raw:
            sql = (
                "SELECT json_extract(p.value, '$[0]') AS b, upper(l.tag) AS t, COUNT(*) "
                "FROM json_each(?) AS p JOIN logs AS l "
                "ON l.ts >= json_extract(p.value, '$[1]') AND l.ts < json_extract(p.value, '$[2]')"
                + tag_filter.format(col="l.tag")
                + " GROUP BY b, t"
            )
            out += conn.execute(sql, [json.dumps(raw), *query.tags]).fetchall()
        return out

    def count(self) -> int:
        row = self._reader.execute(
            "SELECT COALESCE(SUM(n), 0) FROM rollups WHERE level = ?", (COUNT_LEVEL,)
        ).fetchone()
        return int(row[0])

    def is_empty(self) -> bool:
        return self._reader.execute("SELECT 1 FROM logs LIMIT 1").fetchone() is None


#: The name the rest of the code (and its tests) have always used for the SQLite store.
Store = SqliteStore
