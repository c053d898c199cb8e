"""Export a window (with its filters) to CSV or JSON Lines, page by page through `next_cursor`.

All or nothing: records go to a hidden temp file next to the destination, which replaces the destination
only once every page is written. Cancelling (the UI cancels the worker: asyncio.CancelledError) or any failure
removes the temp file and leaves the destination as it was.
"""

from __future__ import annotations

import csv
import os
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Literal, get_args

import orjson
from log_analyzer.record import RECORD_FIELDS, LogRecord

from logtui.core.client import LogClient
from logtui.core.errors import ExportFailed, NotSupported
from logtui.core.timerange import TimeWindow

__all__ = ["ExportFormat", "ProgressCallback", "default_export_name", "export_window"]

ExportFormat = Literal["csv", "jsonl"]
#: (records written so far, records in the window or None when the target cannot count them)
ProgressCallback = Callable[[int, "int | None"], None]
FORMATS: tuple[str, ...] = get_args(ExportFormat)


def default_export_name(window: TimeWindow, fmt: ExportFormat, *, now: datetime | None = None) -> str:
    """A file name describing the window, e.g. logs_20230423T100000_20230423T102200.csv."""

    def stamp(dt: datetime) -> str:
        # The year by hand: glibc's strftime("%Y") writes year 1 as "1".
        return f"{dt.year:04d}{dt:%m%dT%H%M%S}"

    def part(dt: datetime | None, fallback: str) -> str:
        return stamp(dt) if dt is not None else fallback

    end_fallback = stamp(now) if now is not None else "latest"
    return f"logs_{part(window.start, 'beginning')}_{part(window.end, end_fallback)}.{fmt}"


class _TempWriter:
    """The temp file and its format; blocking file I/O kept out of the async function."""

    def __init__(self, dest: Path, fmt: ExportFormat) -> None:
        self.dest = dest
        self.fmt = fmt
        self.tmp = dest.parent / f".{dest.name}.{secrets.token_hex(4)}.part"
        # "x": never clobber anything, even a file that happens to have the temp name.
        self.fh: IO[str] = open(self.tmp, "x", encoding="utf-8", newline="")
        self.csv = csv.writer(self.fh) if fmt == "csv" else None
        if self.csv is not None:
            self.csv.writerow(RECORD_FIELDS)

    def write(self, records: Sequence[LogRecord]) -> None:
        if self.csv is not None:
            self.csv.writerows((r.timestamp, r.tag, r.message) for r in records)
        else:
            self.fh.write("".join(orjson.dumps(r.to_json()).decode() + "\n" for r in records))

    def commit(self) -> None:
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        os.replace(self.tmp, self.dest)

    def discard(self) -> None:
        self.fh.close()
        self.tmp.unlink(missing_ok=True)


def _check_dest(dest: Path, fmt: str) -> Path:
    dest = Path(dest).expanduser()
    if fmt not in FORMATS:
        raise ExportFailed(f"{fmt!r} is not an export format", f"Use one of: {', '.join(FORMATS)}.")
    if dest.is_dir():
        raise ExportFailed(f"{dest} is a folder", "Give a file name inside it.")
    if not dest.parent.is_dir():
        raise ExportFailed(f"The folder {dest.parent} does not exist", "Create it, or pick another place.")
    return dest


async def export_window(
    client: LogClient,
    window: TimeWindow,
    *,
    tags: Sequence[str] = (),
    q: str | None = None,
    dest: Path,
    fmt: ExportFormat = "csv",
    on_progress: ProgressCallback | None = None,
    page_size: int = 1000,
    total: int | None = None,
) -> int:
    """Write every record of `window` matching `tags`/`q` to `dest`; returns how many were written.

    `total` (for progress) is asked from /stats when not given; a target without /stats reports None.
    API failures propagate as the client's typed errors; file failures as ExportFailed. Either way, and on
    cancellation, `dest` is untouched and no temp file remains.
    """
    dest = _check_dest(dest, fmt)
    if total is None:
        try:
            total = (await client.stats(window, buckets=1, tags=tags, q=q)).total
        except NotSupported:
            total = None
    try:
        writer = _TempWriter(dest, fmt)
    except OSError as exc:
        raise ExportFailed(
            f"Cannot write in {dest.parent}: {exc.strerror or exc}", "Pick another folder."
        ) from None
    written = 0
    try:
        if on_progress is not None:
            on_progress(0, total)
        async for page in client.iter_pages(window, tags=tags, q=q, limit=page_size):
            writer.write(page.records)
            written += len(page.records)
            if on_progress is not None:
                on_progress(written, total)
        writer.commit()
    except OSError as exc:
        writer.discard()
        raise ExportFailed(
            f"Writing {dest} failed: {exc.strerror or exc}", "Check free space and permissions."
        ) from None
    except BaseException:
        writer.discard()
        raise
    return written
