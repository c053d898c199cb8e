"""A histogram strip of the time window: stacked bars per bucket, coloured by tag, from `/stats`.

Each terminal cell shows up to two tags: the lower one as a partial block (foreground colour) and the one
above as the cell's background, which gives 8 levels per cell and a readable stack in a few rows.
Clicking a bar (or left/right + enter when focused) posts `BucketChosen` with that bar's time range.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Literal

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from logtui.core.display_zone import UTC_ZONE, DisplayZone
from logtui.core.safe_text import one_line
from logtui.ui.widgets.log_view import severity_of

if TYPE_CHECKING:
    from logtui.core.client import Stats

#: Lower-block characters by how many eighths of the cell they fill.
BLOCKS = " \u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588"
#: Stacking order from the baseline up: the rare, severe tags sit at the bottom where they stay visible.
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2, "debug": 3, "other": 4}

State = Literal["idle", "loading", "unavailable", "stats"]


def stack_order(tags: Sequence[str]) -> list[str]:
    return sorted(tags, key=lambda t: (_SEVERITY_ORDER[severity_of(t)], t))


def column_groups(buckets: int, width: int) -> tuple[list[tuple[int, int]], list[int]]:
    """Split `buckets` over `width` columns: the bucket range of each bar, and the bar under each column.

    With fewer buckets than columns a bar is one bucket drawn several columns wide; with more, a bar
    (one column) sums several neighbouring buckets.
    """
    if buckets <= 0 or width <= 0:
        return [], []
    if buckets <= width:
        return [(g, g + 1) for g in range(buckets)], [c * buckets // width for c in range(width)]
    groups = [(c * buckets // width, (c + 1) * buckets // width) for c in range(width)]
    return groups, list(range(width))


def cell_stack(segments: Sequence[tuple[str, int]], row: int) -> tuple[str | None, int, str | None]:
    """What one cell of a stacked bar shows: (lower tag, eighths it fills, tag above it or None).

    `segments` are (tag, height in eighths) from the baseline up; `row` counts cells from the bottom.
    """
    lo, hi = row * 8, row * 8 + 8
    spans: list[tuple[str, int, int]] = []
    pos = 0
    for tag, height in segments:
        if height > 0:
            spans.append((tag, pos, pos + height))
            pos += height
    total = pos
    if total <= lo:
        return None, 0, None
    lower, lower_end = next((t, e) for t, s, e in spans if s <= lo < e)
    if lower_end >= hi:
        return lower, 8, None
    if total < hi:
        # The stack ends inside this cell: show its true height in the lower tag's colour.
        return lower, total - lo, None
    upper = next(t for t, s, e in spans if s <= lower_end < e)
    return lower, lower_end - lo, upper


class Histogram(Widget, can_focus=True):
    """Counts per time bucket of the current window, stacked by tag."""

    DEFAULT_CSS = """
    Histogram {
        height: 5;
        background: $surface;
        color: $foreground;
        & > .histogram--label { color: $foreground-muted; }
        & > .histogram--message { color: $foreground-muted; text-style: italic; }
        & > .histogram--tag-error { color: $error; }
        & > .histogram--tag-warning { color: $warning; }
        & > .histogram--tag-info { color: $success; }
        & > .histogram--tag-debug { color: $foreground-disabled; }
        & > .histogram--tag-other { color: $accent; }
        & > .histogram--selected { background: $block-cursor-blurred-background; }
        &:focus > .histogram--selected { background: $block-cursor-background; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "histogram--label",
        "histogram--message",
        "histogram--tag-error",
        "histogram--tag-warning",
        "histogram--tag-info",
        "histogram--tag-debug",
        "histogram--tag-other",
        "histogram--selected",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "select(-1)", "Earlier bar", show=False),
        Binding("right", "select(1)", "Later bar", show=False),
        Binding("home", "select_edge(0)", "First bar with records", show=False),
        Binding("end", "select_edge(1)", "Last bar with records", show=False),
        Binding("pageup", "select_busy(-1)", "Previous bar with records", show=False),
        Binding("pagedown", "select_busy(1)", "Next bar with records", show=False),
        Binding("enter", "choose", "Zoom to bar"),
    ]

    class BucketChosen(Message):
        """The user picked a bar: zoom the window to [start, end]."""

        def __init__(self, histogram: Histogram, start: datetime, end: datetime) -> None:
            super().__init__()
            self.histogram = histogram
            self.start = start
            self.end = end

        @property
        def control(self) -> Histogram:
            return self.histogram

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._state: State = "idle"
        self._message = ""
        self._stats: Stats | None = None
        self._selected: int | None = None
        self._lines: list[Strip] | None = None
        self._lines_key: tuple[int, int, int | None, bool] | None = None
        self._zone: DisplayZone = UTC_ZONE

    # --- public API ----------------------------------------------------------------------------------------

    @property
    def state(self) -> State:
        return self._state

    @property
    def message(self) -> str:
        """The text shown instead of bars (loading, unavailable, empty); "" when bars are drawn."""
        return self._message

    @property
    def stats(self) -> Stats | None:
        return self._stats

    @property
    def selected(self) -> int | None:
        """Index of the selected bar (see `bar_range`)."""
        return self._selected

    def set_zone(self, zone: DisplayZone) -> None:
        """Write the times under the bars (and in a bar's description) in `zone`."""
        if zone != self._zone:
            self._zone = zone
            self._invalidate()

    def show_stats(self, stats: Stats) -> None:
        self._state = "stats"
        self._stats = stats
        self._selected = None
        if not stats.total:
            self._message = "No records in this window."
        elif not stats.buckets:  # a server (or a proxy) that sends totals without a time series
            self._message = (
                f"{stats.total:,} {'record' if stats.total == 1 else 'records'}; no time buckets to draw."
            )
        else:
            self._message = ""
        self._invalidate()

    def show_unavailable(self, reason: str) -> None:
        self._state = "unavailable"
        self._stats = None
        self._selected = None
        self._message = f"Histogram unavailable: {reason}"
        self._invalidate()

    def show_loading(self) -> None:
        self._state = "loading"
        self._selected = None
        self._message = "Loading histogram\u2026"
        self._invalidate()

    def bar_count(self) -> int:
        return len(self._groups()[0])

    def bar_range(self, bar: int) -> tuple[datetime, datetime]:
        """The time range [start, end] covered by bar `bar` at the current width."""
        assert self._stats is not None
        lo, hi = self._groups()[0][bar]
        start, end = self._stats.buckets[lo].start, self._stats.buckets[hi - 1].end
        window = self._stats.window
        # Buckets are rounded outwards; a bar never reaches outside the window it was asked for.
        if window is not None and window.start is not None and start < window.start:
            start = window.start
        if window is not None and window.end is not None and end > window.end:
            end = window.end
        return start, end

    def _ends(self) -> tuple[datetime, datetime]:
        """The times to print under the first and the last bar: the window's, not the rounded buckets'."""
        assert self._stats is not None and self._stats.buckets
        stats = self._stats
        start, end = stats.buckets[0].start, stats.buckets[-1].end
        if stats.window is None:
            return start, end
        if stats.window.start is not None:
            start = max(start, stats.window.start)
        if stats.window.end is not None:
            end = min(end, stats.window.end)
        elif stats.last_timestamp is not None:
            end = min(end, stats.last_timestamp)  # open end: up to the newest record
        return start, max(start, end)  # (a window that starts after the newest record)

    def bar_at(self, x: int) -> int | None:
        """The bar drawn in column `x`, if any."""
        columns = self._groups()[1]
        return columns[x] if 0 <= x < len(columns) else None

    # --- selection -----------------------------------------------------------------------------------------

    def action_select(self, step: int) -> None:
        count = self.bar_count()
        if not count:
            return
        if self._selected is None:
            # Start where the data is: records often fill a short stretch of a long window.
            self.action_select_edge(1 if step < 0 else 0)
            return
        self._selected = max(0, min(count - 1, self._selected + step))
        self._invalidate()

    def action_select_edge(self, last: int) -> None:
        """The first (or last) bar with records; the window's edge when there are none."""
        busy = self._busy_bars()
        count = self.bar_count()
        if count:
            self._selected = (busy[-1] if last else busy[0]) if busy else (count - 1 if last else 0)
            self._invalidate()

    def action_select_busy(self, direction: int) -> None:
        """Jump over empty bars to the previous / next one with records."""
        if self._selected is None:
            self.action_select(direction)
            return
        busy = self._busy_bars()
        after = [b for b in busy if (b - self._selected) * direction > 0]
        if after:
            self._selected = after[0] if direction > 0 else after[-1]
            self._invalidate()

    def _busy_bars(self) -> list[int]:
        if self._stats is None:
            return []
        buckets = self._stats.buckets
        groups = self._groups()[0]
        return [bar for bar, (lo, hi) in enumerate(groups) if any(b.total for b in buckets[lo:hi])]

    def action_choose(self) -> None:
        if self._selected is not None and self._selected < self.bar_count():
            self._post_chosen(self._selected)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        bar = self.bar_at(offset.x)
        if bar is None:
            return
        self._selected = bar
        self._invalidate()
        self._post_chosen(bar)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        offset = event.get_content_offset(self)
        bar = None if offset is None else self.bar_at(offset.x)
        # Text, not str: a str tooltip is parsed as markup, and tag names come from the server.
        self.tooltip = None if bar is None else Text(self._describe(bar))

    def _post_chosen(self, bar: int) -> None:
        start, end = self.bar_range(bar)
        if bar not in self._busy_bars():
            # Zooming into an empty stretch only shows "No records."; say so instead of leaving the window.
            self.notify(f"No records in {_span(start, end, self._zone)}: nothing to zoom into.", timeout=3)
            return
        self.post_message(self.BucketChosen(self, start, end))

    def _describe(self, bar: int) -> str:
        assert self._stats is not None
        lo, hi = self._groups()[0][bar]
        start, end = self.bar_range(bar)
        counts: dict[str, int] = {}
        for bucket in self._stats.buckets[lo:hi]:
            for tag, n in bucket.counts.items():
                counts[tag] = counts.get(tag, 0) + n
        detail = (
            ", ".join(f"{tag} {counts[tag]:,}" for tag in stack_order([t for t in counts if counts[t]]))
            or "no records"
        )
        return one_line(f"{_span(start, end, self._zone)}: {detail}")

    # --- rendering -----------------------------------------------------------------------------------------

    def _groups(self) -> tuple[list[tuple[int, int]], list[int]]:
        if self._stats is None or self._state != "stats":
            return [], []
        return column_groups(len(self._stats.buckets), self.content_region.width)

    def _invalidate(self) -> None:
        self._lines = None
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines = None

    def on_focus(self) -> None:
        self._invalidate()

    def on_blur(self) -> None:
        self._invalidate()

    def on_resize(self) -> None:
        self._invalidate()

    def render_line(self, y: int) -> Strip:
        width, height = self.content_region.width, self.content_region.height
        key = (width, height, self._selected, self.has_focus)
        if self._lines is None or self._lines_key != key:
            self._lines = self._render_all(width, height)
            self._lines_key = key
        return self._lines[y] if y < len(self._lines) else Strip.blank(width, self.rich_style)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"histogram--{name}")

    def _render_all(self, width: int, height: int) -> list[Strip]:
        base = self.rich_style
        blank = Strip.blank(width, base)
        lines = [blank] * height
        if height <= 0 or width <= 0:
            return lines
        stats = self._stats
        if self._message or stats is None:
            # Wrapped at spaces over the strip's rows (a narrow terminal must not cut a sentence mid-word).
            rows = textwrap.wrap(self._message, width) or [""]
            room = height - 1 if stats is not None and height > 1 else height
            if len(rows) > room:
                rows = [*rows[: room - 1], _cut_at_word(" ".join(rows[room - 1 :]), width)]
            # Centred on the strip's middle row, as a one-line message always was; kept above the labels.
            top = max(0, min((height - 1) // 2 - (len(rows) - 1) // 2, room - len(rows)))
            for i, text in enumerate(rows):
                lines[top + i] = Strip([Segment(text, self._style("message"))]).crop_extend(0, width, base)
            if stats is not None and height > 1:
                lines[-1] = self._label_line(width)
            return lines
        bar_rows = max(1, height - 1) if height > 1 else 1
        lines[:bar_rows] = self._bar_lines(stats, width, bar_rows)
        if height > 1:
            lines[-1] = self._label_line(width)
        return lines

    def _bar_lines(self, stats: Stats, width: int, rows: int) -> list[Strip]:
        groups, columns = column_groups(len(stats.buckets), width)
        if not groups:
            return [Strip.blank(width, self.rich_style)] * rows
        order = stack_order(list(stats.tags) or sorted({t for b in stats.buckets for t in b.counts}))
        sums: list[dict[str, int]] = []
        for lo, hi in groups:
            acc: dict[str, int] = {}
            for bucket in stats.buckets[lo:hi]:
                for tag, n in bucket.counts.items():
                    acc[tag] = acc.get(tag, 0) + n
            sums.append(acc)
        peak = max((sum(s.values()) for s in sums), default=0) or 1
        units = rows * 8
        stacks: list[list[tuple[str, int]]] = []
        for acc in sums:
            # Heights from cumulative counts so rounding never makes a stack taller than its total;
            # any non-empty bar gets at least one eighth so a lone record is still visible.
            stack: list[tuple[str, int]] = []
            cum, prev = 0, 0
            tags = [t for t in order if acc.get(t)] + sorted(t for t in acc if t not in order and acc[t])
            for tag in tags:
                cum += acc[tag]
                top = max(prev + 1, round(cum * units / peak)) if acc[tag] else prev
                stack.append((tag, top - prev))
                prev = top
            stacks.append(stack)
        tag_styles = {tag: self._style(f"tag-{severity_of(tag)}") for stack in stacks for tag, _ in stack}
        selected_bg = self._style("selected").bgcolor
        base = self.rich_style
        lines: list[Strip] = []
        for r in range(rows - 1, -1, -1):
            segments: list[Segment] = []
            for col in range(width):
                group = columns[col]
                lower, fill, upper = cell_stack(stacks[group], r)
                bg = selected_bg if group == self._selected else base.bgcolor
                if lower is None:
                    segments.append(Segment(" ", Style(bgcolor=bg)))
                    continue
                fg = tag_styles[lower].color
                if upper is not None:
                    bg = tag_styles[upper].color
                segments.append(Segment(BLOCKS[fill], Style(color=fg, bgcolor=bg)))
            lines.append(Strip(segments, width).simplify())
        return lines

    def _label_line(self, width: int) -> Strip:
        stats = self._stats
        base = self.rich_style
        label = self._style("label")
        if stats is None or not stats.buckets:
            return Strip.blank(width, base)
        first, last = self._ends()
        left, right = self._zone.format_day_time(first), self._zone.format_day_time(last)
        room = width - len(left) - len(right) - 4
        if room < 10:
            return Strip([Segment(left, label)]).crop_extend(0, width, base)
        middle: list[Segment] = []
        if self._selected is not None and self._selected < self.bar_count():
            middle.append(
                Segment(_cut_at_word(self._describe(self._selected) + "  \u23ce zoom", room), label)
            )
        else:
            noun = "record" if stats.total == 1 else "records"
            # Honest about where the counts come from: the target has no /stats, logtui counted them.
            counted = " (counted by logtui)" if stats.counted_here else ""
            middle.append(Segment(_cut_at_word(f"{stats.total:,} {noun}{counted}", room) + "  ", label))
            # Whole legend entries only: what does not fit is counted, never cut in the middle of a tag.
            tags = stack_order(list(stats.tags))
            used = Strip(middle).cell_length
            for i, tag in enumerate(tags):
                entry = f"{one_line(tag)} {stats.tags[tag]:,} "
                more = len(tags) - i - 1
                reserve = len(f"+{more} more") if more else 0
                if used + 1 + len(entry) + reserve > room:
                    middle.append(Segment(f"+{len(tags) - i} more", label))
                    break
                middle.append(Segment("\u25a0", self._style(f"tag-{severity_of(tag)}")))
                middle.append(Segment(entry, label))
                used += 1 + len(entry)
        middle_strip = Strip(middle).crop(0, room)
        pad = room - middle_strip.cell_length
        segments = [
            Segment(left, label),
            Segment(" " * (2 + pad // 2), base),
            *middle_strip,
            Segment(" " * (2 + pad - pad // 2), base),
            Segment(right, label),
        ]
        return Strip(segments).crop_extend(0, width, base)


def _span(start: datetime, end: datetime, zone: DisplayZone) -> str:
    left, right = zone.format_day_time(start), zone.format_day_time(end)
    if left[:10] == right[:10]:
        return f"{left[11:]}\u2013{right[11:]}"
    return f"{left} \u2013 {right}"


def _cut_at_word(text: str, width: int) -> str:
    """`text` in `width` cells, cut at a space with an ellipsis rather than in the middle of a word."""
    if len(text) <= width:
        return text
    cut = text[: max(0, width - 1)]
    if " " in cut:
        cut = cut[: cut.rindex(" ")].rstrip()
    return cut + "\u2026"
