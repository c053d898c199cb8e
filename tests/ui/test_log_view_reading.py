"""LogView reading comfort: times in the display zone, JSON-object messages as one-line summaries.

Driven in a small app with real LogRecords; zones are IANA names fixed here, never the machine's.
"""

from __future__ import annotations

import json

from log_analyzer.record import LogRecord

from logtui.core.display_zone import DisplayZone
from logtui.ui.widgets.log_view import LogView
from tests.ui.test_log_view import ViewApp, line_text

PARIS = DisplayZone.from_setting("Europe/Paris")
UTC_Z = DisplayZone.from_setting("UTC")

CHECKOUT = json.dumps(
    {"user": "u7", "total": 30.5, "level": "error", "event": "checkout", "request_id": "r-9"}
)


def matched(view: LogView, y: int) -> list[str]:
    match_bg = view.get_component_rich_style("logview--match").bgcolor
    return [
        seg.text for seg in view.render_line(y) if seg.style is not None and seg.style.bgcolor == match_bg
    ]


async def test_times_are_drawn_in_the_zone_and_columns_stay_aligned_with_or_without_microseconds() -> None:
    app = ViewApp()
    async with app.run_test(size=(100, 12)) as pilot:
        view = app.query_one(LogView)
        records = [
            LogRecord("2023-04-23T10:00:00", "INFO", "plain"),
            LogRecord("2023-04-23T10:00:00.250000", "ERROR", "with micro"),
            LogRecord("2023-04-23T23:30:00", "WARNING", "next day in Paris"),
        ]
        view.append_page(records, has_more=False, generation=view.reset())
        await pilot.pause()
        assert line_text(view, 0).startswith("2023-04-23T10:00:00        INFO")
        view.set_zone(PARIS)
        await pilot.pause()
        lines = [line_text(view, y) for y in range(3)]
        assert lines[0].startswith("2023-04-23T12:00:00        INFO    plain")
        assert lines[1].startswith("2023-04-23T12:00:00.250000 ERROR   with micro")
        assert lines[2].startswith("2023-04-24T01:30:00        WARNING next day in Paris")
        assert (
            len({line.index(word) for line, word in zip(lines, ("plain", "with", "next"), strict=True)}) == 1
        )
        # The rows keep the service's UTC text: copying, the detail view and follow mode compare those.
        assert view.record_at(0).timestamp == "2023-04-23T10:00:00"
        view.set_zone(UTC_Z)
        await pilot.pause()
        assert line_text(view, 2).startswith("2023-04-23T23:30:00 ")


async def test_a_json_object_message_reads_as_a_summary_and_wrap_shows_the_raw_text() -> None:
    app = ViewApp()
    async with app.run_test(size=(120, 12)) as pilot:
        view = app.query_one(LogView)
        records = [
            LogRecord("2023-04-23T10:00:00", "ERROR", CHECKOUT),
            LogRecord("2023-04-23T10:00:01", "INFO", 'user login {"a": 1}'),
            LogRecord("2023-04-23T10:00:02", "INFO", "{not json"),
        ]
        view.append_page(records, has_more=False, generation=view.reset())
        await pilot.pause()
        assert line_text(view, 0).endswith("event=checkout level=error request_id=r-9 user=u7 total=30.5")
        assert line_text(view, 1).endswith('user login {"a": 1}')
        assert line_text(view, 2).endswith("{not json")
        assert view.record_at(0).message == CHECKOUT  # what copy and export see
        view.set_summary_keys(["user"])
        await pilot.pause()
        assert view.shown_message(0) == "user=u7 total=30.5 level=error event=checkout request_id=r-9"
        view.wrap = True
        await pilot.pause()
        assert view.shown_message(0) == CHECKOUT
        assert '{"user": "u7", "total": 30.5' in line_text(view, 0)


