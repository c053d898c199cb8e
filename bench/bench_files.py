"""Benchmark: `logtui FILE` against `lnav FILE`, and `logtui collect` against the service's own ingest.

    python bench/bench_files.py                          # 1,000,000-line file, 200,000 container lines
    python bench/bench_files.py --lines 100000 --container-lines 50000 --skip-lnav

1. Opening a log file, both TUIs driven in tmux (send-keys / capture-pane every 50 ms) on the same file in
   the same run: time from launch to the first screen showing records, and to fully loaded (logtui: its
   status bar says "loaded N records"; lnav: it shows the file's last line, where it lands once indexed).
   Reference: `log-analyzer ingest` of the same file (the service's bulk loader, no UI).
2. Keeping a container's output: a container prints N numbered lines as fast as it can; once they are all
   in Docker's log, `Collector` stores them (lines/s sustained), against `log-analyzer ingest` of the same
   N lines from a file (the ceiling: the store's own bulk rate). Then a container printing 10,000 lines/s
   for 10 s is collected live: the lag from its last line to the store holding it.

Needs tmux, and lnav for its row (Debian: apt-get install lnav); Docker with python:3.11-slim for part 2.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TAGS = ("INFO",) * 14 + ("DEBUG",) * 3 + ("WARN",) * 2 + ("ERROR",)
PRINTER = r"""
import sys, time
n, rate = int(sys.argv[1]), float(sys.argv[2])
out = sys.stdout
start = time.monotonic()
for i in range(n):
    out.write(f"{'ERROR' if i % 20 == 0 else 'INFO'} request {i} served in {i % 997} ms\n")
    if rate and i % 100 == 99:
        out.flush()
        ahead = (i + 1) / rate - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(ahead)
