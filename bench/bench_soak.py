"""A bounded soak of the log-analyzer service: readers paging, writers posting, the pruner deleting, at once.

    python bench/bench_soak.py                 # 3 minutes
    python bench/bench_soak.py --seconds 60    # quicker

All clients work in 15 s bursts with 12 s pauses, longer than the 10 s after which the server's thread pool
retires idle worker threads: each burst then runs on new threads. Before issue 10 every retired thread kept
its database connection (and its 256 MB memory map) open, so open files and RSS grew with every burst.
Writers are paced (a batch every 0.1 s each) so the database, whose pages count in RSS through the memory
map, stays small; anonymous memory (RssAnon: the heap) is reported apart from it.

Writers post batches of OLD records (10 days old, which the pruner, every 2 s with a 1-day retention,
deletes) and, one batch in ten, NEW ones (kept): the database stays about the same size while everything
churns. At the end: the NEW count must equal what was acknowledged exactly, OLD must be 0, no request may
have failed, and open files and memory must be flat (last sample vs the first a third of the way in).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "server"))

from tests.helpers import ServerProcess  # noqa: E402

BATCH = 200
READERS = 4
WRITERS = 2
BURST_SECONDS = 15.0
PAUSE_SECONDS = 12.0


@dataclass
class Sample:
    at: float
    rss_mb: float
    anon_mb: float
    fds: int
    db_fds: int
    threads: int
    records: int


def sample(pid: int, db: Path, url: str, started: float) -> Sample:
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    rss = int(fields["VmRSS"].split()[0]) / 1024
    anon = int(fields["RssAnon"].split()[0]) / 1024
    threads = int(fields["Threads"].strip())
    fds = db_fds = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        fds += 1
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith(str(db)):
                db_fds += 1
        except OSError:
            pass
    records = int(httpx.get(f"{url}/health", timeout=30).json()["records"])
    return Sample(time.monotonic() - started, rss, anon, fds, db_fds, threads, records)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=180.0, help="how long the load runs (default 180)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="soak-"))
    db = tmp / "soak.db"
    env = {"LOG_ANALYZER_RETENTION_DAYS": "1", "LOG_ANALYZER_PRUNE_INTERVAL_SECONDS": "2"}
    server = ServerProcess(db, env=env, seed=False).start()
    assert server.proc is not None
    pid = server.proc.pid
    stop = threading.Event()
    started = time.monotonic()
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    acked = Counter[str]()
    lock = threading.Lock()
    now = datetime.now(UTC).replace(tzinfo=None)
    window_start = (now - timedelta(hours=1)).isoformat(timespec="seconds")

    def note(r: httpx.Response, what: str) -> None:
        with lock:
            statuses[r.status_code] += 1
            if r.status_code >= 400:
                failures.append(f"{what}: {r.status_code} {r.text[:200]}")

    def active() -> bool:
        """True during a burst; between bursts every client waits, so the server's threads go idle."""
        phase = (time.monotonic() - started) % (BURST_SECONDS + PAUSE_SECONDS)
        if phase < BURST_SECONDS:
            return True
        stop.wait(BURST_SECONDS + PAUSE_SECONDS - phase)
        return False

    def writer(k: int) -> None:
        n = 0
        with httpx.Client(base_url=server.url, timeout=60) as client:
            while not stop.is_set():
                if not active():
                    continue
                stop.wait(0.1)
                tag = "NEW" if n % 10 == 0 else "OLD"
                base = now - timedelta(days=10) if tag == "OLD" else now
                logs = [
                    {
                        "timestamp": (base + timedelta(microseconds=n * BATCH + i)).isoformat(),
                        "tag": tag,
                        "message": f"w{k} batch {n} record {i} " + "x" * 80,
                    }
                    for i in range(BATCH)
                ]
                r = client.post("/logs", json={"logs": logs})
                note(r, "POST")
                if r.status_code == 201:
                    with lock:
                        acked[tag] += BATCH
                n += 1

    def reader(k: int) -> None:
        while not stop.is_set():
            with httpx.Client(base_url=server.url, timeout=60) as client:
                while active() and not stop.is_set():
                    cursor = None
                    for _ in range(20):  # page through the recent window
                        params = {"start_time": window_start, "limit": 500, "tag": "NEW"}
                        if cursor:
                            params["cursor"] = cursor
                        r = client.get("/logs", params=params)
                        note(r, "GET /logs")
                        if r.status_code != 200:
                            break
                        cursor = r.json()["next_cursor"]
                        if cursor is None:
                            break
                    note(client.get("/stats", params={"buckets": 60}), "GET /stats")

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(WRITERS)]
    threads += [threading.Thread(target=reader, args=(k,)) for k in range(READERS)]
    for t in threads:
        t.start()
    samples = [sample(pid, db, server.url, started)]
    deadline = started + args.seconds
    while time.monotonic() < deadline:
        stop.wait(min(10.0, max(0.0, deadline - time.monotonic())))
        samples.append(sample(pid, db, server.url, started))
    stop.set()
    for t in threads:
        t.join()
    # one more prune round after the last OLD batch, then the counts must be exact
    settle = time.monotonic() + 30
    while time.monotonic() < settle:
        old = httpx.get(f"{server.url}/stats", params={"tag": "OLD"}).json()["total"]
        if old == 0:
            break
        stop.wait(0.5)
    new = httpx.get(f"{server.url}/stats", params={"tag": "NEW"}).json()["total"]
    old = httpx.get(f"{server.url}/stats", params={"tag": "OLD"}).json()["total"]
    samples.append(sample(pid, db, server.url, started))
    server.stop()

    print(
        f"soak: {args.seconds:g} s, {WRITERS} writers ({BATCH}-record batches), {READERS} readers, in bursts"
    )
    print()
    print("| t (s) | RSS (MB) | of which heap (MB) | open files | db files | threads | records |")
    print("|------:|---------:|-------------------:|-----------:|---------:|--------:|--------:|")
    for x in samples:
        cells = (f"{x.at:5.0f}", f"{x.rss_mb:8.1f}", f"{x.anon_mb:18.1f}", f"{x.fds:10d}", f"{x.db_fds:8d}")
        print("| " + " | ".join(cells) + f" | {x.threads:7d} | {x.records:7d} |")
    warm = next(x for x in samples if x.at >= args.seconds / 3 or x is samples[-1])
    last = samples[-1]
    most_fds = max(x.fds for x in samples)
    exact = "exact" if new == acked["NEW"] else "MISMATCH"
    rows = [
        ("NEW records stored", str(new), f"{acked['NEW']} acknowledged", exact),
        (
            "OLD records left after pruning",
            str(old),
            f"0 ({acked['OLD']} posted)",
            "ok" if old == 0 else "FAIL",
        ),
        ("requests", str(sum(statuses.values())), "-", "-"),
        ("failed requests (4xx/5xx)", str(len(failures)), "0", "ok" if not failures else "FAIL"),
        (
            f"heap, last vs t={warm.at:.0f} s",
            f"{last.anon_mb:.1f} MB",
            f"{warm.anon_mb:.1f} MB",
            f"{last.anon_mb / warm.anon_mb:.2f}x",
        ),
        (
            f"RSS, last vs t={warm.at:.0f} s",
            f"{last.rss_mb:.1f} MB",
            f"{warm.rss_mb:.1f} MB",
            f"{last.rss_mb / warm.rss_mb:.2f}x",
        ),
        (
            f"open files, max vs t={warm.at:.0f} s",
            str(most_fds),
            str(warm.fds),
            f"{most_fds / warm.fds:.2f}x",
        ),
        ("database files open, max", str(max(x.db_fds for x in samples)), str(warm.db_fds), "-"),
    ]
    print()
    print("| check | measured | expected / baseline | ratio |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    for f in failures[:10]:
        print("  failure:", f)
    ok = new == acked["NEW"] and old == 0 and not failures
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
