"""The histogram strip: bar layout, stacking, states, and the BucketChosen message from mouse and keys."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from textual import on
from textual.app import App, ComposeResult

from logtui.core.client import Bucket, Stats
from logtui.core.timerange import TimeWindow
from logtui.ui.widgets.histogram import BLOCKS, Histogram, cell_stack, column_groups, stack_order

T0 = datetime(2023, 4, 23, 10, 0)


def make_stats(counts: list[dict[str, int]], minutes: int = 1) -> Stats:
    buckets = tuple(
        Bucket(T0 + timedelta(minutes=i * minutes), T0 + timedelta(minutes=(i + 1) * minutes), c)
        for i, c in enumerate(counts)
    )
    tags: dict[str, int] = {}
    for c in counts:
        for tag, n in c.items():
            tags[tag] = tags.get(tag, 0) + n
    return Stats(
        total=sum(tags.values()),
        tags=tags,
        bucket_seconds=60.0 * minutes,
        buckets=buckets,
        first_timestamp=T0,
        last_timestamp=T0 + timedelta(minutes=len(counts) * minutes),
    )


class HistApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.chosen: list[tuple[datetime, datetime]] = []
        self.notified: list[str] = []

    def notify(self, message: str, **kwargs: Any) -> None:
        self.notified.append(message)
        super().notify(message, **kwargs)

    def compose(self) -> ComposeResult:
        yield Histogram()

    @on(Histogram.BucketChosen)
    def record(self, message: Histogram.BucketChosen) -> None:
        self.chosen.append((message.start, message.end))


def test_column_groups_spread_few_buckets_and_sum_many() -> None:
    groups, columns = column_groups(4, 8)
    assert groups == [(0, 1), (1, 2), (2, 3), (3, 4)]
    assert columns == [0, 0, 1, 1, 2, 2, 3, 3]
    groups, columns = column_groups(10, 4)
    assert groups == [(0, 2), (2, 5), (5, 7), (7, 10)]
    assert columns == [0, 1, 2, 3]
    assert column_groups(0, 10) == ([], [])


def test_cell_stack_shows_two_tags_per_cell() -> None:
    stack = [("ERROR", 3), ("INFO", 10)]  # 13 eighths: 1 full cell + 5/8 of the next
    assert cell_stack(stack, 0) == ("ERROR", 3, "INFO")
    assert cell_stack(stack, 1) == ("INFO", 5, None)
    assert cell_stack(stack, 2) == (None, 0, None)
    assert cell_stack([("INFO", 16)], 1) == ("INFO", 8, None)
    assert stack_order(["INFO", "custom", "ERROR", "WARNING"]) == ["ERROR", "WARNING", "INFO", "custom"]


async def test_bars_are_stacked_by_tag_and_scaled_to_the_peak() -> None:
    app = HistApp()
    async with app.run_test(size=(80, 5)) as pilot:
        hist = app.query_one(Histogram)
        hist.show_stats(make_stats([{"INFO": 8}, {"INFO": 0}, {"INFO": 2, "ERROR": 2}, {"ERROR": 1}]))
        await pilot.pause()
        assert hist.state == "stats" and hist.message == ""
        bars = [hist.render_line(y) for y in range(4)]
        # 4 bars over 80 columns: 20 columns each. Bar 0 is the peak: full height.
        assert all(line.text[:20] == BLOCKS[8] * 20 for line in bars)
        assert all(line.text[20:40] == " " * 20 for line in bars)  # an empty bucket draws nothing
        # Bar 2 is half the peak (16 of 32 eighths): 2 full cells from the bottom, nothing above.
        assert [line.text[40] for line in bars] == [" ", " ", BLOCKS[8], BLOCKS[8]]
        error = hist.get_component_rich_style("histogram--tag-error").color
        info = hist.get_component_rich_style("histogram--tag-info").color
        bottom = next(
            seg
            for seg in bars[3]
            if seg.text.startswith(BLOCKS[8]) and seg.style and seg.style.color == error
        )
        assert bottom is not None
        # ERROR sits at the bottom of bar 2, INFO above it.
        cell_styles = [seg.style for line in bars for seg in line.crop(40, 41)]
        assert cell_styles[3] is not None and cell_styles[3].color == error
        assert cell_styles[2] is not None and cell_styles[2].color == info
        labels = hist.render_line(4).text
        assert labels.startswith("2023-04-23 10:00:00")
        assert labels.rstrip().endswith("2023-04-23 10:04:00")
        assert "13 records" in labels and "ERROR 3" in labels and "INFO 10" in labels


async def test_labels_show_the_window_asked_for_not_the_rounded_buckets() -> None:
    # The service rounds the bucket width up: for 10:00 -> 10:22 in 11 buckets of 2 min 10 s the last
    # bucket ends at 10:23:50. The strip's ends and its last bar stop at the window's end.
    t0 = T0.replace(tzinfo=UTC)
    buckets = tuple(
        Bucket(t0 + timedelta(seconds=130 * i), t0 + timedelta(seconds=130 * (i + 1)), {"INFO": 1})
        for i in range(11)
    )
    stats = Stats(
        total=11,
        tags={"INFO": 11},
        bucket_seconds=130.0,
        buckets=buckets,
        first_timestamp=t0,
        last_timestamp=t0 + timedelta(minutes=21, seconds=30),
        window=TimeWindow(t0, t0 + timedelta(minutes=22)),
    )
    app = HistApp()
    async with app.run_test(size=(80, 5)) as pilot:
        hist = app.query_one(Histogram)
        hist.show_stats(stats)
        hist.focus()
        await pilot.pause()
        labels = hist.render_line(4).text
        assert labels.startswith("2023-04-23 10:00:00")
        assert labels.rstrip().endswith("2023-04-23 10:22:00")
        await pilot.press("end", "enter")
        await pilot.pause()
        assert app.chosen == [(t0 + timedelta(seconds=1300), t0 + timedelta(minutes=22))]
        # An open end ("latest"): up to the newest record.
        hist.show_stats(replace(stats, window=TimeWindow(t0, None)))
        await pilot.pause()
        assert hist.render_line(4).text.rstrip().endswith("2023-04-23 10:21:30")
        # A window starting after the newest record: never an end before the start.
        later = TimeWindow(t0 + timedelta(minutes=22), None)
        hist.show_stats(replace(stats, window=later, last_timestamp=t0 + timedelta(minutes=1)))
        await pilot.pause()
        labels = hist.render_line(4).text
        assert labels.startswith("2023-04-23 10:22:00") and labels.rstrip().endswith("2023-04-23 10:22:00")


async def test_stats_without_buckets_do_not_crash_the_strip() -> None:
    app = HistApp()
    async with app.run_test(size=(80, 6)) as pilot:
        hist = app.query_one(Histogram)
        hist.focus()
        for total, message in ((5, "5 records; no time buckets to draw."), (0, "No records in this window.")):
            hist.show_stats(replace(make_stats([]), total=total, tags={"INFO": total} if total else {}))
            await pilot.pause()
            await pilot.press("right", "end", "pagedown", "enter")
            await pilot.pause()
            assert message in "".join(hist.render_line(y).text for y in range(6))
            assert hist.selected is None and app.chosen == []


async def test_one_record_is_one_record() -> None:
    app = HistApp()
    async with app.run_test(size=(80, 5)) as pilot:
        hist = app.query_one(Histogram)
        hist.show_stats(make_stats([{"DEBUG": 1}]))
        await pilot.pause()
        assert " 1 record  " in hist.render_line(4).text


async def test_a_lone_record_is_still_visible() -> None:
    app = HistApp()
    async with app.run_test(size=(20, 5)) as pilot:
        hist = app.query_one(Histogram)
        hist.show_stats(make_stats([{"INFO": 10_000}, {"ERROR": 1}]))
        await pilot.pause()
        assert hist.render_line(3).text[10:] == BLOCKS[1] * 10


async def test_click_on_a_bar_posts_its_time_range() -> None:
    app = HistApp()
    async with app.run_test(size=(40, 5)) as pilot:
        hist = app.query_one(Histogram)
        hist.show_stats(make_stats([{"INFO": i + 1} for i in range(10)]))
        await pilot.pause()
        await pilot.click(Histogram, offset=(13, 2))  # 10 buckets over 40 columns: column 13 is bucket 3
        await pilot.pause()
        assert app.chosen == [(T0 + timedelta(minutes=3), T0 + timedelta(minutes=4))]
        assert hist.selected == 3


async def test_keyboard_selects_and_enter_chooses() -> None:
    app = HistApp()
    async with app.run_test(size=(80, 5)) as pilot:
        hist = app.query_one(Histogram)
        hist.show_stats(make_stats([{"INFO": 1}] * 10))
        hist.focus()
        await pilot.pause()
        await pilot.press("enter")
        assert app.chosen == []  # nothing selected yet
        await pilot.press("right")  # the first key selects the first bar
        assert hist.selected == 0
        await pilot.press("right", "right", "left", "right")
        assert hist.selected == 2
        await pilot.press("enter")
        await pilot.pause()
        assert app.chosen == [(T0 + timedelta(minutes=2), T0 + timedelta(minutes=3))]
        await pilot.press("end", "enter")
        await pilot.pause()
        assert app.chosen[-1] == (T0 + timedelta(minutes=9), T0 + timedelta(minutes=10))
        # The label row describes the selected bar.
        assert "10:09:00\u201310:10:00: INFO 1" in hist.render_line(4).text


async def test_keys_start_where_the_records_are_and_jump_over_empty_bars() -> None:
    counts: list[dict[str, int]] = [{} for _ in range(20)]
    for bar in (8, 9, 14):
        counts[bar] = {"INFO": 1}
    app = HistApp()
    async with app.run_test(size=(80, 5)) as pilot:
        hist = app.query_one(Histogram)
        hist.show_stats(make_stats(counts))
        hist.focus()
        await pilot.pause()
        await pilot.press("right")  # the first key lands on the first bar with records, not on bar 0
        assert hist.selected == 8
        await pilot.press("right")
        assert hist.selected == 9
        await pilot.press("pagedown")
        assert hist.selected == 14
        await pilot.press("pagedown")  # nothing further: stays
        assert hist.selected == 14
        await pilot.press("pageup", "pageup")
        assert hist.selected == 8
        await pilot.press("end")
        assert hist.selected == 14
        await pilot.press("home")
        assert hist.selected == 8
        await pilot.press("left")  # plain arrows still step bar by bar
        assert hist.selected == 7
        await pilot.press("enter")  # bar 7 is empty: nothing to zoom into, and the user is told
        await pilot.pause()
        assert app.chosen == []
        assert app.notified == ["No records in 10:07:00\u201310:08:00: nothing to zoom into."]
        hist.show_stats(make_stats(counts))  # new stats: no selection; left starts at the last busy bar
        await pilot.press("left")
        assert hist.selected == 14
        await pilot.press("enter")
        await pilot.pause()
        assert app.chosen == [(T0 + timedelta(minutes=14), T0 + timedelta(minutes=15))]


async def test_many_buckets_on_a_narrow_strip_are_summed_per_column() -> None:
    app = HistApp()
    async with app.run_test(size=(10, 5)) as pilot:
        hist = app.query_one(Histogram)
        hist.show_stats(make_stats([{"INFO": 1}] * 40))
        await pilot.pause()
        assert hist.bar_count() == 10
        await pilot.click(Histogram, offset=(2, 1))
        await pilot.pause()
        # Column 2 sums buckets 8..11.
        assert app.chosen == [(T0 + timedelta(minutes=8), T0 + timedelta(minutes=12))]


async def test_loading_unavailable_and_empty_states() -> None:
    app = HistApp()
    async with app.run_test(size=(60, 5)) as pilot:
        hist = app.query_one(Histogram)
        hist.show_loading()
        await pilot.pause()
        assert hist.state == "loading"
        assert "Loading histogram" in "".join(hist.render_line(y).text for y in range(5))
        hist.show_unavailable("this server has no /stats")
        await pilot.pause()
        assert hist.state == "unavailable"
        assert "Histogram unavailable: this server has no /stats" in hist.render_line(2).text
        await pilot.click(Histogram, offset=(5, 2))
        assert app.chosen == []  # nothing to choose without stats
        hist.show_stats(make_stats([{}, {}]))
        await pilot.pause()
        assert "No records in this window." in hist.render_line(2).text
