"""The display zone in the whole app, against a real server holding the course's sample (UTC 10:00-10:22).

The zone comes from the test's own config file (display_tz) or, for "local", from TZ set in the test: never
the machine's zone.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from textual.widgets import Input

from logtui.core.timerange import parse_ts
from logtui.ui.screens.detail import DetailScreen
from logtui.ui.screens.export_dialog import ExportDialog
from logtui.ui.screens.help import HelpScreen, help_renderable
from tests.helpers import ServerProcess
from tests.ui.helpers import SIZE, logs_screen, make_app, request_count, settle, write_config


@pytest.fixture
def paris_config(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config.toml", display_tz="Europe/Paris")


def server_log(server: ServerProcess) -> Path:
    return server.db_path.with_suffix(".server.log")


async def test_times_show_in_display_tz_and_z_switches_to_utc_without_a_request(
    course_server: ServerProcess, paris_config: Path
) -> None:
    # --start/--end are typed in the display zone: 12:00 in Paris (CEST) is 10:00 UTC.
    app = make_app(
        url=course_server.url, config_path=paris_config, start="2023-04-23T12:00", end="2023-04-23T12:30"
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        assert screen.current_query.window.start == parse_ts("2023-04-23T10:00:00")
        assert screen.current_query.window.end == parse_ts("2023-04-23T10:30:00")
        view = screen.log_view
        assert view.loaded_count == 22
        assert view.shown_time(0) == "2023-04-23T12:00:00"
        assert view.record_at(0).timestamp == "2023-04-23T10:00:00"
        bar = screen.range_bar
        assert (bar.start_input.value, bar.end_input.value) == ("2023-04-23T12:00:00", "2023-04-23T12:30:00")
        assert bar.zone_label == "Europe/Paris  z: UTC"
        assert "2023-04-23 12:00:00 → 12:30:00" in screen.counts_text
        histogram = screen.histogram
        assert histogram.stats is not None
        axis = histogram.render_line(histogram.size.height - 1).text
        assert axis.startswith("2023-04-23 12:00:00") and axis.rstrip().endswith("2023-04-23 12:30:00")

        requests = request_count(server_log(course_server))
        await pilot.press("z")
        await settle(pilot)
        assert screen.zone.is_utc
        assert view.shown_time(0) == "2023-04-23T10:00:00"
        assert (bar.start_input.value, bar.end_input.value) == ("2023-04-23T10:00:00", "2023-04-23T10:30:00")
        assert bar.zone_label == "UTC  z: Europe/Paris"
        assert "2023-04-23 10:00:00 → 10:30:00" in screen.counts_text
        assert histogram.render_line(histogram.size.height - 1).text.startswith("2023-04-23 10:00:00")
        # Only the display changed: the same window, nothing asked again.
        assert request_count(server_log(course_server)) == requests
        assert view.loaded_count == 22

        await pilot.press("z")
        await settle(pilot)
        assert screen.zone.name == "Europe/Paris"
        assert view.shown_time(21) == "2023-04-23T12:22:00"


async def test_typed_times_are_read_in_the_zone_shown_and_sent_in_utc(
    course_server: ServerProcess, paris_config: Path
) -> None:
    app = make_app(
        url=course_server.url, config_path=paris_config, start="2023-04-23T12:00", end="2023-04-23T12:30"
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        await pilot.press("s")
        screen.range_bar.start_input.value = "2023-04-23T12:10"
        screen.range_bar.end_input.value = "2023-04-23T12:15"
        await pilot.press("enter")
        await settle(pilot)
        window = screen.current_query.window
        assert (window.start, window.end) == (
            parse_ts("2023-04-23T10:10:00"),
            parse_ts("2023-04-23T10:15:00"),
        )
        assert screen.log_view.loaded_count == 6
        log = server_log(course_server).read_text()
        assert "start_time=2023-04-23T10%3A10%3A00&end_time=2023-04-23T10%3A15%3A00" in log
        # An offset typed by the user wins over the zone.
        screen.range_bar.start_input.value = "2023-04-23T10:20Z"
        screen.range_bar.end_input.value = ""
        screen.range_bar.start_input.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert screen.current_query.window.start == parse_ts("2023-04-23T10:20:00")
        assert screen.range_bar.start_input.value == "2023-04-23T12:20:00"
        # A wrong value names its field, as before, and nothing is sent.
        screen.range_bar.start_input.value = "2023-04-23T12:15"
        screen.range_bar.end_input.value = "2023-04-23T12:10"
        screen.range_bar.start_input.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert "the end (2023-04-23T12:10:00) is before the start (2023-04-23T12:15:00)" in (
            screen.range_bar.error_text
        )


async def test_detail_shows_utc_and_the_zone_and_export_keeps_utc(
    course_server: ServerProcess, paris_config: Path, tmp_path: Path
) -> None:
    app = make_app(
        url=course_server.url, config_path=paris_config, start="2023-04-23T12:00", end="2023-04-23T12:05"
    )
    dest = tmp_path / "out.csv"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        screen.log_view.focus()
        await pilot.press("end", "enter")
        await pilot.pause()
        detail = app.screen
        assert isinstance(detail, DetailScreen)
        assert detail.time_text == "2023-04-23T10:05:00 UTC  =  2023-04-23T12:05:00 CEST (Europe/Paris)"
        await pilot.press("escape")
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        assert dialog.title_text.startswith("Export 2023-04-23 12:00:00 → 12:05:00 (Europe/Paris)")
        assert "stay in UTC" in dialog.title_text
        dialog.query_one("#export-path", Input).value = str(dest)
        await pilot.press("enter")
        await settle(pilot)
    with dest.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["timestamp"] for r in rows] == [f"2023-04-23T10:0{m}:00" for m in range(6)]


async def test_z_switches_utc_to_the_local_zone_when_display_tz_is_utc(
    course_server: ServerProcess, local_is_new_york: None
) -> None:
    app = make_app(url=course_server.url, start="2023-04-23T10:00:00", end="2023-04-23T10:30:00")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        assert screen.range_bar.zone_label == "UTC  z: local"
        assert screen.log_view.shown_time(0) == "2023-04-23T10:00:00"
        await pilot.press("z")
        await settle(pilot)
        assert screen.range_bar.zone_label == "local (EDT)  z: UTC"
        assert screen.log_view.shown_time(0) == "2023-04-23T06:00:00"
        assert screen.range_bar.start_input.value == "2023-04-23T06:00:00"
        screen.log_view.focus()
        await pilot.press("home", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.time_text == "2023-04-23T10:00:00 UTC  =  2023-04-23T06:00:00 EDT (local)"


async def test_the_zone_key_is_in_help_and_the_palette(course_server: ServerProcess) -> None:
    app = make_app(url=course_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Times: UTC / local" in titles
    from rich.console import Console

    console = Console(width=150, record=True)
    console.print(help_renderable())
    text = console.export_text()
    assert "z " in text and "times in UTC / in your zone" in text


async def test_a_bad_display_tz_is_named_and_the_app_runs_on_defaults(
    course_server: ServerProcess, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('display_tz = "Europe/Pariss"\n')
    app = make_app(url=course_server.url, config_path=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.config_error is not None
        assert "display_tz" in str(app.config_error) and "'Europe/Pariss' is not a time zone" in str(
            app.config_error
        )
        assert logs_screen(app).zone.is_utc
