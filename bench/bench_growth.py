"""Does the service stay as fast when the store grows tenfold? One store, measured at 1,000,000 records and
again after growing to 10,000,000, over HTTP (a real `log-analyzer serve`).

    python bench/bench_growth.py                       # SQLite, 1M -> 10M (about 5 minutes on 2 cores)
    python bench/bench_growth.py --backend postgresql  # a throw-away PostgreSQL server (about 10 minutes)
    python bench/bench_growth.py --step 100000         # 100k -> 1M, quick

The store grows the way a real one does: each step adds another week of demo records (same density), so
10M records span ten weeks. Measured at both sizes, goal within 2x of the small store's figure:
the first /logs page (1,000 records), /stats of the whole store (60 buckets), and a search for a string
found in 5 records (complete answer). Also the disk size per million records.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "server"))
sys.path.insert(0, str(ROOT))

# the same planted string, end of time and timing as the store benchmark (this folder is on sys.path[0])
from bench_store import END, RARE, best  # noqa: E402
from log_analyzer.seed import demo_rows  # noqa: E402
from log_analyzer.settings import Settings  # noqa: E402
from log_analyzer.store import LogStore, open_store  # noqa: E402

from tests.helpers import ServerProcess  # noqa: E402

WEEK = 7 * 86_400_000_000
REPEAT = 7


def add_week(store: LogStore, records: int, week: int, weeks: int, plant: bool) -> None:
    every = max(records // 5, 1)
    n = 0
    for batch in demo_rows(records, days=7, end=END - (weeks - 1 - week) * WEEK, seed=week):
        rows = []
        for ts, text, tag, message in batch:
            if plant and n % every == every // 2:
                message = f"consumer lag on partition {RARE} ({n})"
            rows.append((ts, text, tag, message))
            n += 1
        for i in range(0, len(rows), 5000):
            store.insert(rows[i : i + 5000])


def measure(db: Path, env: dict[str, str]) -> dict[str, float]:
    server = ServerProcess(db, env=env).start()
    try:
        client = httpx.Client(base_url=server.url, timeout=120)

        def search() -> int:
            seen, cursor = 0, None
            while True:
                params = {"q": RARE.lower(), **({"cursor": cursor} if cursor else {})}
                body = client.get("/logs", params=params).json()
                seen += len(body["logs"])
                cursor = body["next_cursor"]
                if cursor is None:
                    return seen

        assert search() == 5
        return {
            "first /logs page (1,000 records)": best(lambda: client.get("/logs").raise_for_status(), REPEAT),
            "/stats whole store, 60 buckets": best(
                lambda: client.get("/stats", params={"buckets": 60}).raise_for_status(), REPEAT
            ),
            "q for a string in 5 records, complete": best(search, REPEAT),
        }
    finally:
        server.stop()


def size_per_million(db: Path, url: str | None, records: int) -> float:
    if url:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
            row = conn.execute(
                "SELECT pg_total_relation_size('logs') + pg_total_relation_size('rollups')"
            ).fetchone()
        assert row is not None
        return int(row[0]) * 1_000_000 / records / 1e6
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db.stat().st_size * 1_000_000 / records / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--step", type=int, default=1_000_000, help="records per week; the store grows to 10x"
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    small, big = args.step, args.step * 10
    print(
        f"log-analyzer growth benchmark: {small:,} -> {big:,} records ({args.backend}), python "
        f"{sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, {os.cpu_count()} cpus"
    )
    cluster = None
    url: str | None = None
    if args.backend == "postgresql":
        from tests.pg import PgCluster

        cluster = PgCluster().start()
        url = cluster.new_database()
    env = {"LOG_ANALYZER_DATABASE_URL": url} if url else {}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-growth-") as work:
            db = Path(work) / "logs.db"
            settings = Settings(database_url=url) if url else Settings(db_path=db)
            t = time.perf_counter()
            store = open_store(settings)
            add_week(store, small, 0, 10, plant=True)
            store.close()
            at_small = measure(db, env)
            small_size = size_per_million(db, url, small)
            store = open_store(settings)
            for week in range(1, 10):
                add_week(store, small, week, 10, plant=False)
            store.close()
            print(f"(built in {time.perf_counter() - t:.0f} s)")
            at_big = measure(db, env)
            big_size = size_per_million(db, url, big)
    finally:
        if cluster is not None:
            cluster.close()
    print(f"| {'benchmark':<40} | {f'{small:,}':>12} | {f'{big:,}':>12} | {'ratio':>6} | goal    |")
    print(f"|{'-' * 42}|{'-' * 14}|{'-' * 14}|{'-' * 8}|---------|")
    for name, before in at_small.items():
        after = at_big[name]
        cells = f"{before * 1000:>9.1f} ms | {after * 1000:>9.1f} ms | {after / before:>5.2f}x"
        print(f"| {name:<40} | {cells} | <= 2x   |")
    cells = f"{small_size:>9.0f} MB | {big_size:>9.0f} MB | {'':>6}"
    print(f"| {'disk per 1,000,000 records':<40} | {cells} | -       |")


if __name__ == "__main__":
    main()
