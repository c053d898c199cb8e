"""What the logs screen is asking for (window, tags, text) and the window arithmetic around it. No Textual."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from log_analyzer.record import LogRecord

from logtui.core.client import Bucket, Stats
from logtui.core.display_zone import UTC_ZONE, DisplayZone
from logtui.core.timerange import TimeWindow, parse_ts, parse_window, preset_window

#: The window a bare `logtui` opens on, before it knows anything about the data.
DEFAULT_PRESET = "1h"
#: Preset keys in the order of the number keys 1..6.
PRESET_KEYS = ("15m", "1h", "6h", "24h", "7d", "all")
#: How wide "jump to the data" looks when the current window is open-ended.
FALLBACK_JUMP_WIDTH = timedelta(hours=24)


@dataclass(frozen=True)
class LogQuery:
    window: TimeWindow
    tags: tuple[str, ...] = ()
    text: str = ""
    #: The preset the window came from, for the range bar's label; None once the user typed or stepped.
    preset: str | None = None
    #: The window's end is left out (a window reached with [ or ]): both ends are inclusive on the wire, and
    #: a record on the boundary between two stepped windows must show in one of them, not both.
    end_excluded: bool = False

    @property
    def q(self) -> str | None:
        return self.text or None

    @property
    def request_window(self) -> TimeWindow:
        """The window to ask the target for: `window`, or its end moved back 1 µs (the store's resolution)."""
        window = self.window
        if self.end_excluded and window.start is not None and window.end is not None and window.width:
            return TimeWindow(window.start, window.end - timedelta(microseconds=1))
        return window

    def with_window(
        self, window: TimeWindow, preset: str | None = None, *, end_excluded: bool = False
    ) -> LogQuery:
        return replace(self, window=window, preset=preset, end_excluded=end_excluded)

    def label(self, zone: DisplayZone = UTC_ZONE) -> str:
        return self.window.label(zone) + (" (end excluded)" if self.end_excluded else "")


def as_datetime(value: datetime | str | None) -> datetime | None:
    """Core answers may carry timestamps as wire strings or datetimes; the UI wants UTC-aware datetimes."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return parse_ts(value.isoformat())
    return parse_ts(value)


def jump_window(first: datetime, last: datetime, width: timedelta | None) -> TimeWindow:
    """A window of `width` ending at the store's last record, not starting before its first.

    Ending exactly at the last record (both ends are inclusive) shows it, and a small store such as the
    course's 22 records on one morning fits whole: 10:00:00 → 10:22:00.
    """
    span = width if width else FALLBACK_JUMP_WIDTH
    # Whole seconds (down at the start, up at the end) so the inputs show values people can copy.
    end = last.replace(microsecond=0) + timedelta(seconds=1) if last.microsecond else last
    start = max(first, last - span).replace(microsecond=0)
    return TimeWindow(start, end)


def window_misses_data(window: TimeWindow, first: datetime | None, last: datetime | None) -> bool:
    """True when the whole store lies outside `window` (so a launch on the default window would be blank)."""
    if first is None or last is None:
        return False
    return (window.start is not None and last < window.start) or (
        window.end is not None and first > window.end
    )


def initial_window(
    start: str | None, end: str | None, now: datetime, *, zone: DisplayZone = UTC_ZONE
) -> tuple[TimeWindow, str | None]:
    """The launch window: --start/--end when given (already validated by the CLI; read in the display zone,
    like the inputs), else the default preset."""
    if start or end:
        return parse_window(start, end, now=now, zone=zone), None
    return preset_window(DEFAULT_PRESET, now), DEFAULT_PRESET


def stats_from_records(records: Sequence[LogRecord], window: TimeWindow, buckets: int) -> Stats | None:
    """The histogram of a window whose records are all loaded (the course's original service sends the whole
    window at once and has no /stats): counted here, so the histogram and its zoom work there too.

    None when a timestamp is not ISO (nothing to place on a time axis)."""
    try:
        times = [parse_ts(r.timestamp) for r in records]
    except ValueError:
        return None
    tags = Counter(r.tag for r in records)
    start = window.start or (min(times) if times else None)
    end = window.end or (max(times) if times else None)
    if start is None or end is None or not times:
        return Stats(0, {}, 0.0, (), None, None, window=window, counted_here=True)
    span = max(end - start, timedelta(seconds=1))
    count = max(1, min(buckets, 500))
    width = span / count
    counts: list[Counter[str]] = [Counter() for _ in range(count)]
    for when, record in zip(times, records, strict=True):
        index = min(count - 1, max(0, int((when - start) / width)))
        counts[index][record.tag] += 1
    return Stats(
        total=len(records),
        tags=dict(tags),
        bucket_seconds=width.total_seconds(),
        # The last bucket ends exactly at the window's end (width is rounded to whole microseconds).
        buckets=tuple(
            Bucket(start + width * i, end if i == count - 1 else start + width * (i + 1), dict(c))
            for i, c in enumerate(counts)
        ),
        first_timestamp=min(times),
        last_timestamp=max(times),
        window=TimeWindow(start, end),
        counted_here=True,
    )
