"""The log view: a Line API widget that draws only the rows on screen, however many are loaded.

Rows live packed in a `RowStore` and are decoded only when drawn; rendered lines are cached per
(row, width, highlight, wrap, cursor). Timestamps are drawn in the display zone and a JSON-object message as
its one-line summary, both computed for drawn rows only (summaries cached per row). Pages arrive through
`append_page` (lazy loading: the view asks for more with `MoreWanted` as the viewport nears the loaded end)
or `append_live` (follow mode).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise
from typing import ClassVar, cast

from log_analyzer.record import LogRecord
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from logtui.core.display_zone import UTC_ZONE, DisplayZone
from logtui.core.json_summary import DEFAULT_SUMMARY_KEYS, summary_fields
from logtui.core.safe_text import one_line
from logtui.ui.widgets.row_store import RowStore, display_text, wrap_spans

#: Tag -> severity class used for colouring (component class `logview--tag-<severity>`).
SEVERITY: dict[str, str] = {
    "CRITICAL": "error",
    "FATAL": "error",
    "ERROR": "error",
    "ERR": "error",
    "WARNING": "warning",
    "WARN": "warning",
    "INFO": "info",
    "NOTICE": "info",
    "DEBUG": "debug",
    "TRACE": "debug",
}
_TAG_WIDTH_MAX = 10
# The service's timestamps are at most 26 characters; a server sending longer ones still leaves room.
_TS_WIDTH_MAX = 32
_MIN_MESSAGE_WIDTH = 8
_NOT_CACHED = object()
#: A summarised message as drawn, and the spans of its "key=" parts (drawn muted, so values stand out).
_Summary = tuple[str, list[tuple[int, int]]]


def severity_of(tag: str) -> str:
    return SEVERITY.get(tag.upper(), "other")


class LogView(ScrollView, can_focus=True):
    """Scrollable time | tag | message table over any number of rows, with a row cursor."""

    DEFAULT_CSS = """
    LogView {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: scroll;
        & > .logview--time { color: $foreground-muted; }
        & > .logview--tag-error { color: $text-error; text-style: bold; }
        & > .logview--tag-warning { color: $text-warning; }
        & > .logview--tag-info { color: $text-success; }
        & > .logview--tag-debug { color: $foreground-disabled; }
        & > .logview--tag-other { color: $text-accent; }
        & > .logview--match { background: $warning-muted; text-style: bold; }
        & > .logview--cursor { background: $block-cursor-blurred-background; }
        & > .logview--placeholder { color: $foreground-muted; text-style: italic; }
        & > .logview--key { color: $foreground-muted; }
        &:focus > .logview--cursor { background: $block-cursor-background; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "logview--time",
        "logview--tag-error",
        "logview--tag-warning",
        "logview--tag-info",
        "logview--tag-debug",
        "logview--tag-other",
        "logview--match",
        "logview--cursor",
        "logview--placeholder",
        "logview--key",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "cursor_home", "First", show=False),
        Binding("end", "cursor_end", "Last", show=False),
        Binding("enter", "choose", "Open record"),
    ]

    class MoreWanted(Message):
        """The viewport is near the end of what is loaded and the server has more: fetch the next page."""

        def __init__(self, log_view: LogView, generation: int) -> None:
            super().__init__()
            self.log_view = log_view
            self.generation = generation

        @property
        def control(self) -> LogView:
            return self.log_view

    class RecordChosen(Message):
        """The user pressed Enter (or double-clicked) on a row."""

        def __init__(self, log_view: LogView, record: LogRecord, index: int) -> None:
            super().__init__()
            self.log_view = log_view
            self.record = record
            self.index = index

        @property
        def control(self) -> LogView:
            return self.log_view

    class NewRecordsWaiting(Message):
        """Follow mode appended rows below while the user was scrolled away (count 0: caught up)."""

        def __init__(self, log_view: LogView, count: int) -> None:
            super().__init__()
            self.log_view = log_view
            self.count = count

        @property
        def control(self) -> LogView:
            return self.log_view

    highlight: reactive[str] = reactive("")
    """Case-insensitive text highlighted in messages ("" for none)."""
    wrap: reactive[bool] = reactive(False)
    """Wrap long messages over several lines instead of cutting them at the edge."""
    placeholder: reactive[str] = reactive("No records.")
    """What to show while nothing is loaded."""

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._store = RowStore()
        self._generation = 0
        self._has_more = False
        self._more_pending = False
        self._cursor: int | None = None
        self._new_count = 0
        # "Show the last line": set by jump_to_end and by follow mode while pinned, kept through layout
        # changes (not laid out yet, a notice appearing above), cleared when the user scrolls away.
        self._stick_end = False
        self._highlight_re: re.Pattern[str] | None = None
        self._row_cache: LRUCache[tuple[int, int, str, bool, bool], list[Strip]] = LRUCache(1024)
        self._lv_styles: dict[str, Style] | None = None
        self._zone: DisplayZone = UTC_ZONE
        self._summary_keys: tuple[str, ...] = DEFAULT_SUMMARY_KEYS
        # Row -> its message's summary (None: not a JSON object). Rows never change until reset().
        self._summaries: LRUCache[int, _Summary | None] = LRUCache(4096)

    # --- public API ----------------------------------------------------------------------------------------

    @property
    def generation(self) -> int:
        return self._generation

    @property
    def loaded_count(self) -> int:
        return len(self._store)

    @property
    def has_more(self) -> bool:
        return self._has_more

    @property
    def new_count(self) -> int:
        return self._new_count

    @property
    def selected_index(self) -> int | None:
        return self._cursor

    @property
    def selected_record(self) -> LogRecord | None:
        return None if self._cursor is None else self._store.record(self._cursor)

    @property
    def store(self) -> RowStore:
        return self._store

    @property
    def zone(self) -> DisplayZone:
        return self._zone

    def set_zone(self, zone: DisplayZone) -> None:
        """Draw timestamps in `zone` (the rows keep the service's UTC text)."""
        if zone != self._zone:
            self._zone = zone
            self._row_cache.clear()
            self.refresh()

    def set_summary_keys(self, keys: Sequence[str]) -> None:
        """The keys a JSON-object message's summary starts with (config: json_summary_keys)."""
        if tuple(keys) != self._summary_keys:
            self._summary_keys = tuple(keys)
            self._summaries.clear()
            self._row_cache.clear()
            self.refresh()

    def shown_time(self, index: int) -> str:
        """Row `index`'s timestamp as the list draws it (in the display zone), before fitting the column."""
        return one_line(self._zone.format_wire(self._store.timestamp(index)))

    def shown_message(self, index: int) -> str:
        """Row `index`'s message as the list draws it: its summary when not wrapping and it is a JSON object
        (unless only the raw text shows the search match), else the raw text; sanitised, not cut to width."""
        return self._shown_message(index)[0]

    def record_at(self, index: int) -> LogRecord:
        return self._store.record(index)

    def last_records(self, n: int) -> list[LogRecord]:
        count = len(self._store)
        return [self._store.record(i) for i in range(max(0, count - n), count)]

    def last_timestamp_run(self) -> tuple[str | None, int]:
        """The last row's timestamp and how many rows at the end share it (follow mode's duplicate guard)."""
        count = len(self._store)
        if not count:
            return None, 0
        last = self._store.timestamp(count - 1)
        run = 1
        while run < count and self._store.timestamp(count - 1 - run) == last:
            run += 1
        return last, run

    def reset(self) -> int:
        """Forget every row; pages for the previous generation are ignored from now on."""
        self._generation += 1
        self._store.clear()
        self._has_more = False
        self._more_pending = False
        self._cursor = None
        self._new_count = 0
        self._stick_end = False
        self._row_cache.clear()
        self._summaries.clear()
        self._layout_changed(scroll_home=True)
        return self._generation

    def append_page(self, records: Sequence[LogRecord], *, has_more: bool, generation: int) -> None:
        """Add the next page of the current window (ignored when `generation` is not the current one)."""
        if generation != self._generation:
            return
        first_page = not self._store
        # A page of the window extends what the user is reading: it never drags the view to its end.
        self._stick_end = False
        self._extend(records)
        self._has_more = has_more
        self._more_pending = False
        if first_page and self._store:
            self._cursor = 0
        self._layout_changed()
        self._maybe_want_more()

    def append_live(self, records: Sequence[LogRecord]) -> None:
        """Follow mode: append new rows; stay pinned to the bottom unless the user scrolled away."""
        if not records:
            return
        pinned = self._stick_end or self._is_pinned()
        cursor_on_last = self._cursor is not None and self._cursor == len(self._store) - 1
        self._extend(records)
        if self._cursor is None:
            self._cursor = 0
        if pinned:
            if cursor_on_last:
                self._cursor = len(self._store) - 1
            self._layout_changed()
            self._pin_to_end()
        else:
            self._layout_changed()
            self._new_count += len(records)
            self.post_message(self.NewRecordsWaiting(self, self._new_count))

    def move_cursor(self, index: int) -> None:
        """Put the cursor on row `index` (clamped to the loaded rows) and scroll it into view."""
        self._move_cursor(index)

    def jump_to_end(self) -> None:
        """Move the cursor to the last row and scroll there; clears the waiting-records count."""
        if self._store:
            self._move_cursor(len(self._store) - 1)
            self._pin_to_end()
        self._clear_new_count()

    # --- internals -----------------------------------------------------------------------------------------

    def _extend(self, records: Sequence[LogRecord]) -> None:
        old_widths = self._column_widths()
        self._store.extend(records)
        if self._column_widths() != old_widths:
            self._row_cache.clear()
            if self.wrap:
                self._store.set_wrap_width(self._message_width())

    def _is_pinned(self) -> bool:
        return self.scroll_offset.y >= self.max_scroll_y

    def _pin_to_end(self) -> None:
        self._stick_end = True
        self._scroll_to_end()
        # Called in the same handler that changed the rows (or before the first layout), the scroll above
        # is clamped to a size that is about to change: apply it again once the layout has settled.
        self.call_after_refresh(self._scroll_to_end)

    def _scroll_to_end(self) -> None:
        if self._stick_end and self._store:
            self.scroll_to(y=self._store.line_count, animate=False)

    def _clear_new_count(self) -> None:
        if self._new_count:
            self._new_count = 0
            self.post_message(self.NewRecordsWaiting(self, 0))

    def _layout_changed(self, *, scroll_home: bool = False) -> None:
        self.virtual_size = Size(0, max(self._store.line_count, 1 if not self._store else 0))
        if scroll_home:
            self.scroll_to(y=0, animate=False)
        self.refresh()

    def _maybe_want_more(self) -> None:
        if not self._has_more or self._more_pending or not self.is_mounted:
            return
        height = self.scrollable_content_region.height
        if height <= 0:
            return
        if self.scroll_offset.y + height >= self._store.line_count - 2 * height:
            self._more_pending = True
            self.post_message(self.MoreWanted(self, self._generation))

    def _column_widths(self) -> tuple[int, int]:
        store = self._store
        return min(store.max_ts_len, _TS_WIDTH_MAX), min(max(store.max_tag_len, 5), _TAG_WIDTH_MAX)

    def _message_width(self) -> int:
        ts_w, tag_w = self._column_widths()
        return max(_MIN_MESSAGE_WIDTH, self.scrollable_content_region.width - ts_w - tag_w - 2)

    def _part_styles(self) -> dict[str, Style]:
        if self._lv_styles is None:
            names = (
                "time",
                "tag-error",
                "tag-warning",
                "tag-info",
                "tag-debug",
                "tag-other",
                "match",
                "cursor",
                "placeholder",
                "key",
            )
            # Full styles, not partial: partial ones leave colours with alpha unblended with the background.
            self._lv_styles = {n: self.get_component_rich_style(f"logview--{n}") for n in names}
            # Widget.rich_style walks the DOM on every call; render_line needs it for every line.
            self._lv_styles["base"] = self.rich_style
        return self._lv_styles

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lv_styles = None
        self._row_cache.clear()

    # --- reactives -----------------------------------------------------------------------------------------

    def watch_highlight(self, value: str) -> None:
        self._highlight_re = re.compile(re.escape(value), re.IGNORECASE) if value else None
        self._row_cache.clear()
        self.refresh()

    def watch_wrap(self, value: bool) -> None:
        anchor_row, screen_offset = self._anchor()
        self._store.set_wrap_width(self._message_width() if value else None)
        self._row_cache.clear()
        self._layout_changed()
        if self._stick_end:
            self._scroll_to_end()
        elif anchor_row is not None:
            self.scroll_to(y=max(0, self._store.row_to_line(anchor_row) - screen_offset), animate=False)

    def watch_placeholder(self) -> None:
        self.refresh()

    def _anchor(self) -> tuple[int | None, int]:
        """A row to keep in place across a relayout: the cursor if on screen, else the top row."""
        if not self._store:
            return None, 0
        top = self.scroll_offset.y
        height = self.scrollable_content_region.height
        if self._cursor is not None:
            line = self._store.row_to_line(self._cursor)
            if top <= line < top + height:
                return self._cursor, line - top
        if top >= self._store.line_count:
            return None, 0
        return self._store.line_to_row(top)[0], 0

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value < old_value and new_value < self.max_scroll_y:
            self._stick_end = False  # the user scrolled up, away from the end
        self._maybe_want_more()
        if self._new_count and self._is_pinned():
            self._clear_new_count()

    def on_resize(self, event: events.Resize) -> None:
        if self.wrap:
            anchor_row, screen_offset = self._anchor()
            self._store.set_wrap_width(self._message_width())
            self._layout_changed()
            if anchor_row is not None and not self._stick_end:
                self.scroll_to(y=max(0, self._store.row_to_line(anchor_row) - screen_offset), animate=False)
        # A shorter viewport (a notice appeared above) would otherwise hide the last rows and unpin follow.
        self._scroll_to_end()
        self._maybe_want_more()

    # --- cursor and keys -----------------------------------------------------------------------------------

    def _move_cursor(self, index: int) -> None:
        if not self._store:
            return
        index = max(0, min(index, len(self._store) - 1))
        if index != self._cursor:
            self._cursor = index
            self.refresh()
        self._scroll_cursor_into_view()

    def _scroll_cursor_into_view(self) -> None:
        if self._cursor is None:
            return
        first = self._store.row_to_line(self._cursor)
        lines = self._store.row_lines(self._cursor)
        top = self.scroll_offset.y
        height = max(1, self.scrollable_content_region.height)
        if first < top:
            self.scroll_to(y=first, animate=False)
        elif first + lines > top + height:
            self.scroll_to(y=min(first, first + lines - height), animate=False)

    def action_cursor_up(self) -> None:
        self._move_cursor((self._cursor or 0) - 1)

    def action_cursor_down(self) -> None:
        self._move_cursor(0 if self._cursor is None else self._cursor + 1)

    def _page(self, direction: int) -> None:
        if not self._store:
            return
        height = max(1, self.scrollable_content_region.height)
        top = self.scroll_offset.y
        cursor_line = self._store.row_to_line(self._cursor or 0)
        offset = min(max(0, cursor_line - top), height - 1)
        new_top = max(0, min(self.max_scroll_y, top + direction * height))
        if new_top == top:
            # Already at the edge: a page key then goes to the first or last row, as in a pager.
            target = len(self._store) - 1 if direction > 0 else 0
        else:
            target = self._store.line_to_row(min(new_top + offset, self._store.line_count - 1))[0]
        self.scroll_to(y=new_top, animate=False)
        if target != self._cursor:
            self._cursor = target
            self.refresh()

    def action_page_down(self) -> None:
        self._page(1)

    def action_page_up(self) -> None:
        self._page(-1)

    def action_cursor_home(self) -> None:
        self._move_cursor(0)

    def action_cursor_end(self) -> None:
        if self._store:
            self.jump_to_end()

    def action_choose(self) -> None:
        if self._cursor is not None and self._store:
            self.post_message(self.RecordChosen(self, self._store.record(self._cursor), self._cursor))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or not self._store:
            return
        line = self.scroll_offset.y + offset.y
        if line >= self._store.line_count:
            return
        self._move_cursor(self._store.line_to_row(line)[0])
        if event.chain >= 2:
            self.action_choose()

    # --- rendering -----------------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self._part_styles()["base"]
        line = self.scroll_offset.y + y
        if not self._store:
            if y == 0 and self.placeholder:
                style = self._part_styles()["placeholder"]
                return Strip([Segment(self.placeholder, style)]).crop_extend(0, width, base)
            return Strip.blank(width, base)
        if line >= self._store.line_count:
            return Strip.blank(width, base)
        row, sub = self._store.line_to_row(line)
        strips = self._row_strips(row, width)
        return strips[sub] if sub < len(strips) else Strip.blank(width, base)

    def _row_strips(self, row: int, width: int) -> list[Strip]:
        is_cursor = row == self._cursor
        key = (row, width, self.highlight, self.wrap, is_cursor)
        cached = self._row_cache.get(key)
        if cached is not None:
            return cached
        strips = self._render_row(row, width, is_cursor)
        self._row_cache[key] = strips
        return strips

    def _render_row(self, row: int, width: int, is_cursor: bool) -> list[Strip]:
        store = self._store
        styles = self._part_styles()
        if is_cursor:
            base = styles["cursor"]
            cursor_bg = Style(bgcolor=base.bgcolor)
            part = {name: style + cursor_bg for name, style in styles.items()}
            part["match"] = styles["match"]
        else:
            base = styles["base"]
            part = styles
        ts_w, tag_w = self._column_widths()
        tag = store.tag(row)
        # Timestamp and tag come from the server as much as the message does: same sanitizing.
        tag_text = one_line(tag if len(tag) <= tag_w else tag[: tag_w - 1] + "\u2026")
        gutter = [
            Segment(_fit(self.shown_time(row), ts_w), part["time"]),
            Segment(" ", base),
            Segment(tag_text.ljust(tag_w), part[f"tag-{severity_of(tag)}"]),
            Segment(" ", base),
        ]
        gutter_w = ts_w + tag_w + 2
        message, matches, keys = self._shown_message(row)
        if self.wrap:
            msg_w = self._store.wrap_width or self._message_width()  # the width the store counted lines at
        else:
            msg_w = max(1, width - gutter_w)
        if not self.wrap:
            if keys:
                msg_segments = _styled_summary(message, base, part["key"], part["match"], keys, matches)
            else:
                msg_segments = _styled(message, 0, len(message), base, part["match"], matches)
            # One Strip per line: intermediate Strips (each with its own caches) cost more than the text.
            if (len(message) if message.isascii() else cell_len(message)) > msg_w:
                # Cut with an ellipsis so a cut message is visibly incomplete (the wrap toggle shows it all).
                cut = Segment.adjust_line_length(msg_segments, msg_w - 1, base, pad=True)
                body = [*cut, Segment("\u2026", part["time"])]
            else:
                body = Segment.adjust_line_length(msg_segments, msg_w, base, pad=True)
            return [Strip([*gutter, *body], gutter_w + msg_w)]
        # The same line breaks as the store counted (wrap_spans), so line counts and drawing agree.
        blank_gutter = Segment(" " * gutter_w, base)
        strips = []
        for n, (start, end) in enumerate(wrap_spans(message, msg_w)):
            piece = _styled(message, start, end, base, part["match"], matches)
            body = Segment.adjust_line_length(piece, msg_w, base, pad=True)
            line = Strip([*(gutter if n == 0 else [blank_gutter]), *body], gutter_w + msg_w)
            strips.append(line.crop(0, width) if line.cell_length > width else line)
        return strips

    def _shown_message(self, row: int) -> tuple[str, list[tuple[int, int]], list[tuple[int, int]]]:
        """(text drawn, search matches in it, spans of the summary's "key=" parts; none for raw text)."""
        raw = self._store.message(row)
        # Wrapping shows the raw text: the store counts wrapped lines from the raw bytes, and `w` is how a
        # reader sees a message exactly as it was sent.
        summary = None if self.wrap else self._summary(row, raw)
        if summary is not None:
            shown, keys = summary
            matches = self._matches(shown)
            # A match across the JSON's punctuation ('"level": "error"') has no place in the summary: show
            # the raw text then, so every row the server matched shows where.
            if matches or self._highlight_re is None:
                return shown, matches, keys
        message = display_text(raw)
        return message, self._matches(message), []

    def _summary(self, row: int, raw: str) -> _Summary | None:
        if not raw or (raw[0] != "{" and not raw[0].isspace()):
            return None  # the common case, decided without a cache lookup
        cached = self._summaries.get(row, _NOT_CACHED)
        if cached is not _NOT_CACHED:
            return cast("_Summary | None", cached)
        fields = summary_fields(raw, self._summary_keys)
        summary: _Summary | None = None
        if fields is not None:
            parts, keys, pos = [], [], 0
            for key, value in fields:
                parts.append(f"{key}={value}")
                keys.append((pos, pos + len(key) + 1))
                pos += len(key) + len(value) + 2
            # display_text keeps every character's index (one cell per control character), so the key
            # spans hold for the text drawn.
            summary = (display_text(" ".join(parts)), keys)
        self._summaries[row] = summary
        return summary

    def _matches(self, message: str) -> list[tuple[int, int]]:
        pattern = self._highlight_re
        return [] if pattern is None else [m.span() for m in pattern.finditer(message) if m.end() > m.start()]


