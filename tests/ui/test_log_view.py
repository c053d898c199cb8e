"""LogView and its RowStore, driven in a small test app with real LogRecord objects (no server needed)."""

from __future__ import annotations

import random

from log_analyzer.record import LogRecord
from rich.style import Style
from textual import on
from textual.app import App, ComposeResult
from textual.message import Message
from textual.strip import Strip
from textual.widgets import Static

from logtui.ui.widgets.log_view import LogView
from logtui.ui.widgets.row_store import CHUNK_TARGET, RowStore, display_text, wrap_spans

TAGS = ("INFO", "ERROR", "WARNING", "DEBUG")


def make_records(n: int, start: int = 0, *, message: str = "message {i}") -> list[LogRecord]:
    return [
        LogRecord(f"2023-04-23T10:{(i // 60) % 60:02d}:{i % 60:02d}", TAGS[i % 4], message.format(i=i))
        for i in range(start, start + n)
    ]


class ViewApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.posted: list[Message] = []

    def compose(self) -> ComposeResult:
        yield LogView()

    @on(LogView.MoreWanted)
    @on(LogView.RecordChosen)
    @on(LogView.NewRecordsWaiting)
    def record_message(self, message: Message) -> None:
        self.posted.append(message)

    def of_type(self, kind: type[Message]) -> list[Message]:
        return [m for m in self.posted if isinstance(m, kind)]


def line_text(view: LogView, y: int) -> str:
    return view.render_line(y).text.rstrip()


def segment_styles(strip: Strip, text: str) -> list[Style]:
    """Styles of the segments whose text (padding aside) is `text`."""
    return [seg.style for seg in strip if seg.text.strip() == text and seg.style is not None]


# --- RowStore ---


def test_row_store_round_trips_records_including_unicode_and_control_characters() -> None:
    records = [
        *make_records(50),
        LogRecord("2023-04-23T10:00:00.123456", "ERROR", "naïve café ☕ 日本語"),
        LogRecord("2023-04-23T10:00:01", "custom-tag", "line one\nline two\tTabbed"),
        LogRecord("2023-04-23T10:00:02", "INFO", ""),
    ]
    store = RowStore()
    store.extend(records[:20])
    store.extend(records[20:])
    assert len(store) == len(records)
    assert [store.record(i) for i in range(len(store))] == records
    assert store.tags == ["INFO", "ERROR", "WARNING", "DEBUG", "custom-tag"]
    assert store.max_ts_len == len("2023-04-23T10:00:00.123456")


def test_row_store_merges_small_live_batches_into_bounded_chunks() -> None:
    store = RowStore()
    batches = 3 * CHUNK_TARGET // 10
    for i in range(batches):
        store.extend(make_records(10, start=i * 10))
    assert len(store) == batches * 10
    # One chunk per CHUNK_TARGET rows, not one per live batch.
    assert len(store._chunks) <= 4
    assert store.record(CHUNK_TARGET + 5) == make_records(1, start=CHUNK_TARGET + 5)[0]


def test_row_store_is_compact() -> None:
    records = make_records(20_000, message="request handled in {i} ms for user abc")
    store = RowStore()
    store.extend(records)
    text_bytes = sum(len(r.timestamp) + len(r.message) for r in records)
    # The text itself plus two 4-byte offsets and a 2-byte tag id per row.
    assert store.nbytes() <= text_bytes + 10 * len(records) + 64


def reference_wrap(text: str, width: int) -> list[str]:
    """Word wrap spelled out slowly: break at the last space that fits, else cut a too-long word."""
    from rich.cells import cell_len

    lines: list[str] = []
    rest = text
    while cell_len(rest) > width:
        fits = max(1, max(k for k in range(len(rest) + 1) if cell_len(rest[:k]) <= width))
        space = rest.rfind(" ", 1, fits + 1)
        if space > 0:
            lines.append(rest[:space])
            rest = rest[space:].lstrip(" ")
        else:
            lines.append(rest[:fits])
            rest = rest[fits:]
    if rest or not lines:
        lines.append(rest)
    return lines


