"""Compact storage for the rows of the log view, and the mapping between rows and screen lines.

A million `LogRecord` objects (plus their strings) cost several hundred MB in CPython; packed UTF-8 blobs
with `array` offsets cost roughly the text itself plus 9 bytes a row. Rows are decoded only when drawn.

This module is pure Python (no Textual) so it can be tested and measured on its own.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from itertools import accumulate

from log_analyzer.record import LogRecord
from rich.cells import cell_len, get_character_cell_size

from logtui.core.safe_text import one_line

#: Live batches are usually tiny; they are merged into the last chunk until it holds this many rows,
#: so following a busy log for hours does not leave a long list of one-row chunks behind.
CHUNK_TARGET = 8192

_MAX_TAGS = 0xFFFF


#: The list shows at most this much of a message (the detail view shows all of it): a multi-megabyte
#: message would otherwise cost thousands of wrapped lines and a slow render for one row.
MAX_SHOWN = 10_000


def display_text(text: str) -> str:
    """Make a message safe for a single terminal line: control characters become one visible cell each.

    Each replacement is exactly one cell, so a pure-ASCII message's cell width equals its byte length
    and wrap line counts can be computed from offsets without decoding.
    """
    return one_line(text[:MAX_SHOWN])


def wrap_spans(text: str, width: int, *, narrow: bool = False) -> list[tuple[int, int]]:
    """Where a display-safe line of text breaks into lines of at most `width` cells: (start, end) indices.

    Breaks at the last space that fits (the spaces at a break are not drawn); a word longer than a line
    is cut where the line is full. `narrow`: the caller knows every character is one cell (ASCII after
    `display_text`), which skips measuring each character.
    """
    n = len(text)
    if narrow or text.isascii():
        if n <= width:
            return [(0, n)]
        cum = None
    elif cell_len(text) <= width:
        return [(0, n)]
    else:
        cum = [0]
        total = 0
        for char in text:
            total += get_character_cell_size(char)
            cum.append(total)
    spans: list[tuple[int, int]] = []
    start = 0
    while (n - start if cum is None else cum[n] - cum[start]) > width:
        if cum is None:
            end = start + width
        else:
            # The furthest end whose text still fits; at least one character (one wider than a line).
            end = max(start + 1, bisect_right(cum, cum[start] + width, start) - 1)
        cut = text.rfind(" ", start + 1, end + 1)
        if cut > start:
            spans.append((start, cut))
            start = cut + 1
            while start < n and text[start] == " ":
                start += 1
        else:
            spans.append((start, end))
            start = end
    if start < n or not spans:
        spans.append((start, n))
    return spans


_BREAK_BYTES = bytes.maketrans(b"\t\r", b"  ")


def _count_narrow(buf: bytes, start: int, stop: int, width: int) -> int:
    """len(wrap_spans(...)) for the one-cell-per-byte text buf[start:stop], without building it."""
    lines = 0
    while stop - start > width:
        end = start + width
        cut = buf.rfind(b" ", start + 1, end + 1)
        if cut > start:
            start = cut + 1
            while start < stop and buf[start] == 32:
                start += 1
        else:
            start = end
        lines += 1
    return lines + 1 if start < stop or not lines else lines


def _pack(strings: list[str]) -> tuple[bytes, array[int], bool]:
    joined = "".join(strings)
    if joined.isascii():
        return joined.encode("ascii"), array("I", accumulate(map(len, strings), initial=0)), True
    encoded = [s.encode("utf-8", "surrogatepass") for s in strings]
    return b"".join(encoded), array("I", accumulate(map(len, encoded), initial=0)), False


class _Chunk:
    __slots__ = ("ascii", "lines_cum", "lines_width", "msg", "msg_off", "n", "tags", "ts", "ts_off")

    def __init__(
        self,
        ts: bytes,
        ts_off: array[int],
        msg: bytes,
        msg_off: array[int],
        tags: array[int],
        ascii_only: bool,
    ) -> None:
        self.ts = ts
        self.ts_off = ts_off
        self.msg = msg
        self.msg_off = msg_off
        self.tags = tags
        self.ascii = ascii_only
        self.n = len(tags)
        # Cumulative screen-line counts when wrapping (n + 1 entries), for the width they were computed at.
        self.lines_cum: array[int] | None = None
        self.lines_width = 0

    def timestamp(self, j: int) -> str:
        return self.ts[self.ts_off[j] : self.ts_off[j + 1]].decode("utf-8", "surrogatepass")

    def message(self, j: int) -> str:
        return self.msg[self.msg_off[j] : self.msg_off[j + 1]].decode("utf-8", "surrogatepass")

    def line_counts(self, width: int) -> array[int]:
        if self.lines_cum is not None and self.lines_width == width:
            return self.lines_cum
        if self.ascii:
            # Most messages fit on one line, and for ASCII that is known from the byte length alone;
            # the longer ones are word-wrapped on the packed bytes, without decoding.
            off = self.msg_off
            msg = self.msg
            if b"\t" in msg or b"\r" in msg:
                msg = msg.translate(_BREAK_BYTES)  # display_text draws these as spaces: break points too
            counts: Iterator[int] = (
                1
                if off[j + 1] - off[j] <= width
                else _count_narrow(msg, off[j], min(off[j + 1], off[j] + MAX_SHOWN), width)
                for j in range(self.n)
            )
        else:
            counts = (len(wrap_spans(display_text(self.message(j)), width)) for j in range(self.n))
        self.lines_cum = array("I", accumulate(counts, initial=0))
        self.lines_width = width
        return self.lines_cum


class RowStore:
    """Append-only rows (timestamp, tag, message) packed per chunk; tags interned as small ints."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._chunks: list[_Chunk] = []
        self._starts: list[int] = []
        self._count = 0
        self.tags: list[str] = []
        self._tag_ids: dict[str, int] = {}
        self.max_ts_len = 0
        self.max_tag_len = 0
        self._wrap_width: int | None = None
        self._line_starts: list[int] = []
        self._line_count = 0

    def __len__(self) -> int:
        return self._count

    def clear(self) -> None:
        wrap = self._wrap_width
        self._reset()
        self._wrap_width = wrap

    def extend(self, records: Sequence[LogRecord]) -> None:
        if not records:
            return
        ts_list = [r.timestamp for r in records]
        msg_list = [r.message for r in records]
        tag_list = [r.tag for r in records]
        known = self._tag_ids
        if not known.keys() >= set(tag_list):
            for tag in dict.fromkeys(tag_list):  # first-seen order, so tag ids are stable run to run
                if tag not in known:
                    self._intern(tag)
        tag_ids = array("H", map(known.__getitem__, tag_list))
        self.max_ts_len = max(self.max_ts_len, max(map(len, ts_list)))
        ts, ts_off, _ = _pack(ts_list)
        msg, msg_off, msg_ascii = _pack(msg_list)
        chunk = _Chunk(ts, ts_off, msg, msg_off, tag_ids, msg_ascii)
        if self._chunks and self._chunks[-1].n < CHUNK_TARGET and len(records) < CHUNK_TARGET:
            self._chunks[-1] = self._merge(self._chunks[-1], chunk)
        else:
            self._chunks.append(chunk)
            self._starts.append(self._count)
        self._count += len(records)
        self._relayout_tail()

    def _intern(self, tag: str) -> int:
        tid = len(self.tags)
        if tid >= _MAX_TAGS - 1:
            # A pathological source with 65k distinct tags: fold the rest into one "(other)" tag, not fail.
            if tid == _MAX_TAGS - 1:
                self.tags.append("(other)")
            self._tag_ids[tag] = _MAX_TAGS - 1
            return _MAX_TAGS - 1
        self.tags.append(tag)
        self._tag_ids[tag] = tid
        self.max_tag_len = max(self.max_tag_len, len(tag))
        return tid

    @staticmethod
    def _merge(a: _Chunk, b: _Chunk) -> _Chunk:
        ts_shift, msg_shift = len(a.ts), len(a.msg)
        ts_off = a.ts_off[:]
        ts_off.extend(x + ts_shift for x in b.ts_off[1:])
        msg_off = a.msg_off[:]
        msg_off.extend(x + msg_shift for x in b.msg_off[1:])
        tags = a.tags[:]
        tags.extend(b.tags)
        return _Chunk(a.ts + b.ts, ts_off, a.msg + b.msg, msg_off, tags, a.ascii and b.ascii)

    def _locate(self, i: int) -> tuple[_Chunk, int]:
        if not 0 <= i < self._count:
            raise IndexError(f"row {i} out of range (0..{self._count - 1})")
        k = bisect_right(self._starts, i) - 1
        return self._chunks[k], i - self._starts[k]

    def timestamp(self, i: int) -> str:
        chunk, j = self._locate(i)
        return chunk.timestamp(j)

    def tag(self, i: int) -> str:
        chunk, j = self._locate(i)
        return self.tags[chunk.tags[j]]

    def message(self, i: int) -> str:
        chunk, j = self._locate(i)
        return chunk.message(j)

    def record(self, i: int) -> LogRecord:
        chunk, j = self._locate(i)
        return LogRecord(chunk.timestamp(j), self.tags[chunk.tags[j]], chunk.message(j))

    def nbytes(self) -> int:
        """Bytes held by the packed buffers (for tests and benchmarks)."""
        total = 0
        for c in self._chunks:
            total += len(c.ts) + len(c.msg) + c.ts_off.itemsize * len(c.ts_off)
            total += c.msg_off.itemsize * len(c.msg_off) + c.tags.itemsize * len(c.tags)
            if c.lines_cum is not None:
                total += c.lines_cum.itemsize * len(c.lines_cum)
        return total

    # --- screen lines: one per row, or several per row when wrapping --------------------------------------

    @property
    def wrap_width(self) -> int | None:
        return self._wrap_width

    def set_wrap_width(self, width: int | None) -> None:
        """Wrap messages at `width` cells (None: one line per row). Recomputes every chunk's line counts."""
        self._wrap_width = max(1, width) if width is not None else None
        self._line_starts = []
        self._line_count = 0
        if self._wrap_width is None:
            return
        for chunk in self._chunks:
            self._line_starts.append(self._line_count)
            self._line_count += chunk.line_counts(self._wrap_width)[-1]

    def _relayout_tail(self) -> None:
        # Only the last chunk changed (appended or merged), so only it is recounted.
        if self._wrap_width is None:
            return
        del self._line_starts[len(self._chunks) - 1 :]
        self._line_count = 0
        if self._line_starts:
            prev = self._chunks[len(self._line_starts) - 1]
            self._line_count = self._line_starts[-1] + prev.line_counts(self._wrap_width)[-1]
        for chunk in self._chunks[len(self._line_starts) :]:
            self._line_starts.append(self._line_count)
            self._line_count += chunk.line_counts(self._wrap_width)[-1]

    @property
    def line_count(self) -> int:
        return self._count if self._wrap_width is None else self._line_count

    def line_to_row(self, y: int) -> tuple[int, int]:
        """The row drawn on screen line `y` and which of its lines it is."""
        if self._wrap_width is None:
            return y, 0
        k = bisect_right(self._line_starts, y) - 1
        cum = self._chunks[k].line_counts(self._wrap_width)
        local = y - self._line_starts[k]
        j = bisect_right(cum, local) - 1
        return self._starts[k] + j, local - cum[j]

    def row_to_line(self, i: int) -> int:
        """The first screen line of row `i`."""
        if self._wrap_width is None:
            return i
        k = bisect_right(self._starts, i) - 1
        return self._line_starts[k] + self._chunks[k].line_counts(self._wrap_width)[i - self._starts[k]]

    def row_lines(self, i: int) -> int:
        """How many screen lines row `i` takes."""
        if self._wrap_width is None:
            return 1
        k = bisect_right(self._starts, i) - 1
        cum = self._chunks[k].line_counts(self._wrap_width)
        j = i - self._starts[k]
        return cum[j + 1] - cum[j]
