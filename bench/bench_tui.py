"""Benchmark of the log view widgets, headless (App.run_test), printing one table with ratios.

    python bench/bench_tui.py                   # 100,000-record first page, 1,000,000-record window
    python bench/bench_tui.py --records 10000   # scaled down (window = 10 x records unless --window)
    python bench/bench_tui.py --zone Europe/Paris   # the log view drawing times in a display zone

Measures, each against a baseline in the same run:
  1. first paint: time from having a page of N records in memory to the first painted frame showing it,
     LogView.append_page vs Textual's DataTable.add_rows (goal: at least 30x faster);
  2. resident memory of the whole process after scrolling through a window of M records, loaded in pages of
     10,000 as LogView.MoreWanted fires, vs the same records merely kept as LogRecord objects
     (goal: under 250 MB);
  3. time per PageDown, to the next frame (wall) and in CPU, LogView with M rows vs DataTable with N rows;
  4. time from launch (process spawn) to the first frame of a widget app vs a bare Textual app.

Each part runs in its own child process so one part's memory or imports cannot colour another's figures.
The first page comes from a real log-analyzer (seeded with `log-analyzer seed --demo N`, fetched through
logtui's LogClient) unless `--source generated`; the big window is generated page by page, as a client would
parse it, so the benchmark does not need a million-row server.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SIZE = (160, 50)
RESULT = "RESULT "


# --- records ---

_TEMPLATES = (
    "GET /api/orders/{n} 200 in {ms} ms",
    "user u{u} logged in from 10.0.{a}.{b}",
    "payment {n} failed: card declined (code {c}), retrying in {ms} ms",
    "cache miss for key session:u{u}:{n}",
    "worker-{a} processed batch {n} with {ms} items",
    '{{"event": "checkout", "order": {n}, "user": "u{u}", "total": {ms}.50, "items": [{a}, {b}]}}',
    "slow query on orders (table scan) took {ms} ms for customer {u}",
)
_TAGS = ("INFO",) * 14 + ("DEBUG",) * 3 + ("WARNING",) * 2 + ("ERROR",)


def generated_pages(total: int, page: int, seed: int = 1) -> Iterator[list[Any]]:
    """Realistic records in pages, made on demand like a client parsing responses (nothing kept)."""
    from log_analyzer.record import LogRecord

    rng = random.Random(seed)
    for first in range(0, total, page):
        batch = []
        for i in range(first, min(total, first + page)):
            seconds = i * 0.6
            hh, rem = divmod(int(seconds), 3600)
            mm, ss = divmod(rem, 60)
            micros = int(seconds * 1e6) % 1_000_000
            ts = f"2023-04-{23 + hh // 24:02d}T{hh % 24:02d}:{mm:02d}:{ss:02d}.{micros:06d}"
            message = _TEMPLATES[rng.randrange(len(_TEMPLATES))].format(
                n=i,
                ms=rng.randrange(1, 5000),
                u=rng.randrange(10_000),
                a=rng.randrange(256),
                b=rng.randrange(256),
                c=rng.randrange(100),
            )
            batch.append(LogRecord(ts, _TAGS[rng.randrange(len(_TAGS))], message))
        yield batch


def fetch_from_server(count: int, page: int) -> tuple[list[Any], str]:
    """Seed a real log-analyzer with `count` demo records and fetch them all through LogClient."""
    from logtui.core.client import LogClient
    from logtui.core.timerange import TimeWindow
    from tests.helpers import ServerProcess

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        subprocess.run(
            [sys.executable, "-m", "log_analyzer.cli", "seed", "--demo", str(count), "--db", str(db)],
            check=True,
            capture_output=True,
        )
        server = ServerProcess(db).start()
        try:

            async def fetch() -> list[Any]:
                records: list[Any] = []
                async with LogClient(server.url, timeout=60) as client:
                    async for p in client.iter_pages(TimeWindow(None, None), limit=page):
                        records.extend(p.records)
                return records

            started = time.perf_counter()
            records = asyncio.run(fetch())
            elapsed = time.perf_counter() - started
        finally:
            server.stop()
    return records, f"real log-analyzer ({len(records):,} records fetched in {elapsed:.1f} s)"


# --- a frame clock for headless apps ---


def frame_clock_app(base: type) -> type:
    """An App subclass that notes every frame and renders it to terminal bytes as a real terminal would."""

    class Clocked(base):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.frames: list[tuple[float, str]] = []
            self.frame_event = asyncio.Event()

        def _display(self, screen: Any, renderable: Any) -> None:
            super()._display(screen, renderable)
            render = getattr(renderable, "render_segments", None)
            if render is None:
                return
            # Headless drivers skip this step; do it so the cost of producing the output is counted.
            output = render(self.console)
            self.frames.append((time.perf_counter(), output))
            self.frame_event.set()

        async def frame_showing(self, marker: str, since: int, patience: float = 600.0) -> float:
            """Wait for a frame (after the `since`-th) whose output contains `marker`; its time."""
            deadline = time.perf_counter() + patience
            checked = since
            while time.perf_counter() < deadline:
                for at, output in self.frames[checked:]:
                    if marker in output:
                        return at
                checked = len(self.frames)
                self.frame_event.clear()
                try:
                    await asyncio.wait_for(self.frame_event.wait(), timeout=1.0)
                except TimeoutError:
                    self.refresh()
            raise TimeoutError(f"no frame showed {marker!r}")

    return Clocked


# --- phases (each in its own process) ---


def phase_launch(kind: str) -> dict[str, Any]:
    """Run until the first frame and report the system-wide monotonic clock at that moment."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    if kind == "bare":

        class Bare(App[None]):
            def compose(self) -> ComposeResult:
                yield Static("hello")

        base: type = Bare
    else:
        from logtui.ui.widgets.histogram import Histogram
        from logtui.ui.widgets.log_view import LogView

        class Widgets(App[None]):
            def compose(self) -> ComposeResult:
                yield Histogram()
                yield LogView()

            def on_mount(self) -> None:
                view = self.query_one(LogView)
                view.append_page(next(generated_pages(1000, 1000)), has_more=True, generation=view.reset())
                self.query_one(Histogram).show_loading()

        base = Widgets
    app = frame_clock_app(base)()

    async def run() -> float:
        async with app.run_test(size=SIZE) as pilot:
            while not app.frames:
                await app.frame_event.wait()
            first = app.frames[0][0]
            await pilot.pause()
            return first

    first_perf = asyncio.run(run())
    # Convert the perf_counter stamp to CLOCK_MONOTONIC, which the parent shares.
    return {"frame_monotonic": time.monotonic() - (time.perf_counter() - first_perf)}