out.flush()
"""


def make_file(path: Path, lines: int) -> None:
    with path.open("w") as f:
        for start in range(0, lines, 10_000):
            f.writelines(
                f"2023-04-23T{10 + j // 3_600_000:02d}:{(j // 60_000) % 60:02d}:{(j // 1000) % 60:02d}."
                f"{j % 1000:03d} {TAGS[j % len(TAGS)]} request {j} served in {j % 997} ms\n"
                for j in range(start, min(lines, start + 10_000))
            )


def tmux_run(
    command: str,
    env: dict[str, str],
    first: Callable[[str], bool],
    done: Callable[[str], bool],
    limit: float = 240.0,
) -> tuple[float | None, float | None]:
    """Launch `command` in a detached tmux session; seconds until a capture satisfies first() and done()."""
    session = f"bench-{uuid.uuid4().hex[:8]}"
    exports = " ".join(f"{k}={v}" for k, v in env.items())
    start = time.monotonic()
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "200", "-y", "50", f"env {exports} {command}"],
        check=True,
    )
    t_first = t_done = None
    try:
        while time.monotonic() - start < limit:
            pane = subprocess.run(
                ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
            ).stdout
            now = time.monotonic() - start
            if t_first is None and first(pane):
                t_first = now
            if done(pane):
                t_done = now
                t_first = t_first if t_first is not None else now
                break
            time.sleep(0.05)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    return t_first, t_done


def bench_open(work: Path, lines: int, skip_lnav: bool) -> list[tuple[str, str, str]]:
    log = work / "app.log"
    make_file(log, lines)
    size_mb = log.stat().st_size / 1e6
    rows: list[tuple[str, str, str]] = []
    record = re.compile(r"request \d+ served")
    home = work / "home"
    env = {
        "TERM": "xterm-256color",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
    }
    for d in ("config", "data", "cache"):
        (home / d).mkdir(parents=True, exist_ok=True)
    total = f"loaded {lines:,} records"
    first, loaded = tmux_run(
        f"{sys.executable} -m logtui {log} --store {work / 'own.db'} --no-follow",
        env,
        lambda pane: record.search(pane) is not None,
        lambda pane: total in pane,
    )
    rows.append(("logtui app.log", secs(first), secs(loaded)))
    if not skip_lnav and shutil.which("lnav"):
        last = f"request {lines - 1} served"
        l_first, l_loaded = tmux_run(
            f"lnav {log}", env, lambda pane: record.search(pane) is not None, lambda pane: last in pane
        )
        rows.append(("lnav app.log", secs(l_first), secs(l_loaded)))
    elif not skip_lnav:
        rows.append(("lnav app.log", "not installed", "apt-get install lnav"))
    t0 = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "log_analyzer", "ingest", str(log), "--db", str(work / "ingest.db")],
        check=True,
        capture_output=True,
    )
    rows.append(("log-analyzer ingest (no UI)", "-", secs(time.monotonic() - t0)))
    print(f"\n1. Opening a {lines:,}-line file ({size_mb:.0f} MB), 200x50 tmux pane\n")
    table(("", "first screen", "fully loaded"), rows)
    return rows


def bench_collect(work: Path, n: int) -> None:
    import docker
    from logtui.core.collector import Collector

    client = docker.from_env(timeout=60)  # type: ignore[attr-defined]
    name = f"bench-collect-{uuid.uuid4().hex[:8]}"
    container = client.containers.run(
        "python:3.11-slim", ["python", "-c", PRINTER, str(n), "0"], name=name, detach=True
    )
    try:
        container.wait(timeout=300)
        collector = Collector(work / "collect.db", [name]).start()
        t0 = time.monotonic()
        ok = collector.wait_stored(n, 300)
        collect_s = time.monotonic() - t0
        collector.stop()
        if not ok:
            print(f"collector stored {collector.stats().lines} of {n} lines within 300 s")
    finally:
        container.remove(force=True)
    lines_file = work / "container.log"
    with lines_file.open("w") as f:
        f.writelines(
            f"2023-04-23T10:00:00.{i % 1_000_000:06d} {'ERROR' if i % 20 == 0 else 'INFO'} "
            f"[{name}] request {i} served in {i % 997} ms\n"
            for i in range(n)
        )
    t0 = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "log_analyzer", "ingest", str(lines_file), "--db", str(work / "ceiling.db")],
        check=True,
        capture_output=True,
    )
    ingest_s = time.monotonic() - t0

    # Live: 10,000 lines/s for 10 s, collected while it prints.
    live_n, rate = 100_000, 10_000
    name2 = f"bench-live-{uuid.uuid4().hex[:8]}"
    container = client.containers.run(
        "python:3.11-slim", ["python", "-c", PRINTER, str(live_n), str(rate)], name=name2, detach=True
    )
    try:
        collector = Collector(work / "live.db", [name2]).start()
        container.wait(timeout=300)
        t_exit = time.monotonic()
        ok = collector.wait_stored(live_n, 120)
        lag = time.monotonic() - t_exit
        collector.stop()
    finally:
        container.remove(force=True)
    print(f"\n2. A container's output into the store ({n:,} lines waiting in Docker's log)\n")
    table(
        ("", "seconds", "lines/s", "vs ingest"),
        [
            (
                "logtui collect (Collector)",
                f"{collect_s:.2f}",
                f"{n / collect_s:,.0f}",
                f"{ingest_s / collect_s:.2f}x",
            ),
            ("log-analyzer ingest, same lines", f"{ingest_s:.2f}", f"{n / ingest_s:,.0f}", "1.00x (ceiling)"),
        ],
    )
    state = "all stored" if ok else "NOT all stored"
    print(f"\n   live: {live_n:,} lines at {rate:,}/s: {state} {lag:.2f} s after the container's last line\n")


def secs(value: float | None) -> str:
    return "timed out" if value is None else f"{value:.2f} s"


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, tuple("-" * w for w in widths), *rows):
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--container-lines", type=int, default=200_000)
    parser.add_argument("--skip-lnav", action="store_true")
    parser.add_argument("--skip-open", action="store_true")
    parser.add_argument("--skip-collect", action="store_true")
    args = parser.parse_args(argv)
    if not shutil.which("tmux") and not args.skip_open:
        print("tmux is needed for part 1 (apt-get install tmux), or pass --skip-open", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-files-") as tmp:
        work = Path(tmp)
        os.chdir(work)
        if not args.skip_open:
            bench_open(work, args.lines, args.skip_lnav)
        if not args.skip_collect:
            bench_collect(work, args.container_lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
