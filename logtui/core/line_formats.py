"""Recognise one log line: its time, its level (the record's tag) and its message. No I/O, no Textual.

Formats, tried with the one that matched the previous line first (a file rarely changes format):
  service   `2023-04-23T10:00:00 INFO message` (also a space for the T, a comma or dot before the fraction,
            Z or an offset) — the log-analyzer's own lines, and any line that starts with an ISO time
            (Python logging's default `%(asctime)s - name - LEVEL - msg`, nginx's error log `2023/04/23 …`)
  json      JSON Lines: time, level and message under common names (`FieldNames`, configurable)
  logfmt    `time=… level=info msg="…" key=value`
  syslog    RFC 3164 `<34>Oct 11 22:14:15 host app[1]: msg` and RFC 5424 `<34>1 2023-10-11T22:14:15Z host …`
  access    nginx/Apache common and combined access logs; the status code gives the level (5xx ERROR,
            4xx WARNING)
A line none of these recognise has no time; `classify` says whether it continues the previous record (a
traceback, an indented line) or is a record of its own. Times without an offset are UTC, as in the service.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import orjson
from log_analyzer.timefmt import render

__all__ = [
    "DEFAULT_TAG",
    "FieldNames",
    "LineParser",
    "Parsed",
    "access_log_tag",
    "is_continuation",
    "level_tag",
    "parse_time",
]

#: The tag of a record whose line names no level (files and stdout; a container's stderr says ERROR).
DEFAULT_TAG = "INFO"

_LEVELS = {
    "trace": "TRACE",
    "debug": "DEBUG",
    "dbug": "DEBUG",
    "info": "INFO",
    "information": "INFO",
    "informational": "INFO",
    "notice": "NOTICE",
    "warn": "WARNING",
    "warning": "WARNING",
    "error": "ERROR",
    "err": "ERROR",
    "eror": "ERROR",
    "crit": "CRITICAL",
    "critical": "CRITICAL",
    "severe": "ERROR",
    "fatal": "FATAL",
    "alert": "ALERT",
    "emerg": "EMERG",
    "emergency": "EMERG",
    "panic": "FATAL",
}
#: syslog severities 0..7
_SYSLOG_LEVELS = ("EMERG", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFO", "DEBUG")
_TAG = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]{0,31}\Z")
#: a level word near the start of a line: `INFO`, `[info]`, `<warn>`, `level=error`, `ERROR:`
_LEVEL_WORD = re.compile(
    r"(?<![\w.\-])(TRACE|DEBUG|INFO|NOTICE|WARN(?:ING)?|ERROR|ERR|CRIT(?:ICAL)?|FATAL|SEVERE|ALERT|EMERG"
    r"|trace|debug|info|notice|warn(?:ing)?|error|crit(?:ical)?|fatal)(?![\w\-])"
)
_LEVEL_SCAN_CHARS = 80


def level_tag(word: str) -> str | None:
    """`warn` -> WARNING, `E` -> None: a level word as the tag the store keeps (the UI's usual ones)."""
    return _LEVELS.get(word.strip().lower())


def level_in_text(text: str) -> str | None:
    """The first level word in the start of `text` (where loggers put it), as a tag."""
    m = _LEVEL_WORD.search(text, 0, _LEVEL_SCAN_CHARS)
    return _LEVELS[m[1].lower()] if m else None


# --- times --------------------------------------------------------------------------------------------------

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_DAY = 86_400_000_000
_day_cache: dict[tuple[int, int, int], int] = {}
_ISO = (
    r"(\d{4})[-/](\d\d)[-/](\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?"
    r"(?: ?(Z|[+-]\d\d(?::?\d\d)?))?"
)
_ISO_AT_START = re.compile(r"\[?" + _ISO + r"\]?(?:\s+|\Z)", re.ASCII)
_ISO_ONLY = re.compile(_ISO + r"\s*\Z", re.ASCII)


def _micros(y: int, mo: int, d: int, h: int, mi: int, s: int, frac: str | None, tz: str | None) -> int | None:
    key = (y, mo, d)
    base = _day_cache.get(key)
    if base is None:
        try:
            base = (date(y, mo, d).toordinal() - _EPOCH_ORDINAL) * _DAY
        except ValueError:
            return None
        if len(_day_cache) < 100_000:
            _day_cache[key] = base
    if h > 23 or mi > 59 or s > 60:
        return None
    s = min(s, 59)  # a leap second lands on :59
    micros = base + (h * 3600 + mi * 60 + s) * 1_000_000
    if frac:
        micros += int(frac[:6].ljust(6, "0"))
    if tz and tz != "Z":
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        offset = int(digits[:2]) * 3600 + (int(digits[2:4]) * 60 if len(digits) >= 4 else 0)
        micros -= sign * offset * 1_000_000
    return micros


def _from_match(m: re.Match[str]) -> tuple[int, bool] | None:
    micros = _micros(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6]), m[7], m[8])
    if micros is None:
        return None
    return micros, bool(m[7]) or micros % 1_000_000 != 0


