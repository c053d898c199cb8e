"""Time windows: what the user types into start/end, the presets, stepping, and the wire format.

The service stores and renders UTC without an offset, and windows are kept and sent in UTC. A time typed
without an offset (and a date, "today", "yesterday") is read in the display zone the user sees — UTC unless
display_tz or the zone key says otherwise — so what is typed matches what the list shows; the zone is always
named next to the inputs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from logtui.core.display_zone import UTC_ZONE, DisplayZone
from logtui.core.errors import TimeParseError

__all__ = [
    "EARLIEST",
    "LATEST",
    "PRESETS",
    "TimeParseError",
    "TimeWindow",
    "format_ts",
    "parse_time",
    "parse_ts",
    "parse_window",
    "preset_window",
]

_UNITS: dict[str, timedelta] = {}
for _names, _delta in (
    (("s", "sec", "secs", "second", "seconds"), timedelta(seconds=1)),
    (("m", "min", "mins", "minute", "minutes"), timedelta(minutes=1)),
    (("h", "hr", "hrs", "hour", "hours"), timedelta(hours=1)),
    (("d", "day", "days"), timedelta(days=1)),
    (("w", "week", "weeks"), timedelta(weeks=1)),
):
    for _n in _names:
        _UNITS[_n] = _delta

# "now", "now-15m", "now + 1h30m", "-2h", "15m", "+1d"
_RELATIVE = re.compile(r"(?P<now>now)?\s*(?P<sign>[+-])?\s*(?P<amount>(?:\d+\s*[a-z]+\s*)+)")
_AMOUNT_PART = re.compile(r"(\d+)\s*([a-z]+)")
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")

#: Preset widths ending at "now"; None = everything the store holds.
PRESETS: dict[str, timedelta | None] = {
    "15m": timedelta(minutes=15),
    "1h": timedelta(hours=1),
    "6h": timedelta(hours=6),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "all": None,
}


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _day_bound(text: str, day: date, zone: DisplayZone, *, end: bool) -> datetime:
    return _wall_to_utc(text, datetime.combine(day, time.max if end else time.min), zone)


def _wall_to_utc(text: str, wall: datetime, zone: DisplayZone) -> datetime:
    try:
        return zone.to_utc(wall)
    except (OverflowError, ValueError):
        raise TimeParseError(text, f"{text.strip()!r} in {zone.name} is out of range") from None


def parse_time(text: str, *, now: datetime, end: bool = False, zone: DisplayZone = UTC_ZONE) -> datetime:
    """Parse what a user typed as a start (or, with `end=True`, an end) into a UTC-aware datetime.

    A day without a time ("2023-04-23", "today", "yesterday") means its first instant as a start and its last
    as an end, so `--start 2023-04-23 --end 2023-04-23` is that whole day. Days and times without an offset
    are read in `zone` (the display zone); "now" and relative times are the same instant in every zone.
    """
    raw = text.strip()
    if not raw:
        raise TimeParseError(text, "an empty value is not a time")
    now = _utc(now)
    lowered = raw.lower()
    if lowered == "now":
        return now
    if lowered in ("today", "yesterday"):
        day = zone.localize(now).date() - timedelta(days=1 if lowered == "yesterday" else 0)
        return _day_bound(text, day, zone, end=end)
    if _DATE_ONLY.fullmatch(raw):
        try:
            day = date.fromisoformat(raw)
        except ValueError as exc:
            raise TimeParseError(text, f"{raw!r} is not a date ({exc})") from None
        return _day_bound(text, day, zone, end=end)
    relative = _RELATIVE.fullmatch(lowered)
    if relative:
        return _parse_relative(text, relative, now)
    try:
        typed = datetime.fromisoformat(raw)
    except ValueError:
        raise TimeParseError(text) from None
    return _wall_to_utc(text, typed, zone)


def _parse_relative(text: str, m: re.Match[str], now: datetime) -> datetime:
    if m["now"] and not m["sign"]:
        raise TimeParseError(text, f"{text.strip()!r} needs a sign after now (now-15m or now+1h)")
    offset = timedelta()
    try:
        for number, unit in _AMOUNT_PART.findall(m["amount"]):
            if unit not in _UNITS:
                raise TimeParseError(
                    text,
                    f"{unit!r} in {text.strip()!r} is not a unit",
                    hint="units: s, m, h, d, w (seconds, minutes, hours, days, weeks), e.g. now-15m or -2h",
                )
            offset += int(number) * _UNITS[unit]
        # A bare amount ("15m") means that long ago: it is almost always typed as a start.
        return now + offset if m["sign"] == "+" else now - offset
    except OverflowError:
        raise TimeParseError(text, f"{text.strip()!r} is too far from now") from None


def parse_window(
    start: str | None, end: str | None, *, now: datetime, zone: DisplayZone = UTC_ZONE
) -> TimeWindow:
    """Parse a start/end pair; empty or None means open-ended. Errors carry `field` ("start" or "end")."""
    start_dt = end_dt = None
    if start and start.strip():
        try:
            start_dt = parse_time(start, now=now, zone=zone)
        except TimeParseError as exc:
            exc.field = "start"
            raise
    if end and end.strip():
        try:
            end_dt = parse_time(end, now=now, end=True, zone=zone)
        except TimeParseError as exc:
            exc.field = "end"
            raise
    if start_dt is not None and end_dt is not None and end_dt < start_dt:
        raise TimeParseError(
            end or "",
            f"the end ({zone.format_input(end_dt)}) is before the start ({zone.format_input(start_dt)})",
            field="end",
            hint="pick an end after the start, or leave one of them empty for an open-ended window",
        )
    return TimeWindow(start_dt, end_dt)


def format_ts(dt: datetime) -> str:
    """The service's wire format: UTC, no offset, microseconds only when there are some."""
    naive = _utc(dt).replace(tzinfo=None)
    return naive.isoformat(timespec="microseconds" if naive.microsecond else "seconds")