def test_wrap_breaks_at_spaces_and_cuts_only_words_longer_than_a_line() -> None:
    def wrap(text: str, width: int) -> list[str]:
        return [text[a:b] for a, b in wrap_spans(text, width)]

    assert wrap("word word word word", 12) == ["word word", "word word"]
    assert wrap("a xxxxxxxxxxxxxxxxxxxxxxxx b", 10) == ["a", "xxxxxxxxxx", "xxxxxxxxxx", "xxxx b"]
    assert wrap("aaaa  bbbb   ", 4) == ["aaaa", "bbbb"]  # the spaces at a break are not drawn
    assert wrap("  indented text", 20) == ["  indented text"]
    assert wrap("", 5) == [""]
    assert wrap("日本語 の テキスト", 6) == ["日本語", "の", "テキス", "ト"]  # by cells: 2 per character


def test_row_store_wrap_layout_matches_the_drawn_lines() -> None:
    rng = random.Random(7)
    words = ["alpha", "beta", "日本語", "x" * 30, "café", "", "tab\there", "cr\rlf\n", "\x1b[31m", "  "]
    records = [
        LogRecord(
            "2023-04-23T10:00:00", "INFO", " ".join(rng.choice(words) for _ in range(rng.randint(0, 12)))
        )
        for _ in range(300)
    ]
    ascii_only = [r for r in records if r.message.isascii()]
    store = RowStore()
    store.set_wrap_width(17)
    store.extend(records[:100])
    store.extend(records[100:])  # merged into the first chunk: its line counts are recomputed
    store.extend(ascii_only)  # an ASCII-only chunk: counted on the packed bytes
    rows = [*records, *ascii_only]

    expected = [len(reference_wrap(display_text(r.message), 17)) for r in rows]
    assert expected == [len(wrap_spans(display_text(r.message), 17)) for r in rows]  # what LogView draws
    assert store.line_count == sum(expected)
    y = 0
    for i, count in enumerate(expected):
        assert store.row_to_line(i) == y
        assert store.row_lines(i) == count
        for sub in range(count):
            assert store.line_to_row(y + sub) == (i, sub)
        y += count
    store.set_wrap_width(None)
    assert store.line_count == len(rows)
    assert store.line_to_row(42) == (42, 0)


# --- LogView: rendering ---


async def test_renders_only_visible_rows_of_a_large_page() -> None:
    app = ViewApp()
    async with app.run_test(size=(100, 12)) as pilot:
        view = app.query_one(LogView)
        generation = view.reset()
        view.append_page(make_records(100_000), has_more=False, generation=generation)
        await pilot.pause()
        assert view.loaded_count == 100_000
        assert view.virtual_size.height == 100_000
        # Only the rows on screen were rendered (and cached), not the 100,000 loaded ones.
        assert 0 < len(view._row_cache) <= view.scrollable_content_region.height
        # The tag column is as wide as the longest tag seen (WARNING).
        assert line_text(view, 0) == "2023-04-23T10:00:00 INFO    message 0"
        assert line_text(view, 3) == "2023-04-23T10:00:03 DEBUG   message 3"


async def test_tags_are_coloured_by_severity_and_the_cursor_row_is_marked() -> None:
    app = ViewApp()
    async with app.run_test(size=(100, 12)) as pilot:
        view = app.query_one(LogView)
        view.append_page(make_records(10), has_more=False, generation=view.reset())
        view.focus()
        await pilot.pause()
        error_style = view.get_component_rich_style("logview--tag-error")
        info_style = view.get_component_rich_style("logview--tag-info")
        cursor_style = view.get_component_rich_style("logview--cursor")
        assert error_style.color != info_style.color
        # Row 1 is an ERROR row (not the cursor row): its tag cell carries the error colour.
        assert [s.color for s in segment_styles(view.render_line(1), "ERROR")] == [error_style.color]
        assert [s.color for s in segment_styles(view.render_line(2), "WARNING")] == [
            view.get_component_rich_style("logview--tag-warning").color
        ]
        # The cursor starts on the first row: its background is the cursor's, the others' is not.
        assert view.selected_index == 0
        assert all(seg.style.bgcolor == cursor_style.bgcolor for seg in view.render_line(0) if seg.style)
        assert all(seg.style.bgcolor != cursor_style.bgcolor for seg in view.render_line(1) if seg.style)


