"""PostgreSQL storage, for several service instances on one database (App Runner, Lambda, many hosts).

psycopg 3 with a connection pool. Writes: COPY into `logs` plus rollup upserts in one transaction. Reads:
keyset pages through a server-side cursor (a page of huge messages is never read whole), /stats from the
rollups, `q` through a pg_trgm GIN index. Schema changes run under an advisory lock, so instances starting at
once do not race; the pruner takes another one, so only one instance prunes at a time.

Every statement is parametrised; the only text spliced into SQL is fixed fragments and `%s` placeholders.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any, NoReturn

import psycopg
from psycopg import sql as pgsql
from psycopg_pool import ConnectionPool, PoolTimeout

from log_analyzer.store.common import (
    COUNT_LEVEL,
    FIRST_ROW,
    LAST_ROW,
    Bounds,
    Order,
    Query,
    RollupKey,
    Row,
    StatsResult,
    StoreError,
    StoreUnavailable,
    assemble,
    bucket_ranges,
    bucket_width,
    escape_like,
    not_stored,
    plan,
    rollup_deltas,
    time_clauses,
)
from log_analyzer.store.location import mask_url, scrub

log = logging.getLogger("log_analyzer")

SCHEMA_VERSION = 1
#: advisory lock keys (any two fixed bigints): schema changes, the pruner, seeding
_SCHEMA_LOCK = 7_310_845_211_001
_PRUNE_LOCK = 7_310_845_211_002
_SEED_LOCK = 7_310_845_211_003
_TEXT_INDEX_LOCK = 7_310_845_211_004
_PRUNE_CHUNK = 10_000

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS logs (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        ts BIGINT NOT NULL,
        ts_text TEXT NOT NULL,
        tag TEXT NOT NULL,
        message TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS logs_ts_id ON logs (ts, id)",
    """CREATE TABLE IF NOT EXISTS rollups (
        level SMALLINT NOT NULL,
        slot BIGINT NOT NULL,
        tag TEXT NOT NULL,
        n BIGINT NOT NULL,
        PRIMARY KEY (level, slot, tag)
    )""",
)
#: The text index for `q`. It costs about six times a bare COPY of the rows on every insert, so a store that
#: takes far more logs than it searches may turn it off (`log-analyzer text-index off`, kept in `meta`).
_TEXT_INDEX = "logs_message_trgm"
_CREATE_TEXT_INDEX = (
    "CREATE INDEX {how} IF NOT EXISTS logs_message_trgm ON logs USING gin (message gin_trgm_ops)"
)


@dataclass(frozen=True)
class TextIndexState:
    wanted: bool  # what the store's meta says (on unless turned off)
    built: bool  # the index exists and is valid
    size_bytes: int


# Sorted input, so concurrent writers lock shared rollup rows in one order (no deadlocks); negative counts
# undo a prune.
_UPSERT = """INSERT INTO rollups (level, slot, tag, n)
    SELECT * FROM unnest(%s::smallint[], %s::bigint[], %s::text[], %s::bigint[]) ORDER BY 1, 2, 3
    ON CONFLICT (level, slot, tag) DO UPDATE SET n = rollups.n + excluded.n"""


def _columns(deltas: Sequence[tuple[RollupKey, int]]) -> list[list[Any]]:
    return [
        [k[0] for k, _ in deltas],
        [k[1] for k, _ in deltas],
        [k[2] for k, _ in deltas],
        [n for _, n in deltas],
    ]


#: A message longer than this (UTF-8 bytes) is not read with its row but on its own, just before its row is
#: handed out; so a fetch of many rows stays within CHUNK_MEMORY without knowing the rows' sizes beforehand.
_INLINE_BYTES = 4096
_ROW_OVERHEAD = 256  # a row's other columns and its Python objects


class _PageRows:
    """A server-side cursor plus the pooled connection it runs on, handed back by close().

    The page renderer asks for a few rows at a time (as many as fit its memory bound if every record were
    the largest possible). Over a network each ask would be a round trip, so rows come from the server in
    bigger steps: as many as fit `chunk_bytes` with every message at its inline limit, longer messages left
    out (NULL) and read by id only when their rows are handed out, in the page's snapshot. One query, a
    few round trips per 10,000 rows, and memory within the same bound.
    """

    def __init__(
        self,
        store: PostgresStore,
        conn: psycopg.Connection[Any],
        cur: psycopg.ServerCursor[Any],
        chunk_bytes: int,
    ):
        self._store = store
        self._conn: psycopg.Connection[Any] | None = conn
        self._cur = cur
        self._step = max(chunk_bytes // (_INLINE_BYTES + _ROW_OVERHEAD), 1)
        self._buffer: list[tuple[int, str, str, str | None]] = []
        self._taken = 0  # rows of _buffer already handed out

    def fetchmany(self, size: int) -> list[tuple[int, str, str, str]]:
        if self._taken >= len(self._buffer):
            with self._store.translate():
                self._buffer = self._cur.fetchmany(self._step)
            self._taken = 0
        rows = self._buffer[self._taken : self._taken + size]
        self._taken += len(rows)
        long = [row[0] for row in rows if row[3] is None]
        if not long:
            return rows  # type: ignore[return-value]  # every message is present
        assert self._conn is not None
        # at most `size` messages, a number the renderer chose to fit its bound even at the largest size
        with self._store.translate():
            found = dict(
                self._conn.execute("SELECT id, message FROM logs WHERE id = ANY(%s)", (long,)).fetchall()
            )
        return [(i, t, g, found[i] if m is None else m) for i, t, g, m in rows]

    def fetchone(self) -> tuple[int, str, str, str] | None:
        rows = self.fetchmany(1)
        return rows[0] if rows else None

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            self._cur.close()
            conn.rollback()  # a read-only transaction: nothing to keep
        except psycopg.Error:
            pass  # a broken connection: the pool discards it
        finally:
            self._store._pool.putconn(conn)

    def __del__(self) -> None:
        # a page abandoned without close() (an exception between page_rows and rendering) still returns its
        # connection; the pool may be closed by then
        with suppress(Exception):
            self.close()


class PostgresStore:
    backend = "postgresql"

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        statement_timeout: float = 30.0,
        connect_timeout: float = 5.0,
    ) -> None:
        self._url = url
        self.location = mask_url(url)
        self.created = False
        self.upgraded = 0
        self._statement_timeout_ms = max(int(statement_timeout * 1000), 1)
        self._connect_timeout = connect_timeout
        kwargs = {"connect_timeout": max(int(connect_timeout), 2), "application_name": "log-analyzer"}
        try:
            with psycopg.connect(url, **kwargs) as conn:  # type: ignore[arg-type]
                self._configure(conn)
                self._create_schema(conn)
        except psycopg.Error as exc:
            raise StoreError(f"cannot open the database {self.location}: {self._reason(exc)}") from None
        self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url,
            min_size=1,
            max_size=max(pool_size, 1),
            kwargs=kwargs,
            configure=self._configure,
            check=ConnectionPool.check_connection,
            timeout=connect_timeout,
            name="log-analyzer",
            open=False,
        )
        self._pool.open(wait=False)

    # -- connections and errors -----------------------------------------------------------------------------

    def _configure(self, conn: psycopg.Connection[Any]) -> None:
        conn.autocommit = True
        conn.execute(
            pgsql.SQL("SET statement_timeout = {}").format(pgsql.Literal(self._statement_timeout_ms))
        )
        # A page's server-side cursor is always read to its end (limit + 1 rows): plan for all of them, not
        # for the first 10% (the default would scan the time index and filter `q` instead of using pg_trgm).
        conn.execute("SET cursor_tuple_fraction = 1.0")
        # JIT compiling pays off for long analytic scans, not for these short queries: the /stats edge query
        # is estimated expensive (it cannot know each range is a minute) and lost 10-80 ms to compilation.
        conn.execute("SET jit = off")
        conn.autocommit = False

    def _reason(self, exc: BaseException) -> str:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return scrub(text, self._url)

    def _unavailable(self, exc: BaseException) -> NoReturn:
        if isinstance(exc, PoolTimeout):
            why = f"no connection within {self._connect_timeout:g} s (is the database up?)"
        elif isinstance(exc, psycopg.errors.QueryCanceled):
            why = f"a query ran past the statement timeout ({self._statement_timeout_ms / 1000:g} s)"
        else:
            why = self._reason(exc)
        raise StoreUnavailable(f"the PostgreSQL database {self.location} is unavailable: {why}") from None

    @contextmanager
    def translate(self) -> Iterator[None]:
        """Driver errors that mean "not now" become StoreUnavailable (a 503), named without the password."""
        try:
            yield
        except (PoolTimeout, psycopg.OperationalError, psycopg.InterfaceError) as exc:
            self._unavailable(exc)

    @contextmanager
    def _conn(self) -> Iterator[psycopg.Connection[Any]]:
        with self.translate(), self._pool.connection() as conn:
            yield conn

    def close(self) -> None:
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.close()

    def _create_schema(self, conn: psycopg.Connection[Any]) -> None:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            try:
                conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            except psycopg.errors.InsufficientPrivilege:
                raise StoreError(
                    f"cannot open the database {self.location}: the pg_trgm extension is missing and this "
                    "user may not create it; run CREATE EXTENSION pg_trgm as the database owner"
                ) from None
            conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = int(row[0]) if row else 0
            self.created = version == 0
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"cannot open the database {self.location}: it was made by a newer log-analyzer (schema "
                    f"{version}; this version knows up to {SCHEMA_VERSION}); upgrade log-analyzer"
                )
            for stmt in _SCHEMA:
                conn.execute(stmt)
            wanted = conn.execute("SELECT value FROM meta WHERE key = 'text_index'").fetchone()
            if wanted is None or wanted[0] != "off":
                conn.execute(_CREATE_TEXT_INDEX.format(how=""))
            # (later schema versions migrate here, from `version` up, under the same lock)
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', %s) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(SCHEMA_VERSION),),
            )
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('cursor_secret', %s) ON CONFLICT (key) DO NOTHING",
                (secrets.token_hex(32),),
            )
            folds = conn.execute("SELECT lower('ÄΣЖ') = 'äσж'").fetchone()
        if folds is not None and not folds[0]:
            log.warning(
                "the database's LC_CTYPE folds only ASCII letters: q matches other scripts case-sensitively; "
                "create the database with a UTF-8 locale (e.g. LC_CTYPE 'C.UTF-8' or 'en_US.UTF-8')"
            )

    # -- writes ---------------------------------------------------------------------------------------------

    def _add(self, conn: psycopg.Connection[Any], rows: Sequence[Row]) -> None:
        with conn.cursor() as cur, cur.copy("COPY logs (ts, ts_text, tag, message) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        conn.execute(_UPSERT, _columns(rollup_deltas((row[0], row[2]) for row in rows)))

    def insert(self, rows: Sequence[Row]) -> int:
        """Insert all rows in one transaction, or none of them."""
        if not rows:
            return 0
        with self._conn() as conn, conn.transaction():
            self._add(conn, rows)
        return len(rows)

    def insert_missing(self, rows: Sequence[Row]) -> int:
        if not rows:
            return 0
        with self._conn() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SEED_LOCK,))
            missing = not_stored(conn, rows, "%s")
            if missing:
                self._add(conn, missing)
        return len(missing)

    def prune_before(self, cutoff: int) -> int:
        """Delete records older than `cutoff` in chunks; 0 at once when another instance is pruning."""
        deleted = 0
        with self._conn() as conn:
            conn.autocommit = True
            try:
                got = conn.execute("SELECT pg_try_advisory_lock(%s)", (_PRUNE_LOCK,)).fetchone()
                if not got or not got[0]:
                    log.info("another instance is pruning %s; this round skipped", self.location)
                    return 0
                try:
                    while True:
                        with conn.transaction():
                            gone = conn.execute(
                                "DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE ts < %s ORDER BY ts "
                                "LIMIT %s) RETURNING ts, tag",
                                (cutoff, _PRUNE_CHUNK),
                            ).fetchall()
                            deltas = [(k, -c) for k, c in rollup_deltas(gone)]
                            if deltas:
                                cols = _columns(deltas)
                                conn.execute(_UPSERT, cols)
                                conn.execute(
                                    "DELETE FROM rollups r"
                                    " USING unnest(%s::smallint[], %s::bigint[], %s::text[])"
                                    " AS d(level, slot, tag)"
                                    " WHERE r.level = d.level AND r.slot = d.slot"
                                    " AND r.tag = d.tag AND r.n <= 0",
                                    cols[:3],
                                )
                        deleted += len(gone)
                        if len(gone) < _PRUNE_CHUNK:
                            return deleted
                finally:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (_PRUNE_LOCK,))
            finally:
                if not conn.closed:
                    conn.autocommit = False

    # -- the text index -------------------------------------------------------------------------------------

    def text_index(self) -> TextIndexState:
        with self._conn() as conn:
            wanted = conn.execute("SELECT value FROM meta WHERE key = 'text_index'").fetchone()
            built = conn.execute(
                "SELECT i.indisvalid, pg_relation_size(i.indexrelid) FROM pg_index i"
                " WHERE i.indexrelid = to_regclass(%s)",
                (_TEXT_INDEX,),
            ).fetchone()
            conn.rollback()
        return TextIndexState(
            wanted=wanted is None or wanted[0] != "off",
            built=bool(built and built[0]),
            size_bytes=int(built[1]) if built else 0,
        )

    def set_text_index(self, on: bool) -> None:
        """Turn the text index on (built without blocking writers: CREATE INDEX CONCURRENTLY) or off
        (dropped). The choice is kept in `meta`, so every instance, now and after a restart, follows it.
        Runs on its own connection without the statement timeout: a build over millions of rows takes
        minutes."""
        kwargs = {"connect_timeout": max(int(self._connect_timeout), 2), "application_name": "log-analyzer"}
        try:
            with psycopg.connect(self._url, autocommit=True, **kwargs) as conn:  # type: ignore[arg-type]
                conn.execute("SET statement_timeout = 0")
                conn.execute("SELECT pg_advisory_lock(%s)", (_TEXT_INDEX_LOCK,))
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('text_index', %s) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    ("on" if on else "off",),
                )
                if not on:
                    conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {_TEXT_INDEX}")
                    return
                # an earlier build that was interrupted leaves an invalid index behind: build it again
                invalid = conn.execute(
                    "SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", (_TEXT_INDEX,)
                ).fetchone()
                if invalid and invalid[0]:
                    conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {_TEXT_INDEX}")
                conn.execute(_CREATE_TEXT_INDEX.format(how="CONCURRENTLY"))
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            self._unavailable(exc)
        except psycopg.Error as exc:
            why = self._reason(exc)
            raise StoreError(f"cannot change the text index of {self.location}: {why}") from None

    # -- reads ----------------------------------------------------------------------------------------------

    @contextmanager
    def _snapshot(self) -> Iterator[psycopg.Connection[Any]]:
        """A read-only transaction that sees one snapshot across its statements (whole batches only)."""
        with self._conn() as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            try:
                yield conn
            finally:
                conn.rollback()

    def meta(self, key: str) -> object:
        with self._conn() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = %s", (key,)).fetchone()
            conn.rollback()
        return None if row is None else row[0]

    def bounds(self) -> Bounds:
        with self._snapshot() as conn:
            count = conn.execute(
                "SELECT COALESCE(SUM(n), 0) FROM rollups WHERE level = %s", (COUNT_LEVEL,)
            ).fetchone()
            first = conn.execute(FIRST_ROW).fetchone()
            last = conn.execute(LAST_ROW).fetchone()
        return Bounds.of(int(count[0]) if count else 0, first, last)

    @staticmethod
    def _where(query: Query) -> tuple[list[str], list[object]]:
        clauses, args = time_clauses(query, "%s")
        if query.tags:
            clauses.append("upper(tag) = ANY(%s)")
            args.append(list(query.tags))
        if query.q:
            # pg_trgm's GIN index serves ILIKE; it folds case with the database's locale
            clauses.append("message ILIKE %s")
            args.append("%" + escape_like(query.q) + "%")
        return clauses, args

    def page_rows(
        self, query: Query, *, limit: int, order: Order = "asc", after: tuple[int, int] | None = None
    ) -> _PageRows:
        clauses, args = self._where(query)
        if after is not None:
            clauses.append("(ts, id) > (%s, %s)" if order == "asc" else "(ts, id) < (%s, %s)")
            args.extend(after)
        direction = "ASC" if order == "asc" else "DESC"
        # a long message comes as NULL (the column is NOT NULL otherwise) and is read when handed out
        text = "SELECT id, ts_text, tag, CASE WHEN octet_length(message) <= %s THEN message END FROM logs"
        args.insert(0, _INLINE_BYTES)
        if clauses:
            text += " WHERE " + " AND ".join(clauses)
        text += f" ORDER BY ts {direction}, id {direction} LIMIT %s"
        args.append(limit + 1)
        from log_analyzer.pages import CHUNK_MEMORY  # (pages imports the store)

        with self.translate():
            conn = self._pool.getconn()
        try:
            with self.translate():
                # one snapshot for the rows and the long messages read later
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cur = conn.cursor(name="page")
                # only fixed fragments and %s placeholders are joined
                cur.execute(text.encode(), args)
        except BaseException:
            self._pool.putconn(conn)
            raise
        return _PageRows(self, conn, cur, CHUNK_MEMORY)

    def stats(self, query: Query, *, start: int, end: int, buckets: int) -> StatsResult:
        width = bucket_width(start, end, buckets)
        with self._snapshot() as conn:
            if query.q:
                counted = self._scan_counts(conn, query, start, end, width)
            else:
                counted = self._rollup_counts(conn, query, start, end, buckets, width)
        return assemble(start, end, buckets, width, counted)

    def _scan_counts(
        self, conn: psycopg.Connection[Any], query: Query, start: int, end: int, width: int
    ) -> list[tuple[int, str, int]]:
        clauses, args = self._where(Query(start=start, end=end, tags=query.tags, q=query.q))
        text = (
            "SELECT (ts - %s) / %s, upper(tag), COUNT(*) FROM logs WHERE "  # noqa: S608
            + " AND ".join(clauses)
            + " GROUP BY 1, 2"
        )
        return conn.execute(text.encode(), [start, width, *args]).fetchall()

    def _rollup_counts(
        self, conn: psycopg.Connection[Any], query: Query, start: int, end: int, buckets: int, width: int
    ) -> list[tuple[int, str, int]]:
        slots, raw = plan(bucket_ranges(start, end, buckets, width))
        out: list[tuple[int, str, int]] = []
        tags = list(query.tags)
        if slots:
            cols = [list(c) for c in zip(*slots, strict=True)]
            # LATERAL + OFFSET 0 (kept from being flattened): one primary-key range scan per piece; a hash
            # join on level would read every rollup
            out += conn.execute(
                "SELECT p.b, r.tag, SUM(r.n)"
                " FROM unnest(%s::int[], %s::smallint[], %s::bigint[], %s::bigint[]) AS p(b, level, lo, hi)"
                " CROSS JOIN LATERAL (SELECT tag, n FROM rollups WHERE level = p.level AND slot >= p.lo"
                " AND slot < p.hi OFFSET 0) r"
                " WHERE (%s::text[] IS NULL OR r.tag = ANY(%s::text[])) GROUP BY 1, 2",
                [*cols, tags or None, tags or None],
            ).fetchall()
        if raw:
            cols = [list(c) for c in zip(*raw, strict=True)]
            out += conn.execute(
                "SELECT p.b, upper(l.tag), COUNT(*) FROM unnest(%s::int[], %s::bigint[], %s::bigint[])"
                " AS p(b, lo, hi) CROSS JOIN LATERAL (SELECT tag FROM logs WHERE ts >= p.lo AND ts < p.hi"
                " OFFSET 0) l WHERE (%s::text[] IS NULL OR upper(l.tag) = ANY(%s::text[])) GROUP BY 1, 2",
                [*cols, tags or None, tags or None],
            ).fetchall()
        return out

    def count(self) -> int:
        with self._conn() as conn:
            row = conn.execute(
                "SELECT COALESCE(SUM(n), 0) FROM rollups WHERE level = %s", (COUNT_LEVEL,)
            ).fetchone()
            conn.rollback()
        return int(row[0]) if row else 0

    def is_empty(self) -> bool:
        with self._conn() as conn:
            row = conn.execute("SELECT 1 FROM logs LIMIT 1").fetchone()
            conn.rollback()
        return row is None
