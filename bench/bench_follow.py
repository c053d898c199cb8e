"""Follow mode's cost, measured on the real app (headless, App.run_test) against a real log-analyzer.

    python bench/bench_follow.py                      # the full run (about 5 minutes)
    python bench/bench_follow.py --quick              # shorter phases, fewer rates (about 1.5 minutes)
    python bench/bench_follow.py --interval 1 --rates 1000,20000

1. Idle cost: CPU time of the app process (all its threads) per wall minute while it follows a quiet target
   (nothing new arrives, so it only polls), against the same app showing the same window without following.
2. Keeping up: another process posts records to the server at a fixed rate (three records share each
   millisecond, to exercise de-duplication); the app follows. Reported per rate: the rate actually posted,
   how many records the view shows at the end (must equal the posted count: no loss, no duplicates), the rate
   at which they reached the view, and the lag between the last post and the view catching up. The baseline
   is the same poll loop (logtui.core.follow.poll_new_records, same interval and page size) without Textual,
   in its own process: the difference is what the UI costs.

Each measurement runs in its own child process (this file with --child ...), so imports, memory and threads
of one cannot colour another. The server runs in its own process too and its CPU is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.helpers import ServerProcess  # noqa: E402 (needs ROOT on sys.path, just above)

RESULT = "RESULT "
SIZE = (120, 40)
DAY = datetime(2023, 4, 23, tzinfo=UTC)
SEED_RECORDS = 1000
PER_MS = 3  # records sharing each millisecond timestamp


# --- helpers ------------------------------------------------------------------------------------------------


def wire(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.%f")


def make_records(first: int, count: int, base: datetime, tag: str = "INFO") -> list[dict[str, str]]:
    return [
        {
            "timestamp": wire(base + timedelta(milliseconds=(first + i) // PER_MS)),
            "tag": tag,
            "message": f"bench record #{first + i} from the writer process",
        }
        for i in range(count)
    ]


def start_server(workdir: Path) -> ServerProcess:
    """`log-analyzer serve` on a free loopback port over a fresh SQLite file."""
    return ServerProcess(workdir / "bench.db").start()


def run_child(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, *args], env=env, capture_output=True, text=True, check=False
    )
    for line in done.stdout.splitlines():
        if line.startswith(RESULT):
            result: dict[str, Any] = json.loads(line[len(RESULT) :])
            return result
    raise RuntimeError(f"child {args} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


# --- child: the app -----------------------------------------------------------------------------------------


async def _settle(pilot: Any) -> None:
    from textual.worker import WorkerFailed

    for _ in range(200):
        await pilot.pause()
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerFailed:
            pass
        await pilot.pause()
        if not any(w.is_running for w in pilot.app.workers):
            return


async def _app_following(config: Path, follow: bool, body: Callable[[Any, Any], Any]) -> dict[str, Any]:
    from logtui.ui.factory import AppOptions, create_app

    app = create_app(
        AppOptions(
            profile="bench", config_path=config, start="2023-04-23", now=lambda: DAY + timedelta(hours=23)
        )
    )
    async with app.run_test(size=SIZE) as pilot:
        await _settle(pilot)
        screen = app.logs_screen
        assert screen is not None
        if screen.log_view.loaded_count == 0:
            raise RuntimeError("the app shows no records; is the target up?")
        if follow:
            await pilot.press("f")
            await _settle(pilot)
            deadline = time.monotonic() + 30
            while screen.live._cursor is None and time.monotonic() < deadline:  # noqa: ASYNC110 - set by the app
                await asyncio.sleep(0.05)
            if not screen.live.active or screen.live._cursor is None:
                raise RuntimeError("follow mode did not start")
        result: dict[str, Any] = await body(app, screen)
        return result


def child_idle(config: Path, follow: bool, seconds: float) -> dict[str, Any]:
    async def measure(app: Any, screen: Any) -> dict[str, Any]:
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.sleep(seconds)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        return {"cpu_s": cpu, "wall_s": wall, "polls_note": str(screen.query_one("#live").content)}

    return asyncio.run(_app_following(config, follow, measure))


def _post_in_background(url: str, rate: int, seconds: float, first: int, base: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--child",
            "post",
            "--url",
            url,
            "--rate",
            str(rate),
            "--seconds",
            str(seconds),
            "--first",
            str(first),
            "--base",
            base,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )


def _poster_result(proc: subprocess.Popen[str]) -> dict[str, Any]:
    out, _ = proc.communicate(timeout=600)
    for line in out.splitlines():
        if line.startswith(RESULT):
            result: dict[str, Any] = json.loads(line[len(RESULT) :])
            return result
    raise RuntimeError(f"the writer failed: {out[-2000:]}")


async def _watch_until(
    count: Callable[[], int], proc: subprocess.Popen[str], expected: int, limit: float
) -> tuple[float | None, int]:
    """Sample `count()` until the writer is done and the view holds `expected` new records."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None and count() >= expected:
            return time.time(), count()
        await asyncio.sleep(0.02)
    return None, count()


