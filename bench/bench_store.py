"""Store benchmarks for both backends (SQLite, PostgreSQL): rollups for /stats, the text index for `q`,
ingest with the new indexes, /logs pages, disk size. Each figure against its baseline in the same run.

    python bench/bench_store.py                           # 1,000,000 records, both backends
    python bench/bench_store.py --records 200000 --backend sqlite

The baseline for every read is the scan it replaces, over the same rows in a plain indexed table (today's
SQLite schema: logs + (ts, id) and (ts, tag) indexes; on PostgreSQL: logs + (ts, id)), run in-process with
the driver; the measured side goes through a real `log-analyzer serve` over HTTP on loopback.

1. GET /stats, whole store, 60 buckets          vs a GROUP BY scan of the plain table      goal <= 0.1x
2. GET /logs?q=<string in 5 records> (complete) vs LIKE scan of the plain table            goal <= 0.1x
3. GET /logs?q=<absent string>                  vs LIKE scan                               goal <= 0.1x
4. GET /stats?q=<string in 5 records>           vs GROUP BY with LIKE                      goal <= 0.1x
5. GET /logs 10,000-record page                 vs the same rows fetched + orjson          goal <= 2x
6. Ingest with rollups + text index (store.insert, 5,000 a batch) vs a bare insert of the same rows
   (SQLite: executemany into the plain table; PostgreSQL: COPY)
7. POST /logs ingest (200,000 records in 5,000s) vs a bare COPY / executemany             goal >= 25%
   PostgreSQL also: vs a bare COPY into a table like the store's own (the same two indexes: the service's
   whole overhead), the ceiling any service keeping a trigram index could reach (a bare COPY plus the index
   built in bulk afterwards), and POST with the text index turned off (`log-analyzer text-index off`)
   SQLite also: vs the same POSTs to today's service (`--today main`: its code from git, its store
   being the plain table, which has exactly its schema)                                  goal >= 40%
8. Disk size per million records, new store vs plain table.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "server"))
sys.path.insert(0, str(ROOT))

from log_analyzer.seed import demo_rows  # noqa: E402
from log_analyzer.settings import Settings  # noqa: E402
from log_analyzer.store import LogStore, Row, open_store  # noqa: E402

from tests.helpers import ServerProcess  # noqa: E402

RARE = "ZQXJ-7781"  # planted in 5 records; searched as lower case
ABSENT = "no-such-text-qq"
BATCH = 5_000
POST_RECORDS = 200_000
END = 1_795_000_000_000_000

PLAIN_SQLITE = (
    "CREATE TABLE logs (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, ts_text TEXT NOT NULL, "
    "tag TEXT NOT NULL COLLATE NOCASE, message TEXT NOT NULL)",
    "CREATE INDEX logs_ts_id ON logs (ts, id)",
    "CREATE INDEX logs_ts_tag ON logs (ts, tag)",
)
PLAIN_PG = (
    "CREATE TABLE plain (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ts BIGINT NOT NULL, "
    "ts_text TEXT NOT NULL, tag TEXT NOT NULL, message TEXT NOT NULL)",
    "CREATE INDEX plain_ts_id ON plain (ts, id)",
)
#: a table like the store's own `logs`, with its two indexes, for a bare COPY into the same shape
MIRROR_PG = (
    "CREATE TABLE mirror (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ts BIGINT NOT NULL, "
    "ts_text TEXT NOT NULL, tag TEXT NOT NULL, message TEXT NOT NULL)",
    "CREATE INDEX mirror_ts_id ON mirror (ts, id)",
    "CREATE INDEX mirror_trgm ON mirror USING gin (message gin_trgm_ops)",
)


def batches(records: int) -> list[list[Row]]:
    out = []
    every = max(records // 5, 1)
    n = 0
    for batch in demo_rows(records, days=7, end=END):
        rows = []
        for ts, text, tag, message in batch:
            if n % every == every // 2:
                message = f"consumer lag on partition {RARE} ({n})"
            rows.append((ts, text, tag, message))
            n += 1
        for i in range(0, len(rows), BATCH):
            out.append(rows[i : i + BATCH])
    return out


def best(fn: Callable[[], object], repeat: int = 5) -> float:
    fn()  # warm
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f} rec/s"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds >= 0.001 else f"{seconds * 1000:.2f} ms"


class Table:
    def __init__(self, title: str) -> None:
        print(f"\n{title}")
        head = f"| {'benchmark':<44} | {'measured':>14} | {'baseline (same run)':>28} | {'ratio':>12} |"
        print(head + " goal    |")
        print(f"|{'-' * 46}|{'-' * 16}|{'-' * 30}|{'-' * 14}|---------|")

    def row(self, name: str, measured: str, baseline: str, ratio: str, goal: str) -> None:
        print(f"| {name:<44} | {measured:>14} | {baseline:>28} | {ratio:>12} | {goal:<7} |", flush=True)


def http_get(url: str, path: str, params: dict[str, Any]) -> Callable[[], bytes]:
    client = httpx.Client(base_url=url, timeout=120)

    def go() -> bytes:
        r = client.get(path, params=params)
        r.raise_for_status()
        return r.content

    return go


def all_pages(url: str, params: dict[str, Any]) -> Callable[[], int]:
    client = httpx.Client(base_url=url, timeout=120)

    def go() -> int:
        seen, cursor = 0, None
        while True:
            body = client.get("/logs", params={**params, **({"cursor": cursor} if cursor else {})}).json()
            seen += len(body["logs"])
            cursor = body["next_cursor"]
            if cursor is None:
                return seen

    return go


# -- backends -------------------------------------------------------------------------------------------


class SqliteSide:
    name = "sqlite"

    def __init__(self, work: Path) -> None:
        self.db = work / "new.db"
        self.plain_db = work / "plain.db"
        self.env: dict[str, str] = {}
        self.plain = sqlite3.connect(self.plain_db, isolation_level=None)
        self.plain.execute("PRAGMA journal_mode=WAL")
        self.plain.execute("PRAGMA synchronous=NORMAL")
        for stmt in PLAIN_SQLITE:
            self.plain.execute(stmt)

    def open(self) -> LogStore:
        return open_store(Settings(db_path=self.db))

    def baseline_insert(self, rows: list[Row]) -> None:
        # what the previous version's Store.insert did: one executemany and the running count
        self.plain.execute("BEGIN IMMEDIATE")
        self.plain.executemany("INSERT INTO logs (ts, ts_text, tag, message) VALUES (?, ?, ?, ?)", rows)
        self.plain.execute("COMMIT")

    def raw_insert(self, rows: list[Row]) -> None:
        self.baseline_insert(rows)

    def scan(self, sql: str, args: tuple[Any, ...]) -> list[Any]:
        return self.plain.execute(sql.replace("%s", "?").replace("{t}", "logs"), args).fetchall()

    def sizes(self) -> tuple[int, int]:
        for path in (self.db, self.plain_db):
            with sqlite3.connect(path) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return self.db.stat().st_size, self.plain_db.stat().st_size

    def close(self) -> None:
        self.plain.close()


class PostgresSide:
    name = "postgresql"

    def __init__(self, work: Path) -> None:
        import psycopg

        from tests.pg import PgCluster

        self.cluster = PgCluster().start()
        self.url = self.cluster.new_database()
        self.env = {"LOG_ANALYZER_DATABASE_URL": self.url}
        self.plain = psycopg.connect(self.url, autocommit=True)
        self.plain.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for stmt in (*PLAIN_PG, *MIRROR_PG):
            self.plain.execute(stmt.encode())

    def open(self) -> LogStore:
        return open_store(Settings(database_url=self.url))

    def baseline_insert(self, rows: list[Row], table: str = "plain") -> None:
        with self.plain.transaction(), self.plain.cursor() as cur:
            with cur.copy(f"COPY {table} (ts, ts_text, tag, message) FROM STDIN".encode()) as copy:
                for row in rows:
                    copy.write_row(row)

    def mirror_insert(self, rows: list[Row]) -> None:
        self.baseline_insert(rows, "mirror")

    def bulk_index_ceiling(self, rows: list[Row]) -> tuple[float, float]:
        """(bare COPY of `rows` into an empty plain table, then building the trigram index over them)."""
        self.plain.execute("CREATE TABLE ceiling (LIKE plain INCLUDING ALL)")
        t = time.perf_counter()
        for i in range(0, len(rows), BATCH):
            self.baseline_insert(rows[i : i + BATCH], "ceiling")
        copied = time.perf_counter() - t
        t = time.perf_counter()
        self.plain.execute("CREATE INDEX ON ceiling USING gin (message gin_trgm_ops)")
        built = time.perf_counter() - t
        self.plain.execute("DROP TABLE ceiling")
        return copied, built

    def raw_insert(self, rows: list[Row]) -> None:
        self.baseline_insert(rows)

    def scan(self, sql: str, args: tuple[Any, ...]) -> list[Any]:
        return self.plain.execute(sql.replace("{t}", "plain").encode(), args).fetchall()

    def sizes(self) -> tuple[int, int]:
        self.plain.execute("VACUUM ANALYZE")
        new = self.plain.execute(
            "SELECT pg_total_relation_size('logs') + pg_total_relation_size('rollups')"
        ).fetchone()
        old = self.plain.execute("SELECT pg_total_relation_size('plain')").fetchone()
        assert new is not None and old is not None
        return int(new[0]), int(old[0])

    def close(self) -> None:
        self.plain.close()
        self.cluster.close()


# -- the run --------------------------------------------------------------------------------------------


def today_service(ref: str, work: Path) -> Path | None:
    """The service's package at git `ref` (e.g. main), extracted under `work`; None if unavailable."""
    import subprocess

    dest = work / "today"
    dest.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "server/log_analyzer"], capture_output=True, check=False
    )
    if archive.returncode != 0:
        print(f"(no baseline service: git archive {ref} failed: {archive.stderr.decode().strip()})")
        return None
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest / "server"