async def test_search_matches_are_highlighted_inside_a_summary_or_on_the_raw_text() -> None:
    app = ViewApp()
    async with app.run_test(size=(140, 12)) as pilot:
        view = app.query_one(LogView)
        view.append_page(
            [LogRecord("2023-04-23T10:00:00", "ERROR", CHECKOUT)], has_more=False, generation=view.reset()
        )
        view.highlight = "CHECK"
        await pilot.pause()
        assert view.shown_message(0).startswith("event=checkout")
        assert matched(view, 0) == ["check"]
        # The server matched '"level": "error"' in the raw JSON; the summary has no such text: the raw
        # message is shown, with the match marked.
        view.highlight = '"level": "error"'
        await pilot.pause()
        assert view.shown_message(0) == CHECKOUT
        assert matched(view, 0) == ['"level": "error"']
        view.highlight = ""
        await pilot.pause()
        assert view.shown_message(0).startswith("event=checkout")


async def test_control_characters_in_a_summary_are_drawn_as_visible_cells() -> None:
    app = ViewApp()
    async with app.run_test(size=(100, 12)) as pilot:
        view = app.query_one(LogView)
        records = [
            LogRecord("2023-04-23T10:00:00", "INFO", '{"event": "a\\u001b[31mb\\u0007"}'),
            LogRecord("2023-04-23T10:00:01", "INFO", '{"event": "a\\u001b]52;c;ZXZpbA==\\u0007"}'),
        ]
        view.append_page(records, has_more=False, generation=view.reset())
        await pilot.pause()
        bare, quoted = line_text(view, 0), line_text(view, 1)
        assert not any(c in bare + quoted for c in "\x1b\x07")
        assert bare.endswith("event=a\ufffd[31mb\ufffd")
        assert quoted.endswith('event="a\\u001b]52;c;ZXZpbA==\\u0007"')  # JSON-quoted: escapes, visible


async def test_summaries_are_made_for_drawn_rows_only() -> None:
    app = ViewApp()
    async with app.run_test(size=(100, 12)) as pilot:
        view = app.query_one(LogView)
        records = [
            LogRecord(
                f"2023-04-23T10:{i // 60 % 60:02d}:{i % 60:02d}", "INFO", json.dumps({"event": f"e{i}"})
            )
            for i in range(50_000)
        ]
        view.append_page(records, has_more=False, generation=view.reset())
        await pilot.pause()
        height = view.scrollable_content_region.height
        assert 0 < len(view._summaries) <= height
        await pilot.press("pagedown")
        await pilot.pause()
        assert len(view._summaries) <= 2 * height
        assert view.shown_message(height) == f"event=e{height}"
        view.reset()
        assert len(view._summaries) == 0


async def test_keys_are_drawn_muted_so_values_stand_out_and_matches_win_over_both() -> None:
    app = ViewApp()
    async with app.run_test(size=(140, 12)) as pilot:
        view = app.query_one(LogView)
        records = [
            LogRecord("2023-04-23T10:00:00", "INFO", "first row holds the cursor"),
            LogRecord("2023-04-23T10:00:01", "ERROR", CHECKOUT),
        ]
        view.append_page(records, has_more=False, generation=view.reset())
        await pilot.pause()
        key = view.get_component_rich_style("logview--key")
        base = view.rich_style
        assert key.color != base.color
        segments = [seg for seg in view.render_line(1) if seg.style is not None]
        # (The time column is drawn muted as well: keys start after it.)
        keyed = [seg.text for seg in segments if seg.style == key][1:]
        assert keyed == ["event=", "level=", "request_id=", "user=", "total="]
        values = [seg.text.strip() for seg in segments if seg.style == base and seg.text.strip()]
        assert values[:3] == ["checkout", "error", "r-9"]
        view.highlight = "t=check"
        await pilot.pause()
        assert matched(view, 1) == ["t=check"]  # across a key and its value
        keyed = [seg.text for seg in view.render_line(1) if seg.style == key][1:]
        assert keyed[:2] == ["even", "level="]