def child_ingest_app(
    config: Path, url: str, rate: int, seconds: float, first: int, base: str
) -> dict[str, Any]:
    async def measure(app: Any, screen: Any) -> dict[str, Any]:
        view = screen.log_view
        before = view.loaded_count
        expected = int(rate * seconds)
        cpu0 = time.process_time()
        proc = _post_in_background(url, rate, seconds, first, base)
        caught, shown = await _watch_until(lambda: view.loaded_count - before, proc, expected, seconds + 120)
        cpu = time.process_time() - cpu0
        posted = _poster_result(proc)
        messages = {view.record_at(i).message for i in range(before, view.loaded_count)}
        return {**posted, "caught": caught, "shown": shown, "distinct": len(messages), "cpu_s": cpu}

    return asyncio.run(_app_following(config, True, measure))


def child_ingest_core(
    url: str, rate: int, seconds: float, first: int, base: str, interval: float, page_size: int
) -> dict[str, Any]:
    from logtui.core.client import LogClient
    from logtui.core.follow import FollowCursor, poll_new_records
    from logtui.core.timerange import parse_ts

    async def run() -> dict[str, Any]:
        async with LogClient(url) as client:
            # Start where the app would: after the newest record already stored.
            newest = (await client.health()).last_timestamp
            cursor = FollowCursor(newest, 0 if newest is None else 1)
            if newest is not None:
                # Count how many stored records share the newest timestamp, as the view would have shown them.
                from logtui.core.timerange import TimeWindow

                page = await client.logs(TimeWindow(newest, None), limit=10_000)
                cursor.shown_at_last = sum(1 for r in page.records if parse_ts(r.timestamp) == newest)
            expected = int(rate * seconds)
            seen: set[str] = set()
            shown = 0
            cpu0 = time.process_time()
            proc = _post_in_background(url, rate, seconds, first, base)
            caught: float | None = None
            deadline = time.monotonic() + seconds + 120
            while time.monotonic() < deadline:
                fresh = await poll_new_records(client, cursor, page_size=page_size, max_records=20_000)
                shown += len(fresh)
                seen.update(r.message for r in fresh)
                if proc.poll() is not None and shown >= expected:
                    caught = time.time()
                    break
                await asyncio.sleep(interval)
            cpu = time.process_time() - cpu0
            posted = _poster_result(proc)
            return {**posted, "caught": caught, "shown": shown, "distinct": len(seen), "cpu_s": cpu}

    return asyncio.run(run())


def child_post(url: str, rate: int, seconds: float, first: int, base: str) -> dict[str, Any]:
    """Post `rate` records/s for `seconds`, in batches every 50 ms, pacing against the wall clock."""
    import httpx

    base_ts = datetime.fromisoformat(base)
    total = int(rate * seconds)
    sent = 0
    tick = 0.05
    with httpx.Client(timeout=60) as http:
        start = time.time()
        t0 = time.perf_counter()
        while sent < total:
            due = min(total, int(rate * (time.perf_counter() - t0 + tick)))
            if due > sent:
                batch = make_records(first + sent, due - sent, base_ts)
                http.post(f"{url}/logs", json={"logs": batch}).raise_for_status()
                sent = due
            wait = t0 + (sent / rate) - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
        end = time.time()
    return {"posted": sent, "start": start, "end": end}


# --- the parent ---------------------------------------------------------------------------------------------


def keeps_up(r: dict[str, Any], interval: float) -> str:
    """Yes when the view ends within two poll cycles (plus a second for the poll itself) of the writer."""
    if r["caught"] is None or r["shown"] != r["posted"]:
        return "no"
    return "yes" if r["caught"] - r["end"] <= 2 * interval + 1.0 else "falls behind"


def per_minute(cpu_s: float, wall_s: float) -> float:
    return cpu_s / wall_s * 60.0