def parse_time(value: object) -> tuple[int, bool] | None:
    """A time as logs write it -> (UTC epoch micros, has sub-second digits), or None.

    Strings: ISO-8601 with T or a space, `.` or `,` before the fraction, Z or an offset (none = UTC).
    Numbers: Unix epoch seconds, or milli-/micro-/nanoseconds told apart by size."""
    if isinstance(value, str):
        m = _ISO_ONLY.match(value.strip())
        if m:
            return _from_match(m)
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        micros = round((parsed - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() * 1_000_000)
        return micros, micros % 1_000_000 != 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    n = float(value)
    # Seconds, milli-, micro- or nanoseconds since the epoch, told apart by size (all land in 1973..5138).
    scale = 1e6 if abs(n) < 1e11 else 1e3 if abs(n) < 1e14 else 1.0 if abs(n) < 1e17 else 1e-3
    whole = int(n * scale)
    return whole, whole % 1_000_000 != 0


# --- one line ---------------------------------------------------------------------------------------------


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs a setattr call per field per line
class Parsed:
    """What a line says: its time (None when it has none), its tag (None when it names no level), message."""

    micros: int | None
    fraction: bool
    tag: str | None
    message: str

    def ts_text(self) -> str:
        assert self.micros is not None
        return render(self.micros, self.fraction)


@dataclass(frozen=True)
class FieldNames:
    """Where JSON Lines keep the time, level and message; the first name present wins."""

    time: Sequence[str] = ("timestamp", "time", "ts", "@timestamp", "datetime", "date", "t", "asctime")
    level: Sequence[str] = ("level", "levelname", "severity", "lvl", "loglevel", "log.level", "status")
    message: Sequence[str] = ("message", "msg", "event", "text", "log", "@message")

    @classmethod
    def with_overrides(
        cls, time: str | None = None, level: str | None = None, message: str | None = None
    ) -> FieldNames:
        """Names given by the user go first, ahead of the common ones."""
        base = cls()
        return cls(
            time=(time, *base.time) if time else base.time,
            level=(level, *base.level) if level else base.level,
            message=(message, *base.message) if message else base.message,
        )


def _strip_separators(text: str) -> str:
    # Python's `%(asctime)s - %(name)s - …` leaves "- " where the time was.
    return text.lstrip(" -|:")


def _parse_leading_time(line: str) -> Parsed | None:
    m = _ISO_AT_START.match(line)
    if m is None:
        return None
    when = _from_match(m)
    if when is None:
        return None
    rest = line[m.end() :]
    first, _, after = rest.partition(" ")
    # The service's own lines: any tag, conventionally upper case (PAYMENT, AUDIT, WARN), kept as written.
    if first.isupper() and _TAG.match(first):
        return Parsed(when[0], when[1], first, after)
    tag = level_tag(first.strip("[]:"))
    if tag is not None:
        return Parsed(when[0], when[1], tag, after)
    return Parsed(when[0], when[1], level_in_text(rest), _strip_separators(rest))


_LOGFMT_PAIR = re.compile(r'([\w.@\-]+)=("(?:[^"\\]|\\.)*"|\S*)')


def _parse_logfmt(line: str, names: FieldNames) -> Parsed | None:
    pairs = _LOGFMT_PAIR.findall(line)
    if len(pairs) < 2:
        return None
    values = {k: (v[1:-1].replace('\\"', '"') if v.startswith('"') else v) for k, v in pairs}
    time_key = next((k for k in names.time if k in values), None)
    if time_key is None:
        return None
    when = parse_time(values[time_key])
    if when is None:
        return None
    level_key = next((k for k in names.level if k in values), None)
    tag = level_tag(values[level_key]) if level_key else None
    msg_key = next((k for k in names.message if k in values), None)
    used = {time_key, level_key, msg_key}
    extra = " ".join(f"{k}={v}" for k, v in pairs if k not in used)
    message = values[msg_key] if msg_key else ""
    message = f"{message} {extra}".strip() if extra else message
    return Parsed(when[0], when[1], tag, message)


def _parse_json(line: str, names: FieldNames) -> Parsed | None:
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(obj, dict):
        return None
    time_key = next((k for k in names.time if k in obj), None)
    when = parse_time(obj[time_key]) if time_key else None
    level_key = next((k for k in names.level if k in obj and isinstance(obj[k], str)), None)
    tag = level_tag(obj[level_key]) if level_key else None
    msg_key = next((k for k in names.message if k in obj), None)
    # What the record does not otherwise keep (extra fields) follows the message as compact JSON: nothing is
    # lost, and the detail view pretty-prints it.
    used = {time_key, msg_key} | ({level_key} if tag else set())
    extra = {k: v for k, v in obj.items() if k not in used}
    raw = obj[msg_key] if msg_key else None
    message = raw if isinstance(raw, str) else ("" if raw is None else orjson.dumps(raw).decode())
    if extra:
        rest = orjson.dumps(extra).decode()
        message = f"{message} {rest}" if message else rest
    if when is None:
        return Parsed(None, False, tag, message)
    return Parsed(when[0], when[1], tag, message)


_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), start=1)}
_SYSLOG_3164 = re.compile(
    r"(?:<(\d{1,3})>)?([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))? (.*)\Z", re.S
)
_SYSLOG_5424 = re.compile(r"<(\d{1,3})>1 (\S+) (.*)\Z", re.S)


