"""Lines -> store rows: continuation lines (a traceback) join the record before them, a line with no time
takes the previous record's time (and is counted), and each row is made safe for the store.

Tracks byte offsets so a loader can checkpoint "everything before here is stored": the start of the record
still open (it may get more continuation lines), never the middle of one.
"""

from __future__ import annotations

from dataclasses import dataclass

from log_analyzer.store import Row
from log_analyzer.timefmt import render

from logtui.core.line_formats import DEFAULT_TAG, LineParser, Parsed, is_continuation

__all__ = ["MAX_MESSAGE_CHARS", "BuildStats", "RecordBuilder"]

_TRACEBACK_HEADS = (
    "Traceback (most recent call last)",
    "During handling of the above exception",
    "The above exception was the direct cause",
)
#: The service refuses longer messages (64 KiB); a longer record is cut and says so at its end.
MAX_MESSAGE_CHARS = 65_536


_seconds: dict[int, str] = {}


def fast_render(micros: int, fraction: bool | None) -> str:
    """The service's `render`, with the whole-second text cached (a log file's lines share their seconds)."""
    second, sub = divmod(micros, 1_000_000)
    text = _seconds.get(second)
    if text is None:
        text = render(second * 1_000_000, False)
        if len(_seconds) > 100_000:
            _seconds.clear()
        _seconds[second] = text
    if fraction or (fraction is None and sub):
        return f"{text}.{sub:06d}"
    return text


@dataclass
class BuildStats:
    lines: int = 0
    records: int = 0
    #: records whose line had no time of its own (they took the previous record's time)
    no_time: int = 0
    #: lines joined to the record before them (tracebacks, indented lines)
    continued: int = 0
    blank: int = 0
    #: records changed to fit the store: cut at 64 KiB, or a NUL character replaced
    clipped: int = 0


class RecordBuilder:
    def __init__(self, parser: LineParser, *, fallback_micros: int, default_tag: str = DEFAULT_TAG) -> None:
        self.parser = parser
        self.default_tag = default_tag
        #: the time given to untimed lines before any timed one (the file's modification time, or now)
        self.last_micros = fallback_micros
        self.stats = BuildStats()
        self._pending: list[str] | None = None
        self._pending_head: Parsed | None = None
        self._pending_micros = 0
        self._in_traceback = False
        #: offset of the first byte not yet in a finished record (where a restart must read from)
        self.safe_offset = 0
        #: `last_micros` as of safe_offset (a restart there must give untimed lines this time)
        self.safe_last_micros = fallback_micros
        self._pending_start = 0

    def feed(self, line: str, start: int, end: int, out: list[Row]) -> None:
        """One line (no newline) spanning bytes [start, end) of the source; finished records go to `out`."""
        self.stats.lines += 1
        if not line.strip():
            self.stats.blank += 1
            if self._pending is None:
                self.safe_offset = end
            return
        parsed = self.parser.parse(line)
        if parsed is None:
            if self._pending is not None and is_continuation(line, self._in_traceback):
                self._pending.append(line)
                self.stats.continued += 1
                if line.startswith(_TRACEBACK_HEADS):
                    self._in_traceback = True
                elif line[:1] not in (" ", "\t"):
                    self._in_traceback = False  # the exception line ends it
                return
            parsed = self.parser.untimed(line)
        self._finish(out)
        self._pending_start = start
        self.safe_offset = start
        self.safe_last_micros = self.last_micros
        if parsed.micros is None:
            self.stats.no_time += 1
            self._pending_micros = self.last_micros
        else:
            self._pending_micros = parsed.micros
            self.last_micros = parsed.micros
        self._pending_head = parsed
        self._pending = [parsed.message]
        self._in_traceback = False

    def finish(self, out: list[Row], end: int) -> None:
        """Close the open record (end of input, or the writer went quiet); everything before `end` is done."""
        self._finish(out)
        self.safe_offset = end
        self.safe_last_micros = self.last_micros

    @property
    def has_pending(self) -> bool:
        return self._pending is not None

    def _finish(self, out: list[Row]) -> None:
        if self._pending is None or self._pending_head is None:
            return
        head = self._pending_head
        message = "\n".join(self._pending) if len(self._pending) > 1 else self._pending[0]
        if len(message) > MAX_MESSAGE_CHARS or "\x00" in message:
            self.stats.clipped += 1
            message = message.replace("\x00", "\ufffd")
            if len(message) > MAX_MESSAGE_CHARS:
                note = f" … [cut: {len(message)} characters]"
                message = message[: MAX_MESSAGE_CHARS - len(note)] + note
        micros = self._pending_micros
        fraction = head.fraction if head.micros is not None else None
        out.append((micros, fast_render(micros, fraction), head.tag or self.default_tag, message))
        self.stats.records += 1
        self._pending = None
        self._pending_head = None