def phase_first_paint(records_n: int, page: int, source: str, repeat: int, zone_name: str) -> dict[str, Any]:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    from logtui.core.display_zone import DisplayZone
    from logtui.ui.widgets.log_view import LogView

    zone = DisplayZone.from_setting(zone_name)

    note = "generated records"
    records: list[Any] = []
    if source == "server":
        try:
            records, note = fetch_from_server(records_n, page)
        except Exception as exc:  # the benchmark still runs without a server; the table says so
            note = f"generated records (server unavailable: {type(exc).__name__}: {exc})"
    if not records:
        records = next(generated_pages(records_n, records_n))
    marker = records[0].timestamp

    class ViewApp(App[None]):
        def compose(self) -> ComposeResult:
            yield LogView()

        def on_mount(self) -> None:
            self.query_one(LogView).set_zone(zone)

    class TableApp(App[None]):
        def compose(self) -> ComposeResult:
            table: DataTable[str] = DataTable(cursor_type="row")
            table.add_columns("time", "tag", "message")
            yield table

    async def time_view() -> float:
        app = frame_clock_app(ViewApp)()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            view = app.query_one(LogView)
            since = len(app.frames)
            started = time.perf_counter()
            view.append_page(records, has_more=False, generation=view.reset())
            shown = await app.frame_showing(zone.format_wire(marker), since)
            return shown - started

    async def time_table() -> tuple[float, dict[str, float]]:
        app = frame_clock_app(TableApp)()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            table = app.query_one(DataTable)
            since = len(app.frames)
            started = time.perf_counter()
            table.add_rows((r.timestamp, r.tag, r.message) for r in records)
            shown = await app.frame_showing(marker, since)
            table.focus()
            await pilot.pause()
            pagedown = await time_pagedowns(app, pilot, 30)
            return shown - started, pagedown

    view_times = [asyncio.run(time_view()) for _ in range(repeat)]
    table_runs = [asyncio.run(time_table()) for _ in range(max(1, repeat - 1))]
    return {
        "source": note,
        "records": len(records),
        "logview_s": statistics.median(view_times),
        "datatable_s": statistics.median(t for t, _ in table_runs),
        "datatable_pagedown": table_runs[0][1],
    }