def table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="shorter phases and fewer rates")
    parser.add_argument(
        "--idle-seconds", type=float, default=None, help="wall time per idle measurement (30)"
    )
    parser.add_argument("--repeat", type=int, default=None, help="idle measurements per case, median (2)")
    parser.add_argument("--rates", default=None, help="writer rates, records/s (200,1000,5000,10000,20000)")
    parser.add_argument("--write-seconds", type=float, default=None, help="how long the writer writes (10)")
    parser.add_argument(
        "--interval", type=float, default=2.0, help="follow_interval, seconds (2, the default)"
    )
    parser.add_argument("--page-size", type=int, default=1000, help="page_size (1000, the default)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    parser.add_argument("--follow", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=10.0, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--rate", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        children: dict[str, Callable[[], dict[str, Any]]] = {
            "idle": lambda: child_idle(Path(args.config), bool(args.follow), args.seconds),
            "ingest-app": lambda: child_ingest_app(
                Path(args.config), args.url, args.rate, args.seconds, args.first, args.base
            ),
            "ingest-core": lambda: child_ingest_core(
                args.url, args.rate, args.seconds, args.first, args.base, args.interval, args.page_size
            ),
            "post": lambda: child_post(args.url, args.rate, args.seconds, args.first, args.base),
        }
        print(RESULT + json.dumps(children[args.child]()), flush=True)
        return 0

    idle_seconds = args.idle_seconds or (10.0 if args.quick else 30.0)
    repeat = args.repeat or (1 if args.quick else 2)
    rates = [
        int(r)
        for r in (args.rates or ("1000,10000" if args.quick else "200,1000,5000,10000,20000")).split(",")
    ]
    write_seconds = args.write_seconds or (5.0 if args.quick else 10.0)

    from logtui.core.config import Config, Target, TargetKind, save_config

    with tempfile.TemporaryDirectory(prefix="logtui-bench-follow-") as tmp:
        work = Path(tmp)
        env = dict(os.environ)
        for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
            (work / var).mkdir()
            env[var] = str(work / var)
        server = start_server(work)
        try:
            server.post(make_records(0, SEED_RECORDS, DAY + timedelta(hours=1)))
            config = work / "config.toml"
            save_config(
                Config(
                    targets=[Target("bench", server.url, TargetKind.HTTP)],
                    follow_interval=args.interval,
                    page_size=args.page_size,
                ),
                config,
            )
            print(
                f"logtui follow-mode benchmark: follow_interval {args.interval:g} s, "
                f"page_size {args.page_size}, headless app {SIZE[0]}x{SIZE[1]}, "
                f"server with {SEED_RECORDS:,} records at start",
                flush=True,
            )

            # 1. idle
            idle: dict[bool, list[float]] = {False: [], True: []}
            for _ in range(repeat):
                for follow in (False, True):
                    r = run_child(
                        [
                            "--child",
                            "idle",
                            "--config",
                            str(config),
                            "--follow",
                            str(int(follow)),
                            "--seconds",
                            str(idle_seconds),
                        ],
                        env,
                    )
                    idle[follow].append(per_minute(r["cpu_s"], r["wall_s"]))
            base_idle = statistics.median(idle[False])
            follow_idle = statistics.median(idle[True])
            print(
                f"\n1. Idle: CPU of the app process per wall minute, {idle_seconds:g} s each, "
                f"median of {repeat}"
            )
            print(
                table(
                    [
                        ("case", "CPU s / wall min", "CPU %", "ratio"),
                        (
                            "app showing the window, not following",
                            f"{base_idle:.2f}",
                            f"{base_idle / 60 * 100:.2f}",
                            "1.00",
                        ),
                        (
                            "app following a quiet target",
                            f"{follow_idle:.2f}",
                            f"{follow_idle / 60 * 100:.2f}",
                            f"{follow_idle / base_idle:.2f}" if base_idle else "n/a",
                        ),
                    ]
                )
            )

            # 2. keeping up
            rows: list[tuple[str, ...]] = [
                (
                    "writer rec/s",
                    "who follows",
                    "posted rec/s",
                    "posted",
                    "shown",
                    "dupes/lost",
                    "view rec/s incl. catch-up",
                    "lag after last post",
                    "keeps up",
                    "CPU s / wall min",
                )
            ]
            first = SEED_RECORDS
            hour = 2
            for rate in rates:
                for who in ("core", "app"):
                    base = (DAY + timedelta(hours=hour)).isoformat()
                    hour += 1
                    common = [
                        "--url",
                        server.url,
                        "--rate",
                        str(rate),
                        "--seconds",
                        str(write_seconds),
                        "--first",
                        str(first),
                        "--base",
                        base,
                        "--interval",
                        str(args.interval),
                        "--page-size",
                        str(args.page_size),
                    ]
                    if who == "app":
                        r = run_child(["--child", "ingest-app", "--config", str(config), *common], env)
                    else:
                        r = run_child(["--child", "ingest-core", *common], env)
                    first += r["posted"]
                    wall = (r["caught"] or time.time()) - r["start"]
                    posted_rate = r["posted"] / max(r["end"] - r["start"], 1e-9)
                    bad = r["posted"] - r["distinct"] + (r["shown"] - r["distinct"])
                    rows.append(
                        (
                            f"{rate:,}",
                            "core poll loop" if who == "core" else "logtui app",
                            f"{posted_rate:,.0f}",
                            f"{r['posted']:,}",
                            f"{r['shown']:,}",
                            f"{bad}",
                            f"{r['shown'] / wall:,.0f}",
                            "did not catch up" if r["caught"] is None else f"{r['caught'] - r['end']:.2f} s",
                            keeps_up(r, args.interval),
                            f"{per_minute(r['cpu_s'], wall):.1f}",
                        )
                    )
            print(
                f"\n2. Keeping up with a writer ({write_seconds:g} s of posting per row; "
                "baseline: the same poll loop without Textual)"
            )
            print(table(rows))
            print(
                "\nlag after last post: from the writer's last POST to the view holding every record; "
                f"at most about one follow_interval ({args.interval:g} s) plus a poll when it keeps up."
            )
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
