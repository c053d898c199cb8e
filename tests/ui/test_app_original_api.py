"""Every key of the README's table that applies, against the course's original service as students have it
(tests/course_app.py: FastAPI, `start_time` and `end_time` required, pydantic response models, SQLite) run
by uvicorn on 127.0.0.1. Each test also reads the server's access log: every /logs request carried both ends
and none was refused with 422."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from textual.widgets import Checkbox, Input

from logtui.core.timerange import TimeWindow
from logtui.ui.screens.detail import DetailScreen
from logtui.ui.screens.export_dialog import ExportDialog
from tests.core.tiny_http import Reply, http_server
from tests.helpers import OriginalServer
from tests.ui.helpers import (
    COURSE,
    SIZE,
    http_target,
    logs_screen,
    make_app,
    settle,
    shown_messages,
    wait_for,
    write_config,
)

OriginalFactory = Callable[[list[dict[str, str]]], OriginalServer]


def logs_queries(server: OriginalServer) -> list[dict[str, list[str]]]:
    """The query of every GET /logs the server received; fails if one lacked an end or was refused."""
    log = server.log_path.read_text(errors="replace")
    assert " 422 " not in log, log
    queries = []
    for line in server.requests():
        method, target, _ = line.split(" ")
        parts = urlsplit(target)
        if parts.path != "/logs":
            continue
        assert method == "GET"
        query = parse_qs(parts.query)
        assert "start_time" in query and "end_time" in query, f"a request without both ends: {line}"
        queries.append(query)
    return queries


async def test_launch_presets_stepping_backspace_and_jump(original_factory: OriginalFactory) -> None:
    server = original_factory(COURSE)
    app = make_app(url=server.url)  # the launch default: the last hour before 10:30 holds all 22
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        assert screen.error_panel.text == ""
        assert screen.log_view.loaded_count == 22
        assert "original API (GET /logs only; logtui filters and counts)" in screen.status_bar.text
        # no /stats there, but the whole window is loaded: logtui counts the histogram, and says so
        stats = screen.histogram.stats
        assert stats is not None and stats.counted_here and stats.total == 22
        assert stats.tags == {"INFO": 21, "ERROR": 1}
        legend = screen.histogram.render_line(screen.histogram.content_size.height - 1).text
        assert "22 records (counted by logtui)" in legend
        # the records name their tags: ERROR and INFO are boxes, nothing else is added
        assert {"INFO", "ERROR"} <= set(screen.tag_filter.known_tags)

        await pilot.press("6")  # everything: both ends are sent as explicit instants
        await settle(pilot)
        assert screen.current_query.window.start is None and screen.current_query.window.end is None
        assert screen.log_view.loaded_count == 22
        last = logs_queries(server)[-1]
        assert last["start_time"] == ["1970-01-01T00:00:00"] and last["end_time"] == ["9999-12-31T23:59:59"]

        await pilot.press("1")  # 10:15 .. 10:30
        await settle(pilot)
        assert screen.log_view.loaded_count == 7
        await pilot.press("left_square_bracket")  # 10:00 .. 10:15, its end left out (10:15 was shown)
        await settle(pilot)
        assert screen.log_view.loaded_count == 15
        assert shown_messages(app)[-1] == "2023-04-23T10:14:00 INFO"
        await pilot.press("right_square_bracket")  # 10:15 .. 10:30 again
        await settle(pilot)
        assert shown_messages(app)[0] == "2023-04-23T10:15:00 INFO"
        assert screen.log_view.loaded_count == 7
        await pilot.press("backspace")  # back to 10:00 .. 10:15
        await settle(pilot)
        assert screen.log_view.loaded_count == 15

        await pilot.press("left_square_bracket", "left_square_bracket")  # 09:30 .. 09:45: empty
        await settle(pilot)
        assert screen.log_view.loaded_count == 0
        assert screen.error_panel.text == ""
        assert "no /stats" in screen.notice.text and "press 6 or j" in screen.notice.text
        await pilot.press("j")  # the original API cannot say where its data is: j asks for everything
        await settle(pilot)
        assert screen.error_panel.text == ""
        assert screen.log_view.loaded_count == 22
        assert "not a log-analyzer" not in screen.status_bar.text
    assert len(logs_queries(server)) >= 8


async def test_typed_window_search_tags_and_the_empty_result_reason(
    original_factory: OriginalFactory,
) -> None:
    server = original_factory(COURSE)
    app = make_app(url=server.url, start="2023-04-23T10:00", end="2023-04-23T10:05")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        assert shown_messages(app) == [f"2023-04-23T10:0{m}:00 INFO" for m in range(6)]

        await pilot.press("s")  # a typed window with an open end: the end goes out as an instant
        screen.range_bar.start_input.value = "2023-04-23T10:20"
        screen.range_bar.end_input.value = ""
        await pilot.press("enter")
        await settle(pilot)
        assert shown_messages(app) == ["2023-04-23T10:20:00 INFO", "2023-04-23T10:22:00 ERROR"]
        assert logs_queries(server)[-1]["end_time"] == ["9999-12-31T23:59:59"]

        await pilot.press("6", "slash", *"error", "enter")  # the service ignores q: logtui filters
        await settle(pilot)
        assert shown_messages(app) == ["2023-04-23T10:22:00 ERROR"]
        assert screen.histogram.stats is not None and screen.histogram.stats.tags == {"ERROR": 1}

        search = screen.query_one("#search", Input)
        search.value = "no such words"
        await pilot.press("slash", "enter")
        await settle(pilot)
        assert screen.log_view.loaded_count == 0
        # the window holds records; the filter hid them: say so and how to clear it, not "press j"
        notice = screen.notice.text
        assert "holds 22 records" in notice and "the search 'no such words'" in notice
        assert "clear the search" in notice and "press j" not in notice

        search.value = ""
        await pilot.press("slash", "enter")
        await settle(pilot)
        assert screen.log_view.loaded_count == 22
        screen.query_one("#tag-INFO", Checkbox).value = False  # tag boxes: the service ignores tag too
        await settle(pilot)
        assert shown_messages(app) == ["2023-04-23T10:22:00 ERROR"]
        screen.query_one("#tag-ERROR", Checkbox).value = False
        await settle(pilot)
        assert screen.log_view.loaded_count == 0
        notice = screen.notice.text
        assert "holds 22 records" in notice and "the tag filter" in notice and "switch" in notice
    logs_queries(server)


async def test_zoom_into_a_histogram_bar_and_back(original_factory: OriginalFactory) -> None:
    server = original_factory(COURSE)
    app = make_app(url=server.url, start="2023-04-23T10:00", end="2023-04-23T10:22")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        histogram = screen.histogram
        assert histogram.state == "stats"
        histogram.focus()
        await pilot.press("end")  # the last bar with records: the 10:22 ERROR
        start, end = histogram.bar_range(histogram.selected or 0)
        await pilot.press("enter")  # zoom
        await settle(pilot)
        assert screen.current_query.window == TimeWindow(start, end)
        assert screen.error_panel.text == ""
        assert shown_messages(app)[-1] == "2023-04-23T10:22:00 ERROR"
        assert screen.log_view.loaded_count < 22
        screen.log_view.focus()
        await pilot.press("backspace")
        await settle(pilot)
        assert screen.log_view.loaded_count == 22  # 10:00 .. 10:22 again
    logs_queries(server)


async def test_detail_copy_wrap_newest_and_oldest(original_factory: OriginalFactory) -> None:
    server = original_factory(COURSE)
    app = make_app(url=server.url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        await pilot.press("G")  # everything is loaded already (no cursor): G goes to the last row
        await settle(pilot)
        assert screen.error_panel.text == ""
        assert screen.log_view.selected_record is not None
        assert screen.log_view.selected_record.message == "Test error"
        await pilot.press("g")
        await settle(pilot)
        await pilot.press("y")
        assert any("Copied" in n.message for n in app._notifications)
        await pilot.press("w")
        assert screen.log_view.wrap
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
    logs_queries(server)


async def test_export_of_an_open_window(original_factory: OriginalFactory, tmp_path: Path) -> None:
    server = original_factory(COURSE)
    dest = tmp_path / "all.csv"
    app = make_app(url=server.url, start="2023-04-23T10:20")  # open end
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        app.screen.query_one("#export-path", Input).value = str(dest)
        await pilot.press("enter")
        await settle(pilot)
        assert any("Wrote 2 records" in n.message for n in app._notifications)
    with dest.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["timestamp"], r["tag"]) for r in rows] == [
        ("2023-04-23T10:20:00", "INFO"),
        ("2023-04-23T10:22:00", "ERROR"),
    ]
    assert all(q["end_time"] == ["9999-12-31T23:59:59"] for q in logs_queries(server))


async def test_follow_backspace_and_new_records(original_factory: OriginalFactory, tmp_path: Path) -> None:
    server = original_factory(COURSE)
    config = write_config(tmp_path / "c.toml", http_target("course", server.url), follow_interval=0.5)
    app = make_app(profile="course", config_path=config, start="2023-04-23T10:00", end="2023-04-23T10:05")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        screen.stats_refresh_interval = 0  # every poll with new records may recount (10 s in real use)
        await pilot.press("f")
        await settle(pilot)
        assert screen.live.active
        assert screen.error_panel.text == ""
        assert screen.log_view.loaded_count == 22  # from 10:00 on, open end
        server.insert(
            [
                {"timestamp": "2023-04-23T10:22:00", "tag": "ERROR", "message": "same second"},
                {"timestamp": "2023-04-23T11:00:00", "tag": "WARN", "message": "later"},
            ]
        )
        await wait_for(pilot, lambda: screen.log_view.loaded_count >= 24, what="the new records")
        await wait_for(pilot, lambda: "last poll" in str(screen.query_one("#live").content), what="a poll")
        messages = [screen.log_view.record_at(i).message for i in range(screen.log_view.loaded_count)]
        assert messages[-2:] == ["same second", "later"]
        assert screen.log_view.loaded_count == 24
        assert screen.error_panel.text == ""
        assert "WARN" in screen.tag_filter.known_tags
        # the histogram logtui counts follows the new records too
        stats = screen.histogram.stats
        assert stats is not None and stats.counted_here and stats.total == 24
        assert stats.tags == {"INFO": 21, "ERROR": 2, "WARN": 1}
        await pilot.press("backspace")  # the window before following
        await settle(pilot)
        assert not screen.live.active
        assert screen.log_view.loaded_count == 6
        assert screen.range_bar.start_input.value == "2023-04-23T10:00:00"
    follow_polls = [q for q in logs_queries(server) if q["end_time"] == ["9999-12-31T23:59:59"]]
    assert len(follow_polls) >= 2


async def test_follow_drops_what_a_server_ignoring_start_time_sends_again(tmp_path: Path) -> None:
    """A state the course's app cannot be put in: a service that ignores start_time and sends everything on
    every poll. A small loopback server plays it; the view must not show a record twice."""
    records = [dict(r) for r in COURSE[:3]]
    polls: list[str] = []

    def everything(method: str, path: str, query: dict[str, list[str]]) -> Reply:
        polls.append(query.get("start_time", [""])[0])
        return 200, "application/json", json.dumps({"logs": records}).encode()

    with http_server({"/logs": everything}) as url:
        config = write_config(tmp_path / "c.toml", http_target("sloppy", url), follow_interval=0.5)
        app = make_app(profile="sloppy", config_path=config)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = logs_screen(app)
            await pilot.press("f")
            await settle(pilot)
            assert screen.log_view.loaded_count == 3
            records.append({"timestamp": "2023-04-23T10:40:00", "tag": "INFO", "message": "new"})
            await wait_for(pilot, lambda: screen.log_view.loaded_count >= 4, what="the new record")
            seen = len(polls)
            await wait_for(pilot, lambda: len(polls) >= seen + 2, what="two more polls")
            assert [screen.log_view.record_at(i).timestamp for i in range(screen.log_view.loaded_count)] == [
                "2023-04-23T10:00:00",
                "2023-04-23T10:01:00",
                "2023-04-23T10:02:00",
                "2023-04-23T10:40:00",
            ]


async def test_n_jumps_to_new_records_when_scrolled_away(
    original_factory: OriginalFactory, tmp_path: Path
) -> None:
    many = [
        {"timestamp": f"2023-04-23T10:{m:02d}:{s:02d}", "tag": "INFO", "message": f"r {m}:{s}"}
        for m in range(3)
        for s in range(0, 60, 2)
    ]
    server = original_factory(many)
    config = write_config(tmp_path / "c.toml", http_target("course", server.url), follow_interval=0.5)
    app = make_app(profile="course", config_path=config, start="2023-04-23T10:00")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        await pilot.press("f")
        await settle(pilot)
        assert screen.log_view.loaded_count == 90
        await pilot.press("home")  # scroll away from the bottom
        server.insert(
            [{"timestamp": "2023-04-23T10:05:00", "tag": "INFO", "message": f"new {i}"} for i in range(3)]
        )
        await wait_for(pilot, lambda: screen.live.new_waiting_count == 3, what="3 new")
        assert "3 new (n to jump)" in str(screen.query_one("#live").content)
        await pilot.press("n")
        await pilot.pause()
        assert screen.live.new_waiting_count == 0
        assert screen.log_view.loaded_count == 93
    logs_queries(server)


async def test_r_retries_once_the_service_is_back(original_factory: OriginalFactory) -> None:
    server = original_factory(COURSE)
    app = make_app(url=server.url, start="2023-04-23T10:00", end="2023-04-23T10:05")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        assert screen.log_view.loaded_count == 6
        server.stop()
        await pilot.press("6")
        await settle(pilot)
        assert "refused the connection" in screen.error_panel.text
        assert "not a log-analyzer" not in screen.status_bar.text  # it answered /logs before
        server.start()  # the same port again
        await pilot.press("r")
        await settle(pilot)
        assert screen.error_panel.text == ""
        assert screen.log_view.loaded_count == 22
    logs_queries(server)