async def time_pagedowns(app: Any, pilot: Any, count: int) -> dict[str, float]:
    """Median wall time from a PageDown key to the next frame, and median CPU spent on it."""
    walls, cpus = [], []
    for _ in range(count):
        since = len(app.frames)
        wall, cpu = time.perf_counter(), time.process_time()
        await pilot.press("pagedown")
        while len(app.frames) <= since:
            app.frame_event.clear()
            # A key that changes nothing paints nothing; don't wait forever for it.
            await asyncio.wait_for(app.frame_event.wait(), timeout=10)
        walls.append(app.frames[since][0] - wall)
        cpus.append(time.process_time() - cpu)
    return {"wall_s": statistics.median(walls), "cpu_s": statistics.median(cpus)}


def rss_mb() -> tuple[float, float]:
    """(VmRSS, VmHWM) of this process in MB, from /proc (Linux)."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def phase_memory(window: int, page: int, zone_name: str) -> dict[str, Any]:
    from textual import on
    from textual.app import App, ComposeResult

    from logtui.core.display_zone import DisplayZone
    from logtui.ui.widgets.log_view import LogView

    pages = generated_pages(window, page)

    class ScrollApp(App[None]):
        def __init__(self) -> None:
            super().__init__()
            self.requests = 0

        def compose(self) -> ComposeResult:
            yield LogView()

        @on(LogView.MoreWanted)
        def more(self, message: LogView.MoreWanted) -> None:
            self.requests += 1
            view = self.query_one(LogView)
            batch = next(pages, [])
            view.append_page(
                batch, has_more=view.loaded_count + len(batch) < window, generation=message.generation
            )

    app = frame_clock_app(ScrollApp)()

    async def run() -> dict[str, Any]:
        async with app.run_test(size=SIZE) as pilot:
            view = app.query_one(LogView)
            view.set_zone(DisplayZone.from_setting(zone_name))
            view.focus()
            await pilot.pause()
            empty_rss, _ = rss_mb()
            view.append_page(next(pages), has_more=True, generation=view.reset())
            started = time.perf_counter()
            while view.has_more or view.selected_index != view.loaded_count - 1:
                await pilot.press("end")
                await pilot.pause()
            to_bottom = time.perf_counter() - started
            # PageDown through the middle and the start as well, so rows everywhere get rendered.
            view.move_cursor(view.loaded_count // 2)
            await pilot.pause()
            middle = await time_pagedowns(app, pilot, 60)
            await pilot.press("home")
            start = await time_pagedowns(app, pilot, 60)
            gc.collect()
            rss, peak = rss_mb()
            return {
                "window": view.loaded_count,
                "requests": app.requests,
                "to_bottom_s": to_bottom,
                "rss_empty_mb": empty_rss,
                "rss_mb": rss,
                "peak_mb": peak,
                "store_mb": view.store.nbytes() / 2**20,
                "pagedown": {
                    "wall_s": statistics.median([middle["wall_s"], start["wall_s"]]),
                    "cpu_s": statistics.median([middle["cpu_s"], start["cpu_s"]]),
                },
            }

    return asyncio.run(run())


def phase_naive(window: int, page: int) -> dict[str, Any]:
    """Baseline: the same records merely kept as LogRecord objects in a list, with no UI at all."""
    import textual.app  # noqa: F401  (the same imports as the widget process, for a fair base)

    kept: list[Any] = []
    for batch in generated_pages(window, page):
        kept.extend(batch)
    gc.collect()
    rss, peak = rss_mb()
    return {"window": len(kept), "rss_mb": rss, "peak_mb": peak}


# --- the parent: run the phases, print the table ---


def run_child(args: list[str]) -> tuple[dict[str, Any], float]:
    """Run this script with `--phase ...`; its RESULT line, and the monotonic time it was spawned at."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    spawned = time.monotonic()
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args], capture_output=True, text=True, env=env
    )
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT):
            return json.loads(line[len(RESULT) :]), spawned
    raise RuntimeError(f"phase {args} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--records", type=int, default=100_000, help="size of the first page (default 100,000)"
    )
    parser.add_argument(
        "--window", type=int, default=None, help="rows to scroll through (default 10 x records)"
    )
    parser.add_argument("--page", type=int, default=10_000, help="page size while scrolling")
    parser.add_argument("--source", choices=("server", "generated"), default="server")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing, median reported")
    parser.add_argument(
        "--zone", default="UTC", help='display zone of the log view: "UTC" (default), "local" or an IANA name'
    )
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--kind", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    window = args.window or 10 * args.records

    if args.phase:
        phases: dict[str, Callable[[], dict[str, Any]]] = {
            "launch": lambda: phase_launch(args.kind),
            "first-paint": lambda: phase_first_paint(
                args.records, args.page, args.source, args.repeat, args.zone
            ),
            "memory": lambda: phase_memory(window, args.page, args.zone),
            "naive": lambda: phase_naive(window, args.page),
        }
        print(RESULT + json.dumps(phases[args.phase]()), flush=True)
        return 0

    common = [
        *("--records", str(args.records), "--window", str(window), "--page", str(args.page)),
        *("--zone", args.zone),
    ]
    print(
        f"logtui TUI benchmark: first page {args.records:,} records, window {window:,}, "
        f"pages of {args.page:,}, terminal {SIZE[0]}x{SIZE[1]}, headless, median of {args.repeat}, "
        f"times in {args.zone}",
        flush=True,
    )

    launch: dict[str, list[float]] = {"bare": [], "widgets": []}
    for _ in range(args.repeat):
        for kind in ("bare", "widgets"):
            result, spawned = run_child(["--phase", "launch", "--kind", kind])
            launch[kind].append(result["frame_monotonic"] - spawned)
    paint, _ = run_child(
        ["--phase", "first-paint", "--source", args.source, "--repeat", str(args.repeat), *common]
    )
    memory, _ = run_child(["--phase", "memory", *common])
    naive, _ = run_child(["--phase", "naive", *common])

    n = paint["records"]
    rows = [
        ("measure", "logtui widgets", "baseline", "ratio", "goal"),
        (
            f"first paint of a {n:,}-record page",
            f"{ms(paint['logview_s'])} (LogView)",
            f"{ms(paint['datatable_s'])} (DataTable.add_rows)",
            f"{paint['datatable_s'] / paint['logview_s']:,.0f}x faster",
            ">= 30x faster",
        ),
        (
            f"RSS after scrolling {memory['window']:,} rows",
            f"{memory['rss_mb']:,.0f} MB (peak {memory['peak_mb']:,.0f})",
            f"{naive['rss_mb']:,.0f} MB (same rows as LogRecord list, no UI)",
            f"{naive['rss_mb'] / memory['rss_mb']:.1f}x smaller",
            "< 250 MB",
        ),
        (
            "PageDown, key to next frame (wall)",
            f"{ms(memory['pagedown']['wall_s'])} ({memory['window']:,} rows)",
            f"{ms(paint['datatable_pagedown']['wall_s'])} (DataTable, {n:,} rows)",
            f"{paint['datatable_pagedown']['wall_s'] / memory['pagedown']['wall_s']:.1f}x",
            "one frame",
        ),
        (
            "PageDown, CPU per key",
            ms(memory["pagedown"]["cpu_s"]),
            ms(paint["datatable_pagedown"]["cpu_s"]),
            f"{paint['datatable_pagedown']['cpu_s'] / max(memory['pagedown']['cpu_s'], 1e-6):.1f}x",
            "",
        ),
        (
            "launch to first frame",
            f"{ms(statistics.median(launch['widgets']))} (LogView + Histogram)",
            f"{ms(statistics.median(launch['bare']))} (bare Textual app)",
            f"{statistics.median(launch['widgets']) / statistics.median(launch['bare']):.2f}x the bare app",
            "",
        ),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for i, row in enumerate(rows):
        print("| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |")
        if i == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    print(f"\nfirst page source: {paint['source']}")
    print(
        f"scrolling: {memory['requests']} MoreWanted requests, "
        f"bottom reached in {memory['to_bottom_s']:.1f} s; "
        f"RSS with the empty view {memory['rss_empty_mb']:.0f} MB; packed rows {memory['store_mb']:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
