"""What the logs screen is asking for (window, tags, text) and the window arithmetic around it. No Textual."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from logtui.core.display_zone import UTC_ZONE, DisplayZone
from logtui.core.timerange import TimeWindow, parse_ts, preset_window

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

    @property
    def q(self) -> str | None:
        return self.text or None

    def with_window(self, window: TimeWindow, preset: str | None = None) -> LogQuery:
        return replace(self, window=window, preset=preset)


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
    from logtui.core.timerange import parse_window

    if start or end:
        return parse_window(start, end, now=now, zone=zone), None
    return preset_window(DEFAULT_PRESET, now), DEFAULT_PRESET
