"""`logtui collect NAME…`: keep running containers' stdout/stderr in your own store until stopped.

Ctrl-C or SIGTERM stores what is queued and exits; a SIGKILL loses nothing either (each batch commits with
its checkpoint): run the same command again and it carries on where the store says it stopped.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from logtui.core.collector import Collector, CollectStats
from logtui.core.errors import LogtuiError
from logtui.core.local_store import default_store_path

EPILOG = """\
Each line becomes a record: the container's timestamp for it, a tag from the line (a level word, a JSON or
logfmt level) or else from the stream (stderr: ERROR, stdout: INFO), and the message "[NAME] line". Find one
container's lines with the text filter: [NAME]. Open the store with: logtui --store PATH.
Stop with Ctrl-C; run it again later and it carries on where it stopped (nothing lost, nothing twice).
default store: {store}
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="logtui collect",
        description="Keep containers' output (stdout and stderr) in your own log store.",
        epilog=EPILOG.format(store=default_store_path()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("names", nargs="+", metavar="NAME", help="container names (or IDs)")
    parser.add_argument("--store", metavar="PATH", type=Path, help="the SQLite store (default below)")
    parser.add_argument(
        "--every", metavar="SECONDS", type=float, default=2.0, help="progress line interval (0: none)"
    )
    return parser


def line(stats: CollectStats) -> str:
    per = " · ".join(f"{name} {n:,}" for name, n in stats.per_container.items())
    text = f"collected {stats.lines:,} lines ({per}) · {stats.lines_per_second:,.0f} lines/s"
    if stats.waiting:
        text += f" · waiting for {', '.join(stats.waiting)} to run"
    return text


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    store = args.store or default_store_path()
    if store.is_dir():
        print(f"logtui collect: error: --store {store}: is a directory; give a file path", file=sys.stderr)
        return 2
    done = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        collector = Collector(store, args.names).start()
    except LogtuiError as exc:
        hint = f"; {exc.hint}" if exc.hint else ""
        print(f"logtui collect: error: {exc.title}{hint}", file=sys.stderr)
        return 2
    print(f"logtui collect: collecting {', '.join(args.names)} into {store} (Ctrl-C stops)", file=sys.stderr)
    every = args.every if args.every > 0 else 3600.0
    while not done.wait(every):
        stats = collector.stats()
        if stats.error:
            break
        if args.every > 0:
            print(f"logtui collect: {line(stats)}", file=sys.stderr, flush=True)
    collector.stop()
    stats = collector.stats()
    if stats.error:
        print(f"logtui collect: error: {stats.error}", file=sys.stderr)
        return 1
    print(f"logtui collect: stopped; {line(stats)}", file=sys.stderr)
    return 0
