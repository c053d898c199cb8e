"""Benchmarks for the log-analyzer service, each against its baseline in the same run (ratios, not seconds).

    python bench/bench_server.py                  # the full run: a generated store of 1,000,000 records
    python bench/bench_server.py --records 100000 # smaller and quicker

1. GET /logs, one 10,000-record page over HTTP on loopback, vs (a) the floor: the same rows fetched with
   sqlite3 and serialized with orjson in-process, and (b) a naive baseline: no index, every row read into
   Python and filtered there, stdlib json.              goal: <= 2.0x floor, >= 20x faster than naive
2. Ingest through POST /logs in batches of 5,000 vs raw executemany in one transaction.    goal: >= 25%
3. /stats with 100 buckets over the whole store vs one hand-written GROUP BY.             goal: <= 1.5x
4. A 100-record query with 8 concurrent clients: p50/p99 latency and requests/s, vs GET /health under the
   same load (the cost of the HTTP stack alone).
5. The seed's temporal cache of recent range queries (invalidated by writes): the same server with and
   without an LRU of rendered responses, on repeated queries, on moving windows, and with writes in between.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "server"))

from log_analyzer.seed import demo_rows  # noqa: E402
from log_analyzer.store import Store  # noqa: E402
from log_analyzer.timefmt import render  # noqa: E402

PAGE = 10_000
BATCH = 5_000


# -- helpers ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(db: Path, *, cache: int = 0) -> Iterator[int]:
    """`log-analyzer serve` in a child process (or this script's cached variant); yields the port."""
    port = free_port()
    if cache:
        cmd = [sys.executable, __file__, "_serve_cached", str(db), str(port), str(cache)]
    else:
        cmd = [sys.executable, "-m", "log_analyzer.cli", "serve", "--port", str(port), "--db", str(db)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "server")}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = get(port, "/health")
                if status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not come up")
            threading.Event().wait(0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


_conns = threading.local()


def _conn(port: int) -> http.client.HTTPConnection:
    conns: dict[int, http.client.HTTPConnection] = _conns.__dict__.setdefault("by_port", {})
    if port not in conns:
        conns[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    return conns[port]


def _send(port: int, method: str, url: str, body: bytes | None = None) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    for attempt in (1, 2):
        conn = _conn(port)
        try:
            conn.request(method, url, body=body, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.read()
        except (http.client.HTTPException, OSError) as exc:
            conn.close()  # resets the connection's state for the next request
            # the server closes idle keep-alive connections (5 s) while a slow baseline runs: reconnect once
            stale = isinstance(exc, http.client.RemoteDisconnected | ConnectionResetError | BrokenPipeError)
            if attempt == 2 or not stale:
                raise
    raise AssertionError("unreachable")


def get(port: int, path: str, params: dict[str, object] | None = None) -> tuple[int, bytes]:
    return _send(port, "GET", path + ("?" + urlencode(params) if params else ""))


def post(port: int, body: bytes) -> tuple[int, bytes]:
    return _send(port, "POST", "/logs", body)


def interleaved(fns: list[Callable[[], object]], repeat: int) -> list[float]:
    """Median seconds of each function, calling them in turn so machine noise (2 shared cores) hits all
    of them alike."""
    for fn in fns:
        fn()
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, mine in zip(fns, samples, strict=True):
            t0 = time.perf_counter()
            fn()
            mine.append(time.perf_counter() - t0)
    return [statistics.median(s) for s in samples]


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Median seconds of `repeat` calls (after one warm-up)."""
    fn()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


@dataclass
class Row:
    name: str
    value: str
    baseline: str
    ratio: str
    goal: str

    def ok(self) -> str:
        return self.goal


def build_store(path: Path, records: int) -> tuple[int, int]:
    store = Store(path)
    t0 = time.perf_counter()
    for batch in demo_rows(records, days=7, seed=1):
        store.insert(batch)
    lo, hi = store.bounds().first_micros, store.bounds().last_micros
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("ANALYZE")
    print(f"  generated {records:,} records in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    assert lo is not None and hi is not None
    return lo, hi


# -- 1. a 10,000-record page -----------------------------------------------------------------------


def bench_page(db: Path, port: int, lo: int, hi: int, repeat: int) -> list[Row]:
    start = lo + (hi - lo) * 2 // 5
    params = {"start_time": render(start), "limit": PAGE}
    status, body = get(port, "/logs", params)
    assert status == 200 and len(orjson.loads(body)["logs"]) == PAGE, body[:200]

    conn = sqlite3.connect(db)

    def floor() -> bytes:
        rows = conn.execute(
            "SELECT ts_text, tag, message FROM logs WHERE ts >= ? ORDER BY ts, id LIMIT ?", (start, PAGE)
        ).fetchall()
        return orjson.dumps([{"timestamp": t, "tag": g, "message": m} for t, g, m in rows])

    start_text = render(start)

    def naive() -> str:
        # what an unindexed implementation does: read everything, filter and sort in Python, stdlib json
        rows = conn.execute("SELECT ts_text, tag, message FROM logs").fetchall()
        hits = sorted((r for r in rows if r[0] >= start_text), key=lambda r: r[0])[:PAGE]
        return json.dumps({"logs": [{"timestamp": t, "tag": g, "message": m} for t, g, m in hits]})

    over_http, t_floor = interleaved([lambda: get(port, "/logs", params), floor], repeat)
    t_naive = timed(naive, max(3, repeat // 10))
    conn.close()
    return [
        Row(
            "GET /logs 10k page (HTTP)",
            f"{over_http * 1e3:.1f} ms",
            f"floor {t_floor * 1e3:.1f} ms",
            f"{over_http / t_floor:.2f}x floor",
            "<= 2.0x",
        ),
        Row(
            "  vs naive (no index, Python filter)",
            f"{over_http * 1e3:.1f} ms",
            f"naive {t_naive * 1e3:.0f} ms",
            f"{t_naive / over_http:.0f}x faster",
            ">= 20x",
        ),
    ]


# -- 2. ingest -------------------------------------------------------------------------------------


def bench_ingest(tmp: Path, records: int) -> list[Row]:
    rows = [r for batch in demo_rows(records, days=1, seed=2) for r in batch]
    bodies = [
        orjson.dumps(
            {"logs": [{"timestamp": t, "tag": g, "message": m} for _, t, g, m in rows[i : i + BATCH]]}
        )
        for i in range(0, len(rows), BATCH)
    ]

    raw_db = tmp / "raw.db"
    Store(raw_db).close()  # same schema and index as the service
    raw = sqlite3.connect(raw_db, isolation_level=None)
    raw.execute("PRAGMA synchronous=NORMAL")
    t0 = time.perf_counter()
    raw.execute("BEGIN")
    raw.executemany("INSERT INTO logs (ts, ts_text, tag, message) VALUES (?, ?, ?, ?)", rows)
    raw.execute("COMMIT")
    t_raw = time.perf_counter() - t0
    raw.close()

    with server(tmp / "ingest.db") as port:
        t0 = time.perf_counter()
        for body in bodies:
            status, text = post(port, body)
            assert status == 201, text[:200]
        t_http = time.perf_counter() - t0
    rate_http, rate_raw = records / t_http, records / t_raw
    return [
        Row(
            f"POST /logs ingest ({records:,} in {BATCH:,}s)",
            f"{rate_http:,.0f} rec/s",
            f"executemany {rate_raw:,.0f} rec/s",
            f"{rate_http / rate_raw:.0%} of raw",
            ">= 25%",
        ),
    ]


# -- 3. stats --------------------------------------------------------------------------------------


def bench_stats(db: Path, port: int, lo: int, hi: int, repeat: int) -> list[Row]:
    params = {"buckets": 100}
    status, body = get(port, "/stats", params)
    assert status == 200, body[:200]
    stats = orjson.loads(body)
    conn = sqlite3.connect(db)
    width = -(-(hi - lo) // 100)
    width = -(-width // 1_000_000) * 1_000_000

    def group_by() -> list[tuple[int, str, int]]:
        return conn.execute(
            "SELECT (ts - ?) / ? AS b, tag, COUNT(*) FROM logs WHERE ts >= ? AND ts <= ? GROUP BY b, tag",
            (lo, width, lo, hi),
        ).fetchall()

    assert sum(n for _, _, n in group_by()) == stats["total"]
    t_http, t_sql = interleaved([lambda: get(port, "/stats", params), group_by], repeat)
    conn.close()
    return [
        Row(
            "GET /stats 100 buckets, whole store",
            f"{t_http * 1e3:.1f} ms",
            f"GROUP BY {t_sql * 1e3:.1f} ms",
            f"{t_http / t_sql:.2f}x",
            "<= 1.5x",
        ),
    ]


# -- 4. concurrency --------------------------------------------------------------------------------


def load(
    port: int,
    make_params: Callable[[random.Random], tuple[str, dict[str, object]]],
    clients: int,
    per_client: int,
) -> tuple[float, float, float]:
    """(p50 s, p99 s, requests/s) with `clients` threads each doing `per_client` requests back to back."""
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def client(seed: int) -> None:
        rng = random.Random(seed)
        mine = []
        get(port, "/health")  # connect before the clock starts
        barrier.wait()
        for _ in range(per_client):
            path, params = make_params(rng)
            t0 = time.perf_counter()
            status, _ = get(port, path, params)
            mine.append(time.perf_counter() - t0)
            assert status == 200
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    latencies.sort()
    return (latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)], len(latencies) / wall)


def bench_concurrent(port: int, lo: int, hi: int, per_client: int) -> list[Row]:
    def query(rng: random.Random) -> tuple[str, dict[str, object]]:
        return "/logs", {"start_time": render(rng.randrange(lo, hi - (hi - lo) // 100)), "limit": 100}

    p50, p99, rps = load(port, query, 8, per_client)
    b50, b99, brps = load(port, lambda _: ("/health", {}), 8, per_client)
    return [
        Row(
            "100-record query, 8 clients: p50",
            f"{p50 * 1e3:.1f} ms",
            f"/health {b50 * 1e3:.1f} ms",
            f"{p50 / b50:.2f}x",
            "-",
        ),
        Row(
            "                                p99",
            f"{p99 * 1e3:.1f} ms",
            f"/health {b99 * 1e3:.1f} ms",
            f"{p99 / b99:.2f}x",
            "-",
        ),
        Row(
            "                                req/s",
            f"{rps:,.0f}",
            f"/health {brps:,.0f}",
            f"{rps / brps:.2f}x",
            "-",
        ),
    ]


# -- 5. the temporal cache -------------------------------------------------------------------------


def serve_cached(db: str, port: int, entries: int) -> None:
    """The service with the seed's cache in front: rendered GET /logs and /stats responses by exact query,
    dropped on every successful write."""
    import uvicorn
    from log_analyzer.app import create_app
    from log_analyzer.settings import Settings
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    class TemporalCache:
        def __init__(self, app: ASGIApp) -> None:
            self.app = app
            self.entries: OrderedDict[bytes, list[Message]] = OrderedDict()

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await self.app(scope, receive, send)
                return
            if scope["method"] != "GET" or scope["path"] not in ("/logs", "/stats"):
                status = 0

                async def watch(message: Message) -> None:
                    nonlocal status
                    if message["type"] == "http.response.start":
                        status = message["status"]
                    await send(message)

                await self.app(scope, receive, watch)
                if scope["method"] == "POST" and status == 201:
                    self.entries.clear()
                return
            key = scope["path"].encode() + b"?" + scope["query_string"]
            hit = self.entries.get(key)
            if hit is not None:
                self.entries.move_to_end(key)
                for message in hit:
                    await send(message)
                return
            recorded: list[Message] = []

            async def record(message: Message) -> None:
                recorded.append(message)
                await send(message)

            await self.app(scope, receive, record)
            if recorded and recorded[0].get("status") == 200:
                self.entries[key] = recorded
                while len(self.entries) > entries:
                    self.entries.popitem(last=False)

    app = create_app(Settings(db_path=Path(db)))
    uvicorn.run(TemporalCache(app), host="127.0.0.1", port=port, log_level="warning")


def bench_cache(db: Path, lo: int, hi: int, repeat: int) -> list[Row]:
    """Both servers run at once and take turns, so machine noise hits them alike."""
    span = (hi - lo) // 50
    same = {
        "start_time": render(lo + (hi - lo) // 3),
        "end_time": render(lo + (hi - lo) // 3 + span),
        "limit": 1000,
    }
    tick = orjson.dumps({"timestamp": render(hi), "tag": "INFO", "message": "tick"})

    def scenario(port: int, name: str, rng: random.Random) -> None:
        if name == "repeat":  # the same window again, nothing written in between: the cache's best case
            get(port, "/logs", same)
        elif name == "moving":  # a new window each time, as paging and follow mode produce
            s = rng.randrange(lo, hi - span)
            get(port, "/logs", {"start_time": render(s), "end_time": render(s + span), "limit": 1000})
        else:  # a live store: a record arrives between two reads of the same window
            post(port, tick)
            get(port, "/logs", same)

    rows = []
    with server(db) as off, server(db, cache=256) as on:
        for name, label in (
            ("repeat", "cache: same 1,000-record window again"),
            ("moving", "cache: moving window (paging/follow)"),
            ("writes", "cache: write, then read (live store)"),
        ):
            rngs = {off: random.Random(7), on: random.Random(7)}
            samples: dict[int, list[float]] = {off: [], on: []}
            for port in (off, on):
                scenario(port, name, rngs[port])  # warm-up
            for _ in range(repeat):
                for port in (off, on):
                    t0 = time.perf_counter()
                    scenario(port, name, rngs[port])
                    samples[port].append(time.perf_counter() - t0)
            t_off, t_on = statistics.median(samples[off]), statistics.median(samples[on])
            rows.append(
                Row(
                    label,
                    f"on {t_on * 1e3:.2f} ms",
                    f"off {t_off * 1e3:.2f} ms",
                    f"{t_off / t_on:.2f}x faster",
                    "-",
                )
            )
    return rows


# -- main ------------------------------------------------------------------------------------------


def print_table(rows: list[Row]) -> None:
    headers = ("benchmark", "measured", "baseline (same run)", "ratio", "goal")
    cells = [headers, *((r.name, r.value, r.baseline, r.ratio, r.goal) for r in rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(5)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    print(line)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for c in cells[1:]:
        print("| " + " | ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=1_000_000, help="size of the generated store")
    parser.add_argument("--ingest", type=int, default=200_000, help="records to ingest in benchmark 2")
    parser.add_argument("--repeat", type=int, default=30, help="timed repetitions per measurement")
    parser.add_argument("--requests", type=int, default=250, help="requests per client in benchmark 4")
    parser.add_argument("--skip-cache", action="store_true", help="leave out benchmark 5")
    args = parser.parse_args()
    if args.records < 20_000:
        parser.error("--records must be at least 20000 (a 10,000-record page has to fit)")

    with tempfile.TemporaryDirectory(prefix="bench-log-analyzer-") as tmpdir:
        tmp = Path(tmpdir)
        db = tmp / "store.db"
        print(f"building a store of {args.records:,} records ...", file=sys.stderr)
        lo, hi = build_store(db, args.records)
        rows: list[Row] = []
        with server(db) as port:
            print("1. /logs page ...", file=sys.stderr)
            rows += bench_page(db, port, lo, hi, args.repeat)
            print("3. /stats ...", file=sys.stderr)
            rows += bench_stats(db, port, lo, hi, args.repeat)
            print("4. concurrency ...", file=sys.stderr)
            rows += bench_concurrent(port, lo, hi, args.requests)
        print("2. ingest ...", file=sys.stderr)
        rows += bench_ingest(tmp, min(args.ingest, args.records))
        if not args.skip_cache:
            print("5. temporal cache ...", file=sys.stderr)
            rows += bench_cache(db, lo, hi, args.repeat)
    print(
        f"\nlog-analyzer benchmarks: {args.records:,} records, python {sys.version.split()[0]}, "
        f"sqlite {sqlite3.sqlite_version}, {os.cpu_count()} cpus\n"
    )
    print_table(rows)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_serve_cached":
        serve_cached(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        main()