def _parse_syslog(line: str, year: int) -> Parsed | None:
    if line.startswith("<") and (m5 := _SYSLOG_5424.match(line)):
        when = parse_time(m5[2])
        if when is None:
            return None
        level = _SYSLOG_LEVELS[int(m5[1]) % 8] if int(m5[1]) < 192 else None
        return Parsed(when[0], when[1], level, m5[3])
    m = _SYSLOG_3164.match(line)
    if m is None or m[2] not in _MONTHS:
        return None
    micros = _micros(year, _MONTHS[m[2]], int(m[3]), int(m[4]), int(m[5]), int(m[6]), m[7], None)
    if micros is None:
        return None
    rest = m[8]
    if m[1] is not None and int(m[1]) < 192:
        tag: str | None = _SYSLOG_LEVELS[int(m[1]) % 8]
    else:
        tag = level_in_text(rest.partition(": ")[2] or rest)
    return Parsed(micros, bool(m[7]), tag, rest)


_ACCESS = re.compile(
    r'\S+ \S+ \S+ \[(\d\d)/([A-Z][a-z]{2})/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-]\d{4})\] "[^"]*" (\d{3}) '
)


def access_log_tag(line: str) -> str | None:
    """The tag of an nginx/Apache access log line (from its status), None when the line is not one."""
    parsed = _parse_access(line)
    return parsed.tag if parsed is not None else None


def _parse_access(line: str) -> Parsed | None:
    m = _ACCESS.match(line)
    if m is None or m[2] not in _MONTHS:
        return None
    micros = _micros(int(m[3]), _MONTHS[m[2]], int(m[1]), int(m[4]), int(m[5]), int(m[6]), None, m[7])
    if micros is None:
        return None
    status = int(m[8])
    tag = "ERROR" if status >= 500 else "WARNING" if status >= 400 else "INFO"
    return Parsed(micros, False, tag, line)


_TRACEBACK_STARTS = (
    "Traceback (most recent call last)",
    "During handling of the above exception",
    "The above exception was the direct cause",
    "Caused by:",
    "...",
)
#: the last line of a Python traceback: `ValueError: bad`, `KeyboardInterrupt`, `mod.CustomError: …`
_EXCEPTION_LINE = re.compile(r"[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Iteration)\b")


def is_continuation(line: str, in_traceback: bool) -> bool:
    """Does a line without a time belong to the record before it (a traceback, an indented line)?"""
    if line[:1] in (" ", "\t"):
        return True
    if line.startswith(_TRACEBACK_STARTS):
        return True
    return in_traceback and _EXCEPTION_LINE.match(line) is not None


class LineParser:
    """Parses lines of one source; remembers which format matched last and tries it first."""

    def __init__(
        self,
        fields: FieldNames | None = None,
        *,
        syslog_year: int | None = None,
        newest: datetime | None = None,
    ) -> None:
        self.fields = fields or FieldNames()
        # RFC 3164 syslog lines carry no year: that of `newest` (the file's modification time, else now); a
        # date after it by more than a day is from the year before (December's lines read in January).
        newest = newest or datetime.now(UTC)
        self.syslog_year = syslog_year or newest.year
        self._newest_micros = int(newest.timestamp() * 1_000_000)
        self._order: list[Callable[[str], Parsed | None]] = [
            _parse_leading_time,
            self._json,
            self._logfmt,
            self._syslog,
            _parse_access,
        ]

    def _json(self, line: str) -> Parsed | None:
        return _parse_json(line, self.fields) if line.startswith("{") else None

    def _logfmt(self, line: str) -> Parsed | None:
        return _parse_logfmt(line, self.fields) if "=" in line else None

    def _syslog(self, line: str) -> Parsed | None:
        parsed = _parse_syslog(line, self.syslog_year)
        if parsed is not None and parsed.micros is not None and parsed.micros > self._newest_micros + _DAY:
            return _parse_syslog(line, self.syslog_year - 1)
        return parsed

    def parse(self, line: str) -> Parsed | None:
        """The line's time, tag and message; None when no format recognises it (see `is_continuation`)."""
        order = self._order
        for i, fmt in enumerate(order):
            parsed = fmt(line)
            if parsed is not None:
                if i:
                    order.insert(0, order.pop(i))
                return parsed
        return None

    def untimed(self, line: str) -> Parsed:
        """A line with no time of its own, with its level if it names one (`INFO:root:msg`: basicConfig)."""
        if line.startswith("{"):
            parsed = _parse_json(line, self.fields)
            if parsed is not None:
                return parsed
        return Parsed(None, False, level_in_text(line), line)