async def test_highlight_marks_every_case_insensitive_match() -> None:
    app = ViewApp()
    async with app.run_test(size=(100, 12)) as pilot:
        view = app.query_one(LogView)
        records = [
            LogRecord("2023-04-23T10:00:00", "INFO", "Disk FULL on /var, full again"),
            LogRecord("2023-04-23T10:00:01", "INFO", "nothing here"),
        ]
        view.append_page(records, has_more=False, generation=view.reset())
        view.highlight = "full"
        await pilot.pause()
        match_bg = view.get_component_rich_style("logview--match").bgcolor
        strip = view.render_line(0)
        matched = [seg.text for seg in strip if seg.style is not None and seg.style.bgcolor == match_bg]
        assert matched == ["FULL", "full"]
        assert not [seg for seg in view.render_line(1) if seg.style and seg.style.bgcolor == match_bg]
        view.highlight = ""
        await pilot.pause()
        assert not [seg for seg in view.render_line(0) if seg.style and seg.style.bgcolor == match_bg]


async def test_wrap_shows_long_messages_over_several_lines() -> None:
    app = ViewApp()
    async with app.run_test(size=(60, 12)) as pilot:
        view = app.query_one(LogView)
        long = "word " * 30
        records = [
            LogRecord("2023-04-23T10:00:00", "INFO", "short"),
            LogRecord("2023-04-23T10:00:01", "ERROR", long.strip()),
            LogRecord("2023-04-23T10:00:02", "INFO", "after"),
        ]
        view.append_page(records, has_more=False, generation=view.reset())
        await pilot.pause()
        assert view.virtual_size.height == 3
        assert line_text(view, 2).endswith("after")
        view.wrap = True
        await pilot.pause()
        lines = [line_text(view, y) for y in range(view.virtual_size.height)]
        assert view.virtual_size.height > 3
        assert lines[0].endswith("short")
        assert lines[-1].endswith("after")
        # The continuation lines are indented under the message column and carry the rest of the text.
        wrapped = lines[1:-1]
        assert len(wrapped) >= 3
        gutter = len("2023-04-23T10:00:01 ERROR ")  # no WARNING loaded: the tag column is 5 wide
        assert all(line[:gutter].strip() == "" for line in wrapped[1:])
        # Broken at spaces: every line holds whole words, and together they are the message.
        assert all(line[gutter:].split(" ") == ["word"] * len(line[gutter:].split(" ")) for line in wrapped)
        assert " ".join(line[gutter:] for line in wrapped) == long.strip()
        view.highlight = "WORD"
        await pilot.pause()
        match_bg = view.get_component_rich_style("logview--match").bgcolor
        matched = [
            seg.text
            for y in range(1, len(lines) - 1)
            for seg in view.render_line(y)
            if seg.style is not None and seg.style.bgcolor == match_bg
        ]
        assert matched == ["word"] * 30
        view.highlight = ""
        view.wrap = False
        await pilot.pause()
        assert view.virtual_size.height == 3


