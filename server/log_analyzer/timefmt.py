"""Timestamps: parse what clients send, store integer UTC microseconds, render the wire format.

Integers make range scans and histogram bucket maths plain integer SQL; the rendered text is stored next to
them so a page of logs never has to format a datetime per row.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FRACTION = re.compile(r":\d\d[.,]\d", re.ASCII)
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_ONE_DAY_MICROS = 86_400_000_000

#: 9999-12-31T23:59:59.999999, the last instant a datetime can hold
MAX_MICROS = 253_402_300_799_999_999

ACCEPTED = (
    "an ISO-8601 datetime such as 2023-04-23T10:00:00 (naive = UTC, or with Z / +02:00) or a date 2023-04-23"
)


class TimeFormatError(ValueError):
    """The text is not a timestamp we accept; the message says why and what is accepted."""


_PAST_MICROS = re.compile(r":\d\d[.,]\d{6}(\d+)", re.ASCII)


def parse_timestamp(text: str, *, end_of_day: bool = False, round_up: bool = False) -> tuple[int, bool]:
    """Return (UTC epoch microseconds, whether the text carried sub-second digits).

    A date alone means the start of that day, or its last microsecond when `end_of_day` (an inclusive end).
    Digits past the microsecond are dropped, or round the instant up to the next microsecond when
    `round_up` (an inclusive start: `>= 10:00:00.0000001` must not take in a record at 10:00:00.000000).
    """
    if not isinstance(text, str):
        raise TimeFormatError(f"expected a string, got {type(text).__name__}; use {ACCEPTED}")
    stripped = text.strip()
    if not stripped:
        raise TimeFormatError(f"is empty; use {ACCEPTED}")
    if len(stripped) > 64:
        raise TimeFormatError(f"is too long to be a timestamp; use {ACCEPTED}")
    if _DATE_ONLY.match(stripped):
        try:
            day = date.fromisoformat(stripped)
        except ValueError as exc:
            raise TimeFormatError(f"{stripped!r} is not a real date ({exc})") from None
        micros = _to_micros(datetime(day.year, day.month, day.day, tzinfo=UTC))
        return (micros + _ONE_DAY_MICROS - 1, True) if end_of_day else (micros, False)
    try:
        parsed = datetime.fromisoformat(stripped)
    except ValueError:
        raise TimeFormatError(f"{_clip(stripped)!r} is not a valid timestamp; use {ACCEPTED}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        parsed = parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        raise TimeFormatError(
            f"{_clip(stripped)!r} falls outside the years 1..9999 once converted to UTC"
        ) from None
    micros = _to_micros(parsed)
    if round_up:
        extra = _PAST_MICROS.search(stripped)
        if extra is not None and extra[1].strip("0"):
            micros += 1
    # sub-second digits can also come from an offset such as +01:00:00.5; the rendering must stay exact
    return micros, bool(_FRACTION.search(stripped)) or micros % 1_000_000 != 0


_FAST = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?\Z", re.ASCII)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_day_micros: dict[str, int] = {}


def parse_plain(text: str) -> tuple[int, str] | None:
    """Fast path for the common naive `YYYY-MM-DDTHH:MM:SS[.f]` form: (micros, rendered), or None to leave
    the text to parse_timestamp (which also explains what is wrong). Bulk ingest spends most of its
    validation time here, hence the cache of day starts."""
    m = _FAST.match(text)
    if m is None:
        return None
    day = text[:10]
    base = _day_micros.get(day)
    if base is None:
        try:
            base = (date(int(m[1]), int(m[2]), int(m[3])).toordinal() - _EPOCH_ORDINAL) * _ONE_DAY_MICROS
        except ValueError:
            return None
        if len(_day_micros) < 100_000:
            _day_micros[day] = base
    hour, minute, second = int(m[4]), int(m[5]), int(m[6])
    if hour > 23 or minute > 59 or second > 59:
        return None
    frac = m[7]
    if frac is None:
        return base + (hour * 3600 + minute * 60 + second) * 1_000_000, text
    digits = frac.ljust(6, "0")
    micros = base + (hour * 3600 + minute * 60 + second) * 1_000_000 + int(digits)
    return micros, f"{text[:19]}.{digits}"


def _clip(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[:n] + "…"


def _to_micros(dt: datetime) -> int:
    delta = dt - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def render(micros: int, fraction: bool | None = None) -> str:
    """Wire format: `YYYY-MM-DDTHH:MM:SS[.ffffff]`, UTC without offset.

    `fraction=None` shows sub-second digits only when the value has any (for computed bounds).
    """
    dt = from_micros(micros).replace(tzinfo=None)
    if fraction is None:
        fraction = dt.microsecond != 0
    return dt.isoformat(timespec="microseconds" if fraction else "seconds")


def now_micros() -> int:
    return _to_micros(datetime.now(UTC))