def _fit(text: str, width: int) -> str:
    """`text` padded, or cut with an ellipsis, to `width` characters."""
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "\u2026"


def _styled(
    text: str, start: int, end: int, style: Style, match_style: Style, matches: list[tuple[int, int]]
) -> list[Segment]:
    """Segments of text[start:end], with the parts inside `matches` (sorted spans) in `match_style`."""
    segments: list[Segment] = []
    pos = start
    for m_start, m_end in matches:
        if m_end <= start:
            continue
        if m_start >= end:
            break
        m_start, m_end = max(m_start, start), min(m_end, end)
        if m_start > pos:
            segments.append(Segment(text[pos:m_start], style))
        segments.append(Segment(text[m_start:m_end], match_style))
        pos = m_end
    if pos < end:
        segments.append(Segment(text[pos:end], style))
    return segments


def _styled_summary(
    text: str,
    style: Style,
    key_style: Style,
    match_style: Style,
    keys: list[tuple[int, int]],
    matches: list[tuple[int, int]],
) -> list[Segment]:
    """Segments of a summary line: "key=" parts in `key_style`, search matches (over keys too) in
    `match_style`, the rest in `style`. Both span lists are sorted and non-overlapping."""
    n = len(text)
    cuts = sorted({0, n, *(p for span in keys for p in span if p < n), *(p for m in matches for p in m)})
    segments: list[Segment] = []
    k = m = 0
    for start, end in pairwise(cuts):
        while m < len(matches) and matches[m][1] <= start:
            m += 1
        while k < len(keys) and keys[k][1] <= start:
            k += 1
        if m < len(matches) and matches[m][0] <= start:
            part = match_style
        elif k < len(keys) and keys[k][0] <= start:
            part = key_style
        else:
            part = style
        if segments and segments[-1].style is part:
            segments[-1] = Segment(segments[-1].text + text[start:end], part)
        else:
            segments.append(Segment(text[start:end], part))
    return segments