async def test_control_characters_in_any_column_are_drawn_as_visible_cells() -> None:
    from logtui.core.safe_text import CONTROL

    app = ViewApp()
    async with app.run_test(size=(100, 8)) as pilot:
        view = app.query_one(LogView)
        records = [
            LogRecord("2023-04-23T10:00:00", "INFO", "title \x1b]0;PWNED\x07 after \x9b2J\tx"),
            LogRecord("2023-04-23T10:00:01\x1b[2J", "IN\x1b]0;T\x07", "m"),
        ]
        view.append_page(records, has_more=False, generation=view.reset())
        view.wrap = True
        await pilot.pause()
        lines = [line_text(view, y) for y in range(2)]
        assert not [line for line in lines if CONTROL.search(line)]
        assert "title \ufffd]0;PWNED\ufffd after \ufffd2J x" in lines[0]
        assert lines[1].startswith("2023-04-23T10:00:01\ufffd[2J IN\ufffd]0;T\ufffd")

        # A timestamp far longer than the service's own is cut, not allowed to push the message off screen.
        view.append_page(
            [LogRecord("2023-04-23T10:00:00" + "9" * 5000, "INFO", "still visible")],
            has_more=False,
            generation=view.reset(),
        )
        await pilot.pause()
        assert line_text(view, 0).endswith("still visible")
        assert "\u2026" in line_text(view, 0)


async def test_placeholder_shows_while_empty() -> None:
    app = ViewApp()
    async with app.run_test(size=(60, 6)) as pilot:
        view = app.query_one(LogView)
        view.placeholder = "Loading records…"
        await pilot.pause()
        assert line_text(view, 0) == "Loading records…"


# --- LogView: paging and generations ---


async def test_more_wanted_fires_once_per_page_near_the_end() -> None:
    app = ViewApp()
    async with app.run_test(size=(80, 12)) as pilot:
        view = app.query_one(LogView)
        generation = view.reset()
        view.append_page(make_records(200), has_more=True, generation=generation)
        view.focus()
        await pilot.pause()
        assert app.of_type(LogView.MoreWanted) == []  # 200 rows is more than two screens ahead
        await pilot.press("end")
        await pilot.press("up", "up", "pageup", "end")
        await pilot.pause()
        wanted = app.of_type(LogView.MoreWanted)
        assert len(wanted) == 1
        assert isinstance(wanted[0], LogView.MoreWanted) and wanted[0].generation == generation
        # The next page arrives; still near the end, so exactly one more request follows.
        view.append_page(make_records(5, start=200), has_more=True, generation=generation)
        await pilot.pause()
        assert len(app.of_type(LogView.MoreWanted)) == 2
        view.append_page(make_records(5, start=205), has_more=False, generation=generation)
        await pilot.press("end")
        await pilot.pause()
        assert len(app.of_type(LogView.MoreWanted)) == 2
        assert view.loaded_count == 210
        assert view.selected_record == make_records(1, start=209)[0]


async def test_pages_of_a_stale_generation_are_ignored() -> None:
    app = ViewApp()
    async with app.run_test(size=(80, 12)) as pilot:
        view = app.query_one(LogView)
        old = view.reset()
        view.append_page(make_records(3), has_more=True, generation=old)
        new = view.reset()
        assert new == old + 1
        assert view.loaded_count == 0 and not view.has_more
        view.append_page(make_records(50), has_more=True, generation=old)
        await pilot.pause()
        assert view.loaded_count == 0
        view.append_page(make_records(2, start=7), has_more=False, generation=new)
        await pilot.pause()
        assert view.loaded_count == 2
        assert view.record_at(0) == make_records(1, start=7)[0]
        assert line_text(view, 0).endswith("message 7")


async def test_page_down_moves_cursor_and_viewport_by_a_screen() -> None:
    app = ViewApp()
    async with app.run_test(size=(80, 12)) as pilot:
        view = app.query_one(LogView)
        view.append_page(make_records(1000), has_more=False, generation=view.reset())
        view.focus()
        await pilot.pause()
        height = view.scrollable_content_region.height
        await pilot.press("down", "down", "pagedown")
        await pilot.pause()
        assert view.scroll_offset.y == height
        assert view.selected_index == height + 2
        assert line_text(view, 0).endswith(f"message {height}")
        await pilot.press("pageup")
        await pilot.pause()
        assert (view.scroll_offset.y, view.selected_index) == (0, 2)
        await pilot.press("pageup")
        assert view.selected_index == 0
        await pilot.press("end")
        assert view.selected_index == 999
        await pilot.press("home")
        assert (view.scroll_offset.y, view.selected_index) == (0, 0)