def post_all(url: str, bodies: list[bytes]) -> float:
    client = httpx.Client(base_url=url, timeout=120, headers={"content-type": "application/json"})
    t = time.perf_counter()
    for body in bodies:
        client.post("/logs", content=body).raise_for_status()
    return time.perf_counter() - t


def run(side: Any, data: list[list[Row]], records: int, work: Path, today: str | None) -> None:
    table = Table(f"{side.name}: {records:,} records")
    # 6. ingest, new store vs today's, interleaved batch by batch so both see the same machine load
    store = side.open()
    new_time = old_time = mirror_time = 0.0
    mirror = getattr(side, "mirror_insert", None)
    for batch in data:
        t = time.perf_counter()
        store.insert(batch)
        new_time += time.perf_counter() - t
        t = time.perf_counter()
        side.baseline_insert(batch)
        old_time += time.perf_counter() - t
        if mirror is not None:
            t = time.perf_counter()
            mirror(batch)
            mirror_time += time.perf_counter() - t
    store.close()
    base_name = "executemany" if side.name == "sqlite" else "bare COPY"
    table.row(
        "ingest: rollups + text index, 5,000 a batch",
        rate(records, new_time),
        f"{base_name} {rate(records, old_time)}",
        f"{old_time / new_time:.0%}",
        "-",
    )
    if mirror is not None:
        table.row(
            "ingest vs a bare COPY into the store's shape",
            rate(records, new_time),
            f"same-shape COPY {rate(records, mirror_time)}",
            f"{mirror_time / new_time:.0%}",
            "-",
        )
    if side.name == "postgresql":
        side.plain.execute("ANALYZE")
        side.plain.execute("ANALYZE plain")
    server = ServerProcess(
        work / f"{side.name}.db" if side.name != "sqlite" else side.db, env=side.env
    ).start()
    try:
        url = server.url
        bounds = httpx.get(f"{url}/health", timeout=60).json()
        assert bounds["records"] == records, bounds
        first = bounds["first_timestamp"]
        from log_analyzer.timefmt import parse_timestamp

        lo = parse_timestamp(first)[0]
        hi = parse_timestamp(bounds["last_timestamp"])[0]
        width = -(-max(hi - lo, 1) // 60)
        width = -(-width // 1_000_000) * 1_000_000
        group_by = (
            "SELECT (ts - %s) / %s AS b, tag, COUNT(*) FROM {t} WHERE ts >= %s AND ts <= %s GROUP BY b, tag"
        )
        like = "%" + RARE.lower().replace("-", "-") + "%"
        like_sql = (
            "SELECT id, ts_text, tag, message FROM {t} WHERE message LIKE %s ORDER BY ts, id LIMIT 1001"
            if side.name == "sqlite"
            else "SELECT id, ts_text, tag, message FROM {t} WHERE message ILIKE %s ORDER BY ts, id LIMIT 1001"
        )
        like_group = group_by.replace("GROUP BY", "AND message {op} %s GROUP BY").replace(
            "{op}", "LIKE" if side.name == "sqlite" else "ILIKE"
        )

        # 1. /stats whole store
        got = orjson.loads(http_get(url, "/stats", {"buckets": 60})())
        assert got["total"] == records
        t_stats = best(http_get(url, "/stats", {"buckets": 60}))
        t_scan = best(lambda: side.scan(group_by, (lo, width, lo, hi)), repeat=3)
        table.row(
            "GET /stats whole store, 60 buckets",
            ms(t_stats),
            f"GROUP BY {ms(t_scan)}",
            f"{t_stats / t_scan:.3f}x",
            "<= 0.1x",
        )
        # 2. rare q, complete answer
        assert all_pages(url, {"q": RARE.lower()})() == 5
        t_q = best(all_pages(url, {"q": RARE.lower()}))
        t_like = best(lambda: side.scan(like_sql, (like,)), repeat=3)
        assert len(side.scan(like_sql, (like,))) == 5
        table.row(
            "GET /logs?q=<in 5 records>, complete",
            ms(t_q),
            f"LIKE scan {ms(t_like)}",
            f"{t_q / t_like:.3f}x",
            "<= 0.1x",
        )
        # 3. absent q
        t_q = best(all_pages(url, {"q": ABSENT}))
        t_like = best(lambda: side.scan(like_sql, ("%" + ABSENT + "%",)), repeat=3)
        table.row(
            "GET /logs?q=<absent>", ms(t_q), f"LIKE scan {ms(t_like)}", f"{t_q / t_like:.3f}x", "<= 0.1x"
        )
        # 4. /stats with rare q
        assert orjson.loads(http_get(url, "/stats", {"q": RARE.lower(), "buckets": 60})())["total"] == 5
        t_q = best(http_get(url, "/stats", {"q": RARE.lower(), "buckets": 60}))
        t_like = best(lambda: side.scan(like_group, (lo, width, lo, hi, like)), repeat=3)
        table.row(
            "GET /stats?q=<in 5 records>",
            ms(t_q),
            f"GROUP BY+LIKE {ms(t_like)}",
            f"{t_q / t_like:.3f}x",
            "<= 0.1x",
        )
        # 5. a 10,000-record page vs the floor
        mid = lo + (hi - lo) // 2
        from log_analyzer.timefmt import render

        params = {"start_time": render(mid), "limit": 10_000}
        assert len(orjson.loads(http_get(url, "/logs", params)())["logs"]) == 10_000
        t_page = best(http_get(url, "/logs", params))
        floor_sql = "SELECT id, ts_text, tag, message FROM {t} WHERE ts >= %s ORDER BY ts, id LIMIT 10001"

        def floor() -> bytes:
            rows = side.scan(floor_sql, (mid,))[:10_000]
            return orjson.dumps({"logs": [{"timestamp": t, "tag": g, "message": m} for _, t, g, m in rows]})

        t_floor = best(floor)
        table.row(
            "GET /logs 10,000-record page",
            ms(t_page),
            f"fetch+orjson {ms(t_floor)}",
            f"{t_page / t_floor:.2f}x",
            "<= 2x",
        )
        t_first = best(http_get(url, "/logs", {}))
        table.row("GET /logs first page (1,000)", ms(t_first), "-", "-", "-")
        # 7. POST ingest vs raw insert of the same rows
        post_rows = [
            r for b in demo_rows(POST_RECORDS, days=1, end=END + 86_400_000_000 * 3, seed=7) for r in b
        ]
        bodies = [
            orjson.dumps(
                {
                    "logs": [
                        {"timestamp": t, "tag": g, "message": m} for _, t, g, m in post_rows[i : i + BATCH]
                    ]
                }
            )
            for i in range(0, len(post_rows), BATCH)
        ]
        t_post = post_all(url, bodies)
        t = time.perf_counter()
        for i in range(0, len(post_rows), BATCH):
            side.raw_insert(post_rows[i : i + BATCH])
        t_raw = time.perf_counter() - t
        table.row(
            f"POST /logs ingest ({POST_RECORDS:,} in 5,000s)",
            rate(POST_RECORDS, t_post),
            f"{base_name} {rate(POST_RECORDS, t_raw)}",
            f"{t_raw / t_post:.0%}",
            ">= 25%",
        )
        if mirror is not None:
            t = time.perf_counter()
            for i in range(0, len(post_rows), BATCH):
                mirror(post_rows[i : i + BATCH])
            t_mirror = time.perf_counter() - t
            table.row(
                "  the same vs COPY into the store's shape",
                rate(POST_RECORDS, t_post),
                f"same-shape COPY {rate(POST_RECORDS, t_mirror)}",
                f"{t_mirror / t_post:.0%}",
                ">= 25%",
            )
            copied, built = side.bulk_index_ceiling(post_rows)
            table.row(
                "  ceiling: COPY, then trigram index in bulk",
                rate(POST_RECORDS, copied + built),
                f"bare COPY {rate(POST_RECORDS, copied)}",
                f"{copied / (copied + built):.0%}",
                "-",
            )
    finally:
        server.stop()
    old_code = today_service(today, work) if today and side.name == "sqlite" else None
    if old_code is not None:
        # today's service on today's schema with the same million rows, then the same POSTs as above
        again = [r for b in demo_rows(POST_RECORDS, days=1, end=END + 86_400_000_000 * 5, seed=8) for r in b]
        bodies = [
            orjson.dumps(
                {"logs": [{"timestamp": t, "tag": g, "message": m} for _, t, g, m in again[i : i + BATCH]]}
            )
            for i in range(0, len(again), BATCH)
        ]
        old = ServerProcess(side.plain_db, env={"PYTHONPATH": str(old_code)}).start()
        try:
            assert "backend" not in httpx.get(f"{old.url}/health").json(), "not today's service"
            t_old = post_all(old.url, bodies)
        finally:
            old.stop()
        new = ServerProcess(side.db, env=side.env).start()
        try:
            t_new = post_all(new.url, bodies)
        finally:
            new.stop()
        table.row(
            f"POST /logs ingest vs today's service ({today})",
            rate(POST_RECORDS, t_new),
            f"today {rate(POST_RECORDS, t_old)}",
            f"{t_old / t_new:.0%}",
            ">= 40%",
        )
    new_size, old_size = side.sizes()
    per_m = 1_000_000 / (records + POST_RECORDS * (2 if old_code is not None else 1))
    table.row(
        "disk per 1,000,000 records",
        f"{new_size * per_m / 1e6:,.0f} MB",
        f"plain table {old_size * per_m / 1e6:,.0f} MB",
        f"{new_size / old_size:.2f}x",
        "-",
    )
    if side.name == "postgresql":
        text_index_off(side, work, table, records + POST_RECORDS)


def text_index_off(side: Any, work: Path, table: Table, stored: int) -> None:
    """POST /logs again after `log-analyzer text-index off`, against a bare COPY of the same rows."""
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("LOG_ANALYZER_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "server"), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-m", "log_analyzer.cli", "text-index", "off"],
        env={**env, **side.env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = [r for b in demo_rows(POST_RECORDS, days=1, end=END + 86_400_000_000 * 7, seed=9) for r in b]
    records = [{"timestamp": t, "tag": g, "message": m} for _, t, g, m in rows]
    bodies = [orjson.dumps({"logs": records[i : i + BATCH]}) for i in range(0, len(rows), BATCH)]
    server = ServerProcess(work / "off.db", env=side.env).start()
    try:
        t_post = post_all(server.url, bodies)
    finally:
        server.stop()
    t = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        side.raw_insert(rows[i : i + BATCH])
    t_raw = time.perf_counter() - t
    table.row(
        "POST /logs ingest, text index off",
        rate(POST_RECORDS, t_post),
        f"bare COPY {rate(POST_RECORDS, t_raw)}",
        f"{t_raw / t_post:.0%}",
        ">= 25%",
    )
    new_size, old_size = side.sizes()
    per_m = 1_000_000 / (stored + POST_RECORDS)
    table.row(
        "disk per 1,000,000 records, text index off",
        f"{new_size * per_m / 1e6:,.0f} MB",
        f"plain table {old_size * per_m / 1e6:,.0f} MB",
        f"{new_size / old_size:.2f}x",
        "-",
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--today",
        default="main",
        help="git ref of today's service for the SQLite ingest baseline ('' to skip)",
    )
    args = parser.parse_args()
    print(
        f"log-analyzer store benchmarks: {args.records:,} records, python {sys.version.split()[0]}, "
        f"sqlite {sqlite3.sqlite_version}, {os.cpu_count()} cpus"
    )
    t = time.perf_counter()
    data = batches(args.records)
    print(f"(generated {args.records:,} demo records in {time.perf_counter() - t:.0f} s)")
    sides: Iterator[type] = iter(
        [SqliteSide, PostgresSide]
        if args.backend == "both"
        else [SqliteSide if args.backend == "sqlite" else PostgresSide]
    )
    for kind in sides:
        with tempfile.TemporaryDirectory(prefix="bench-store-") as work:
            side = kind(Path(work))
            try:
                run(side, data, args.records, Path(work), args.today or None)
            finally:
                side.close()


if __name__ == "__main__":
    main()
