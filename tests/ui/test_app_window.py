"""The logs screen against the real course server: launch window, presets, stepping, bad input, the jump to
the data, tag and text filters, the detail view."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
from textual.widgets import Checkbox, Input

from logtui.ui.screens.logs_query import DEFAULT_PRESET, jump_window
from logtui.ui.widgets.histogram import Histogram
from tests.core.tiny_http import fixed, http_server
from tests.helpers import ServerProcess
from tests.ui.helpers import (
    SIZE,
    logs_screen,
    make_app,
    request_count,
    settle,
    shown_messages,
    wait_for,
)


async def test_launch_with_url_start_end_shows_the_six_records(course_server: ServerProcess) -> None:
    app = make_app(url=course_server.url, start="2023-04-23T10:00:00", end="2023-04-23T10:05:00")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        assert shown_messages(app) == [f"2023-04-23T10:0{m}:00 INFO" for m in range(6)]
        assert screen.counts_text.startswith("6 loaded of 6")
        assert "server 0.1.0" in screen.status_bar.text
        assert course_server.url in screen.status_bar.text
        assert screen.error_panel.text == ""
        assert screen.notice.text == ""
        assert screen.histogram.state == "stats"


async def test_default_window_is_the_last_hour(course_server: ServerProcess) -> None:
    async with make_app(url=course_server.url).run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(pilot.app)
        assert screen.current_query.preset == DEFAULT_PRESET
        assert screen.log_view.loaded_count == 22  # 09:30 .. 10:30 holds the whole course sample


async def test_launch_long_after_the_data_opens_where_the_data_is(course_server: ServerProcess) -> None:
    # The course's data is from 2023; a user running logtui today must not face a blank screen.
    later = datetime(2026, 1, 1, tzinfo=UTC)
    async with make_app(now=later, url=course_server.url).run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(pilot.app)
        window = screen.current_query.window
        assert window.start == datetime(2023, 4, 23, 10, 0, tzinfo=UTC)
        assert window.end == datetime(2023, 4, 23, 10, 22, tzinfo=UTC)
        assert screen.log_view.loaded_count == 22
        assert screen.range_bar.start_input.value == "2023-04-23T10:00:00"


async def test_empty_window_says_so_and_j_jumps_to_the_data(course_server: ServerProcess) -> None:
    # An explicit window is respected even when empty: explained, with a way to the data.
    app = make_app(url=course_server.url, start="2024-01-01", end="2024-01-02")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        assert screen.log_view.loaded_count == 0
        assert "No records in" in screen.notice.text
        assert "2023-04-23T10:00:00 to 2023-04-23T10:22:00" in screen.notice.text
        assert "press j" in screen.notice.text
        await pilot.press("j")
        await settle(pilot)
        assert screen.log_view.loaded_count == 22
        assert screen.notice.text == ""


async def test_presets_and_stepping(course_server: ServerProcess) -> None:
    app = make_app(url=course_server.url, start="2023-04-23T10:00:00", end="2023-04-23T10:05:00")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        await pilot.press("1")  # 15m: 10:15 .. 10:30
        await settle(pilot)
        assert screen.current_query.preset == "15m"
        assert screen.log_view.loaded_count == 7  # 10:15..10:20 INFO + the 10:22 ERROR
        await pilot.press("6")  # everything
        await settle(pilot)
        assert screen.current_query.window.start is None and screen.current_query.window.end is None
        assert screen.log_view.loaded_count == 22
        assert screen.counts_text.startswith("22 loaded of 22")
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("left_square_bracket")  # 10:00 .. 10:15
        await settle(pilot)
        assert screen.current_query.window.start == datetime(2023, 4, 23, 10, 0, tzinfo=UTC)
        # Issue 11: a stepped window leaves out its end, so 10:15 (shown in the window before) is not here
        # again: 10:00 .. 10:14.
        assert screen.log_view.loaded_count == 15
        assert "(end excluded)" in screen.counts_text
        await pilot.press("left_square_bracket")  # 09:45 .. 10:00, without 10:00 (shown one step later)
        await settle(pilot)
        assert shown_messages(app) == []
        await pilot.press("right_square_bracket", "right_square_bracket")
        await settle(pilot)
        assert screen.current_query.window.end == datetime(2023, 4, 23, 10, 30, tzinfo=UTC)
        assert screen.log_view.loaded_count == 7
        assert screen.range_bar.start_input.value == "2023-04-23T10:15:00"


async def test_typed_window_and_invalid_input_sends_nothing(course_server: ServerProcess) -> None:
    app = make_app(url=course_server.url, start="2023-04-23T10:00:00", end="2023-04-23T10:05:00")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        start = screen.range_bar.start_input
        generation = screen.generation
        sent = request_count(course_server._log)
        await pilot.press("s")
        assert app.focused is start
        start.value = ""
        await pilot.press(*"yesterdy", "enter")
        await settle(pilot)
        assert start.has_class("-invalid")
        assert "Start:" in screen.range_bar.error_text and "now-15m" in screen.range_bar.error_text
        assert screen.generation == generation  # nothing was reset...
        assert request_count(course_server._log) == sent  # ...and nothing was sent
        assert screen.log_view.loaded_count == 6
        # an end before the start is marked on the end field
        start.value = "2023-04-23T10:10"
        screen.range_bar.end_input.value = "2023-04-23T10:00"
        start.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert screen.range_bar.end_input.has_class("-invalid") and not start.has_class("-invalid")
        assert request_count(course_server._log) == sent
        # a valid pair clears the marks and refetches
        await pilot.press("escape", "6")  # a preset first: its label must go when the window is typed by hand
        await settle(pilot)
        assert "all" in str(screen.query_one("#range-preset").content)
        start.value = "2023-04-23T10:10"
        screen.range_bar.end_input.value = "now"
        start.focus()
        sent = request_count(course_server._log)
        await pilot.press("enter")
        await settle(pilot)
        assert str(screen.query_one("#range-preset").content) == "UTC"
        assert screen.range_bar.end_input.value == "2023-04-23T10:30:00"  # "now", resolved
        assert not screen.range_bar.end_input.has_class("-invalid")
        assert screen.range_bar.error_text == ""
        assert screen.log_view.loaded_count == 12  # 10:10 .. 10:20 INFO + 10:22 ERROR
        assert request_count(course_server._log) > sent


async def test_tag_toggle_and_text_search(course_server: ServerProcess) -> None:
    async with make_app(url=course_server.url).run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(pilot.app)
        screen.query_one("#tag-INFO", Checkbox).value = False
        await settle(pilot)
        # Issue 11: the boxes are the store's tags (INFO, ERROR), not the WARNING/DEBUG defaults it lacks.
        assert screen.tag_filter.known_tags == ["INFO", "ERROR"]
        assert screen.current_query.tags == ("ERROR",)
        assert shown_messages(pilot.app) == ["2023-04-23T10:22:00 ERROR"]
        assert screen.counts_text.startswith("1 loaded of 1")
        screen.query_one("#tag-INFO", Checkbox).value = True
        await settle(pilot)
        assert screen.current_query.tags == ()
        assert screen.log_view.loaded_count == 22
        # every tag off: nothing can match, and the screen says why instead of asking the server
        for tag in screen.tag_filter.known_tags:
            screen.tag_filter.set_tag(tag, False)
        await settle(pilot)
        assert screen.log_view.loaded_count == 0
        assert "Every tag is switched off" in screen.notice.text
        for tag in screen.tag_filter.known_tags:
            screen.tag_filter.set_tag(tag, True)
        await settle(pilot)
        await pilot.press("slash")
        assert pilot.app.focused is screen.query_one("#search", Input)
        await pilot.press(*"ERROR", "enter")
        await settle(pilot)
        assert screen.current_query.text == "ERROR"
        assert screen.log_view.highlight == "ERROR"
        assert shown_messages(pilot.app) == [
            "2023-04-23T10:22:00 ERROR"
        ]  # q is case-insensitive: "Test error"


async def test_histogram_bucket_zooms_the_window(course_server: ServerProcess) -> None:
    app = make_app(url=course_server.url, start="2023-04-23T10:00:00", end="2023-04-23T10:30:00")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        start, end = datetime(2023, 4, 23, 10, 20, tzinfo=UTC), datetime(2023, 4, 23, 10, 25, tzinfo=UTC)
        screen.histogram.post_message(Histogram.BucketChosen(screen.histogram, start, end))
        await settle(pilot)
        assert screen.current_query.window.start == start
        assert shown_messages(app) == ["2023-04-23T10:20:00 INFO", "2023-04-23T10:22:00 ERROR"]
        await pilot.press("1")
        await settle(pilot)
        # Backspace walks back: to the zoomed bar, then to the window before the zoom
        await pilot.press("backspace")
        await settle(pilot)
        assert screen.current_query.window.start == start
        await pilot.press("backspace")
        await settle(pilot)
        assert screen.current_query.window.start == datetime(2023, 4, 23, 10, 0, tzinfo=UTC)
        assert screen.log_view.loaded_count == 22
        await pilot.press("backspace")
        await settle(pilot)
        assert any("No earlier window" in n.message for n in app._notifications)


async def test_enter_opens_the_detail_view_and_y_copies(course_server: ServerProcess) -> None:
    from logtui.ui.screens.detail import DetailScreen

    app = make_app(url=course_server.url, start="2023-04-23T10:20:00", end="2023-04-23T10:30:00")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.record.message == "Test error"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("y")
        assert app.clipboard == "2023-04-23T10:22:00 ERROR Test error"


def test_jump_window_is_in_whole_seconds() -> None:
    first = datetime(2026, 11, 19, 3, 0, 1, 250000, tzinfo=UTC)
    last = datetime(2026, 11, 26, 14, 58, 5, 843680, tzinfo=UTC)
    window = jump_window(first, last, timedelta(hours=1))
    assert window.start == datetime(2026, 11, 26, 13, 58, 5, tzinfo=UTC)
    assert window.end == datetime(2026, 11, 26, 14, 58, 6, tzinfo=UTC)  # still holds the last record
    small = jump_window(
        datetime(2023, 4, 23, 10, tzinfo=UTC), datetime(2023, 4, 23, 10, 22, tzinfo=UTC), None
    )
    assert (small.start, small.end) == (
        datetime(2023, 4, 23, 10, tzinfo=UTC),
        datetime(2023, 4, 23, 10, 22, tzinfo=UTC),
    )


async def test_stepping_past_the_calendar_is_refused_not_a_crash(course_server: ServerProcess) -> None:
    app = make_app(url=course_server.url, start="0001-01-01", end="0001-01-02")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert app.is_running
        assert screen.current_query.window.start == datetime(1, 1, 1, tzinfo=UTC)
        assert any("cannot move further" in n.message for n in app._notifications)


async def test_search_applies_by_itself_after_typing_stops(course_server: ServerProcess) -> None:
    async with make_app(url=course_server.url).run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(pilot.app)
        generation = screen.generation
        await pilot.press("slash", *"test e")  # no Enter: a pause in typing is enough
        assert screen.generation == generation  # not one request per key
        await wait_for(pilot, lambda: screen.current_query.text == "test e", what="the debounced search")
        await settle(pilot)
        assert screen.generation == generation + 1  # one refetch for the whole word
        assert shown_messages(pilot.app) == ["2023-04-23T10:22:00 ERROR"]


async def test_a_search_over_the_services_limit_is_marked_and_not_sent(course_server: ServerProcess) -> None:
    async with make_app(url=course_server.url).run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(pilot.app)
        generation = screen.generation
        await pilot.press("slash")
        search = screen.query_one("#search", Input)
        search.insert_text_at_cursor("x" * 600)  # a paste
        await pilot.press("enter")
        await settle(pilot)
        assert search.has_class("-too-long")
        assert pilot.app.focused is search  # stays put for fixing
        assert screen.generation == generation  # nothing sent
        assert screen.log_view.loaded_count == 22
        assert any("at most 500 characters" in n.message for n in pilot.app._notifications)
        search.value = "error"
        await pilot.press("enter")
        await settle(pilot)
        assert not search.has_class("-too-long")
        assert screen.log_view.loaded_count == 1


async def test_tag_names_from_the_server_are_plain_text() -> None:
    # Our service only accepts plain tags; another target may send anything, so a tiny server stands in.
    health = fixed(200, "application/json", '{"status": "ok", "version": "9", "records": 1}')
    record = {"timestamp": "2023-04-23T10:00:00", "tag": "[b]LOUD", "message": "markup in a tag"}
    logs = fixed(200, "application/json", json.dumps({"logs": [record], "next_cursor": None}))
    stats = fixed(
        200,
        "application/json",
        json.dumps(
            {
                "total": 1,
                "tags": {"[b]LOUD": 1},
                "bucket_seconds": 60.0,
                "buckets": [
                    {"start": "2023-04-23T10:00:00", "end": "2023-04-23T10:01:00", "counts": {"[b]LOUD": 1}}
                ],
                "first_timestamp": "2023-04-23T10:00:00",
                "last_timestamp": "2023-04-23T10:00:00",
            }
        ),
    )
    with http_server({"/health": health, "/logs": logs, "/stats": stats}) as url:
        async with make_app(url=url, start="2023-04-23").run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = logs_screen(pilot.app)
            assert "[b]LOUD" in screen.tag_filter.known_tags
            box = next(b for b in screen.tag_filter.query(Checkbox) if "LOUD" in str(b.label))
            assert str(box.label) == "[b]LOUD"  # shown as sent, not as a bold "LOUD"


async def test_many_tags_wrap_instead_of_running_under_the_search_box(
    server_factory: Callable[..., ServerProcess],
) -> None:
    server = server_factory()
    names = [
        "ALERT",
        "AUDIT",
        "AUTH",
        "BILLING",
        "CACHE",
        "CDN",
        "CRON",
        "DB",
        "DNS",
        "EMAIL",
        "FRONT",
        "GATEWAY",
    ]
    records = [
        {"timestamp": f"2023-04-23T11:{i:02d}:00", "tag": t, "message": t} for i, t in enumerate(names)
    ]
    async with httpx.AsyncClient() as http:
        assert (await http.post(f"{server.url}/logs", json={"logs": records})).status_code == 201
    async with make_app(url=server.url, start="2023-04-23").run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        screen = logs_screen(pilot.app)
        tags = screen.tag_filter
        assert len(tags.known_tags) == 12  # issue 11: no INFO/WARNING/ERROR/DEBUG box the store lacks
        search = screen.query_one("#search", Input)
        for box in tags.query(Checkbox):
            assert box.region.right <= search.region.x, f"{box.label} runs under the search box"
        assert tags.size.height > 1  # wrapped onto more rows