# --- LogView: choosing records ---


async def test_enter_and_double_click_choose_the_record_under_the_cursor() -> None:
    app = ViewApp()
    async with app.run_test(size=(80, 12)) as pilot:
        view = app.query_one(LogView)
        records = make_records(20)
        view.append_page(records, has_more=False, generation=view.reset())
        view.focus()
        await pilot.pause()
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        chosen = app.of_type(LogView.RecordChosen)
        assert len(chosen) == 1
        assert isinstance(chosen[0], LogView.RecordChosen)
        assert (chosen[0].record, chosen[0].index) == (records[2], 2)
        await pilot.click(LogView, offset=(5, 5))
        await pilot.pause()
        assert view.selected_index == 5
        assert len(app.of_type(LogView.RecordChosen)) == 1  # a single click only selects
        await pilot.click(LogView, offset=(5, 6), times=2)
        await pilot.pause()
        chosen = app.of_type(LogView.RecordChosen)
        assert isinstance(chosen[-1], LogView.RecordChosen)
        assert (chosen[-1].record, chosen[-1].index) == (records[6], 6)


# --- LogView: follow mode ---


async def test_follow_stays_pinned_at_the_bottom_and_counts_new_rows_when_scrolled_away() -> None:
    app = ViewApp()
    async with app.run_test(size=(80, 12)) as pilot:
        view = app.query_one(LogView)
        view.append_page(make_records(100), has_more=False, generation=view.reset())
        view.focus()
        await pilot.pause()
        view.jump_to_end()
        await pilot.pause()
        view.append_live(make_records(5, start=100))
        await pilot.pause()
        # Pinned: the view followed the new rows, nothing is waiting.
        assert view.scroll_offset.y == view.max_scroll_y
        assert line_text(view, view.scrollable_content_region.height - 1).endswith("message 104")
        assert view.selected_index == 104
        assert view.new_count == 0
        assert app.of_type(LogView.NewRecordsWaiting) == []

        await pilot.press("home")
        await pilot.pause()
        view.append_live(make_records(3, start=105))
        view.append_live(make_records(2, start=108))
        await pilot.pause()
        assert view.scroll_offset.y == 0  # not yanked away from what the user is reading
        assert view.new_count == 5
        waiting = [
            m.count
            for m in app.of_type(LogView.NewRecordsWaiting)
            if isinstance(m, LogView.NewRecordsWaiting)
        ]
        assert waiting == [3, 5]

        view.jump_to_end()
        await pilot.pause()
        assert view.new_count == 0
        assert view.selected_record == make_records(1, start=109)[0]
        waiting = [
            m.count
            for m in app.of_type(LogView.NewRecordsWaiting)
            if isinstance(m, LogView.NewRecordsWaiting)
        ]
        assert waiting == [3, 5, 0]
        assert view.last_timestamp_run() == ("2023-04-23T10:01:49", 1)


class NoticeApp(ViewApp):
    """The list under a notice that comes and goes, as on the logs screen."""

    CSS = "#notice { height: 3; display: none; }"

    def compose(self) -> ComposeResult:
        yield Static("notice", id="notice")
        yield LogView()