def parse_ts(text: str) -> datetime:
    """A timestamp as the service sends it (UTC, usually without an offset) -> UTC-aware datetime."""
    return _utc(datetime.fromisoformat(text))


#: What an open end becomes for a target that requires both (the course's original service): explicit
#: instants every datetime parser takes (1970 rather than year 1: some services turn times into epochs).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


@dataclass(frozen=True)
class TimeWindow:
    """A time range with both ends inclusive (as the service treats them); None = open on that side."""

    start: datetime | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        # Normalise so equal instants compare equal whatever offset they were typed with.
        if self.start is not None:
            object.__setattr__(self, "start", _utc(self.start))
        if self.end is not None:
            object.__setattr__(self, "end", _utc(self.end))
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"window end {self.end} is before its start {self.start}")

    @property
    def width(self) -> timedelta | None:
        """None for an open-ended window (it cannot be stepped)."""
        if self.start is None or self.end is None:
            return None
        return self.end - self.start

    @property
    def bounded(self) -> bool:
        return self.start is not None and self.end is not None

    def shifted(self, direction: int) -> TimeWindow:
        """The window moved by `direction` widths (-1 = back, +1 = forward). Open-ended windows stay put."""
        width = self.width
        if width is None or not width or direction == 0:
            return self
        assert self.start is not None and self.end is not None
        delta = width * direction
        return TimeWindow(self.start + delta, self.end + delta)

    def contains(self, dt: datetime) -> bool:
        dt = _utc(dt)
        return (self.start is None or self.start <= dt) and (self.end is None or dt <= self.end)

    def to_params(self, *, both_ends: bool = False) -> dict[str, str]:
        """Query parameters for /logs and /stats; an open end is left out, or with `both_ends` (for the
        course's original service, which requires both) sent as EARLIEST / LATEST."""
        start = self.start if self.start is not None or not both_ends else EARLIEST
        end = self.end if self.end is not None or not both_ends else LATEST
        params: dict[str, str] = {}
        if start is not None:
            params["start_time"] = format_ts(start)
        if end is not None:
            params["end_time"] = format_ts(end)
        return params

    def label(self, zone: DisplayZone = UTC_ZONE) -> str:
        """Short human form for status lines, in `zone`: "2023-04-23 10:00:00 → 10:22:00", "… → latest"."""
        left = zone.format_day_time(self.start) if self.start else "beginning"
        if self.end is None:
            right = "latest"
        elif self.start is not None and zone.localize(self.end).date() == zone.localize(self.start).date():
            right = zone.format_day_time(self.end)[11:]
        else:
            right = zone.format_day_time(self.end)
        return f"{left} → {right}"


def preset_window(name: str, now: datetime) -> TimeWindow:
    """The preset `name` (a key of PRESETS) ending at `now`; "all" is unbounded on both sides."""
    try:
        width = PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; presets are {', '.join(PRESETS)}") from None
    if width is None:
        return TimeWindow(None, None)
    # Whole seconds: the inputs show these values and users copy them. Rounding *up* keeps a record
    # written in this very second inside the (inclusive) end.
    now = _utc(now)
    if now.microsecond:
        now = now.replace(microsecond=0) + timedelta(seconds=1)
    return TimeWindow(now - width, now)