async def test_jump_to_end_stays_at_the_end_through_layout_changes_until_the_user_scrolls_away() -> None:
    app = NoticeApp()
    async with app.run_test(size=(80, 14)) as pilot:
        view = app.query_one(LogView)
        notice = app.query_one("#notice")
        # Follow mode's first page, as the logs screen handles it: reset, the page, jump_to_end, and in
        # the same handler something above the list appears (the list gets shorter).
        view.append_page(make_records(100), has_more=True, generation=view.reset())
        view.jump_to_end()
        notice.display = True
        await pilot.pause()
        bottom = view.scrollable_content_region.height - 1
        assert view.scroll_offset.y == view.max_scroll_y > 0
        assert line_text(view, bottom).endswith("message 99")
        # Still pinned: live rows show up instead of being counted as waiting.
        view.append_live(make_records(2, start=100))
        await pilot.pause()
        assert line_text(view, bottom).endswith("message 101")
        assert view.new_count == 0 and app.of_type(LogView.NewRecordsWaiting) == []
        notice.display = False
        await pilot.pause()
        assert view.scroll_offset.y == view.max_scroll_y
        assert line_text(view, view.scrollable_content_region.height - 1).endswith("message 101")

        # The user scrolls up: from then on nothing moves the view for them.
        view.focus()
        await pilot.press("pageup")
        await pilot.pause()
        top = view.scroll_offset.y
        assert top < view.max_scroll_y
        notice.display = True
        await pilot.pause()
        assert view.scroll_offset.y == top
        view.append_live(make_records(1, start=102))
        await pilot.pause()
        assert view.scroll_offset.y == top and view.new_count == 1


async def test_follow_while_wrapped_keeps_the_last_wrapped_line_in_view() -> None:
    app = NoticeApp()
    async with app.run_test(size=(60, 12)) as pilot:
        view = app.query_one(LogView)
        view.append_page(make_records(30), has_more=False, generation=view.reset())
        view.wrap = True
        await pilot.pause()
        view.jump_to_end()
        long = [
            LogRecord("2023-04-23T11:00:00", "INFO", "alpha beta gamma delta " * 6 + f"end{i}")
            for i in range(3)
        ]
        view.append_live(long)
        app.query_one("#notice").display = True
        await pilot.pause()
        assert view.store.row_lines(32) > 1
        assert view.scroll_offset.y == view.max_scroll_y
        assert line_text(view, view.scrollable_content_region.height - 1).endswith("end2")
        assert view.new_count == 0


async def test_a_page_arriving_after_end_does_not_drag_the_view_to_the_new_end() -> None:
    app = NoticeApp()
    async with app.run_test(size=(80, 14)) as pilot:
        view = app.query_one(LogView)
        generation = view.reset()
        view.append_page(make_records(100), has_more=True, generation=generation)
        view.focus()
        await pilot.pause()
        await pilot.press("end")
        await pilot.pause()
        top = view.scroll_offset.y
        view.append_page(make_records(100, start=100), has_more=False, generation=generation)
        app.query_one("#notice").display = True
        await pilot.pause()
        assert view.scroll_offset.y == top  # reading on from row 99, not jumped to row 199
        assert view.selected_index == 99


async def test_jump_to_end_before_the_first_layout() -> None:
    class EarlyApp(ViewApp):
        def on_mount(self) -> None:
            view = self.query_one(LogView)
            view.append_page(make_records(100), has_more=False, generation=view.reset())
            view.jump_to_end()

    app = EarlyApp()
    async with app.run_test(size=(80, 12)) as pilot:
        await pilot.pause()
        view = app.query_one(LogView)
        assert view.scroll_offset.y == view.max_scroll_y > 0
        assert line_text(view, view.scrollable_content_region.height - 1).endswith("message 99")


async def test_last_records_and_timestamp_run_for_follow_mode() -> None:
    app = ViewApp()
    async with app.run_test(size=(80, 12)):
        view = app.query_one(LogView)
        assert view.last_timestamp_run() == (None, 0)
        same = [LogRecord("2023-04-23T10:22:00", "INFO", f"m{i}") for i in range(3)]
        view.append_page([*make_records(4), *same], has_more=False, generation=view.reset())
        assert view.last_timestamp_run() == ("2023-04-23T10:22:00", 3)
        assert view.last_records(2) == same[1:]
        assert view.last_records(100)[0] == make_records(1)[0]


async def test_long_messages_are_cut_with_an_ellipsis_when_not_wrapping() -> None:
    app = ViewApp()
    async with app.run_test(size=(60, 8)) as pilot:
        view = app.query_one(LogView)
        records = [
            LogRecord("2023-04-23T10:00:00", "INFO", "x" * 200),
            LogRecord("2023-04-23T10:00:01", "INFO", "fits"),
        ]
        view.append_page(records, has_more=False, generation=view.reset())
        await pilot.pause()
        cut = view.render_line(0)
        assert cut.cell_length == view.scrollable_content_region.width
        assert cut.text.endswith("x\u2026")
        assert line_text(view, 1).endswith("fits")


async def test_scrolling_by_mouse_or_scrollbar_also_asks_for_more() -> None:
    app = ViewApp()
    async with app.run_test(size=(80, 12)) as pilot:
        view = app.query_one(LogView)
        generation = view.reset()
        view.append_page(make_records(500), has_more=True, generation=generation)
        await pilot.pause()
        assert app.of_type(LogView.MoreWanted) == []
        # No key involved: the viewport moves (as with the wheel or a scrollbar drag) near the end.
        view.scroll_to(y=480, animate=False)
        await pilot.pause()
        assert len(app.of_type(LogView.MoreWanted)) == 1
        assert view.selected_index == 0  # scrolling alone does not move the cursor


async def test_cursor_moves_by_row_when_wrapping() -> None:
    app = ViewApp()
    async with app.run_test(size=(60, 8)) as pilot:
        view = app.query_one(LogView)
        records = [LogRecord("2023-04-23T10:00:00", "INFO", f"{i} " + "long words " * 12) for i in range(30)]
        view.append_page(records, has_more=False, generation=view.reset())
        view.wrap = True
        view.focus()
        await pilot.pause()
        per_row = view.store.row_lines(0)
        assert per_row > 1 and view.virtual_size.height == 30 * per_row
        await pilot.press(*["down"] * 5)
        await pilot.pause()
        assert view.selected_index == 5
        # The whole cursor row is on screen.
        top, height = view.scroll_offset.y, view.scrollable_content_region.height
        first = view.store.row_to_line(5)
        assert top <= first and first + per_row <= top + height
        await pilot.press("enter")
        await pilot.pause()
        chosen = app.of_type(LogView.RecordChosen)
        assert isinstance(chosen[-1], LogView.RecordChosen) and chosen[-1].record == records[5]


async def test_theme_change_restyles_rendered_rows() -> None:
    app = ViewApp()
    async with app.run_test(size=(80, 8)) as pilot:
        view = app.query_one(LogView)
        view.append_page(make_records(4), has_more=False, generation=view.reset())
        await pilot.pause()
        before = segment_styles(view.render_line(1), "ERROR")[0].color
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        await pilot.pause()
        after = segment_styles(view.render_line(1), "ERROR")[0].color
        assert after == view.get_component_rich_style("logview--tag-error").color
        assert after != before


async def test_a_huge_message_is_shown_up_to_a_cap_and_wraps_to_a_bounded_height() -> None:
    from logtui.ui.widgets.row_store import MAX_SHOWN

    app = ViewApp()
    async with app.run_test(size=(80, 10)) as pilot:
        view = app.query_one(LogView)
        huge = LogRecord("2023-04-23T10:00:00", "INFO", "é" + "y" * 2_000_000)
        view.append_page([huge, *make_records(2)], has_more=False, generation=view.reset())
        view.wrap = True
        await pilot.pause()
        width = view.store.wrap_width
        assert width is not None
        assert view.store.row_lines(0) == -(-MAX_SHOWN // width)
        assert view.record_at(0) == huge  # the record itself is kept whole for the detail view
        await pilot.press("end")
        await pilot.pause()
        assert line_text(view, view.scrollable_content_region.height - 1).endswith("message 1")
