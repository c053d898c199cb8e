"""No stale views: what the screen shows follows what the target holds now. Real servers (log-analyzer child
processes, the embedded runtime) throughout."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
from textual.widgets import Button, Input, Label, Static

from logtui.ui.screens.container import ContainerScreen
from logtui.ui.widgets.confirm import ConfirmDialog, TypedConfirmDialog
from tests.helpers import ServerProcess
from tests.ui.helpers import (
    SIZE,
    http_target,
    logs_screen,
    make_app,
    settle,
    wait_for,
    write_config,
)
from tests.ui.test_container_screen import settle as container_settle


def _records(tag: str, minutes: range, hour: int = 10) -> list[dict[str, str]]:
    return [
        {"timestamp": f"2023-04-23T{hour:02d}:{m:02d}:00", "tag": tag, "message": f"{tag} at {m}"}
        for m in minutes
    ]


async def test_tag_boxes_are_the_tags_the_store_has(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory()
    server.post(_records("INFO", range(0, 5)) + _records("WARN", range(5, 7)))
    app = make_app(
        url=server.url, start="2023-04-23T10:00", end="2023-04-23T10:02"
    )  # a window with INFO only
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tags = logs_screen(app).tag_filter
        # WARN (the store's spelling) and no WARNING; no ERROR or DEBUG either: the store has none
        assert tags.known_tags == ["INFO", "WARN"]


async def test_a_filter_that_hides_a_whole_window_says_so(
    server_factory: Callable[..., ServerProcess],
) -> None:
    server = server_factory(seed=True)
    app = make_app(url=server.url, start="2023-04-23T10:00", end="2023-04-23T10:05")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        await pilot.press("slash", *"nothing like this", "enter")
        await settle(pilot)
        assert screen.log_view.loaded_count == 0
        notice = screen.notice.text
        assert "has records, but the search 'nothing like this' hides all of them" in notice
        assert "clear the search" in notice and "press j" not in notice
        screen.query_one("#search", Input).value = ""
        await pilot.press("slash", "enter")
        await settle(pilot)
        assert screen.log_view.loaded_count == 6
        # a window that is really empty still says so, and where the data is
        await pilot.press("slash", *"error", "enter", "left_square_bracket")
        await settle(pilot)
        assert "No records match the filters in" in screen.notice.text and "press j" in screen.notice.text


async def test_the_histogram_follows_the_records_while_following(
    server_factory: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    server = server_factory(seed=True)
    config = write_config(tmp_path / "c.toml", http_target("live", server.url), follow_interval=0.5)
    app = make_app(profile="live", config_path=config, start="2023-04-23T10:00")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        screen.stats_refresh_interval = 0  # every poll with new records may redraw (10 s in real use)
        await pilot.press("f")
        await settle(pilot)
        assert screen.histogram.stats is not None and screen.histogram.stats.total == 22
        server.post(_records("ERROR", range(0, 3), hour=11))
        await wait_for(
            pilot,
            lambda: screen.histogram.stats is not None and screen.histogram.stats.total == 25,
            what="the histogram counting the new records",
        )
        assert screen.log_view.loaded_count == 25
        assert screen.histogram.stats.tags["ERROR"] == 4


async def test_remove_and_delete_volume_reload_the_log_view(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.toml", runtime="embedded", demo_records=200)
    app = make_app(now=datetime.now(UTC), config_path=config, start="-7d", end="now")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        logs = logs_screen(app)
        assert logs.log_view.loaded_count > 0

        # (the container screen follows the service's output without end: its own settle skips that worker)
        await pilot.press("c")
        await container_settle(pilot)
        assert isinstance(app.screen, ContainerScreen)
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.click("#confirm")
        await container_settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        # the log view reloaded: no rows of a service that is gone, and what to do instead
        assert logs.log_view.loaded_count == 0
        assert "The local service is not answering" in logs.error_panel.text
        assert "Press r to start it again" in logs.error_panel.text

        await pilot.press("c")
        await container_settle(pilot)
        await pilot.press("s")  # start it again from the container screen: the view follows
        await container_settle(pilot)
        await pilot.press("D")
        await container_settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, TypedConfirmDialog)
        body = str(dialog.query_one(".dialog-body", Static).content)
        assert "The service stops too" in body
        typed = dialog.query_one("#typed", Input)
        typed.value = "wrong"
        await pilot.pause()
        note = str(dialog.query_one("#typed-error", Label).content)
        assert "'wrong' is not delete" in note and "exactly" in note
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog  # nothing deleted
        typed.value = "del"  # on the way to the word: no complaint
        await pilot.pause()
        assert str(dialog.query_one("#typed-error", Label).content) == ""
        typed.value = dialog.word
        await pilot.pause()
        assert not dialog.query_one("#confirm", Button).disabled
        await pilot.click("#confirm")
        await container_settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert logs.log_view.loaded_count == 0
        assert "The local service is not answering" in logs.error_panel.text


async def test_a_new_target_starts_with_its_own_tag_boxes(
    server_factory: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    one = server_factory(name="one")
    one.post(_records("AUDIT", range(0, 2)))
    two = server_factory(name="two", seed=True)
    config = write_config(tmp_path / "c.toml", http_target("one", one.url), http_target("two", two.url))
    app = make_app(profile="one", config_path=config, start="2023-04-23")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        assert screen.tag_filter.known_tags == ["AUDIT"]
        app.open_target(app.config.targets[1])
        await settle(pilot)
        assert screen.tag_filter.known_tags == ["INFO", "ERROR"]
        assert screen.log_view.loaded_count == 22
        async with httpx.AsyncClient() as http:
            assert (await http.get(f"{two.url}/health")).status_code == 200


async def test_the_local_services_actions_are_in_the_palette_on_the_log_screen(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.toml", runtime="embedded", demo_records=100)
    app = make_app(now=datetime.now(UTC), config_path=config, start="-7d", end="now")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        logs = logs_screen(app)
        titles = [c.title for c in app.get_system_commands(logs)]
        for label in ("Build", "Start", "Stop", "Restart", "Remove", "Back up", "Delete volume"):
            assert f"Local service: {label}" in titles
        app.action_command_palette()
        await pilot.pause()
        await pilot.press(*"Local service: Stop")
        await container_settle(pilot)  # the palette searches in workers too
        await pilot.press("enter")
        await container_settle(pilot)
        # the container screen opened and ran Stop once it knew the service's state
        screen = app.screen
        assert isinstance(screen, ContainerScreen)
        assert screen.status is not None and screen.status.state.value == "exited"  # stopped by us
        assert "Stopped" in str(screen.query_one("#activity-label", Label).content)
        # there the screen's own provider lists them: the app's list does not repeat them
        assert "Local service: Stop" not in [c.title for c in app.get_system_commands(screen)]
        await pilot.press("escape")
        await settle(pilot)
        assert "The local service is not answering" in logs.error_panel.text


async def test_at_80x24_the_status_bar_and_legend_keep_whole_words(
    server_factory: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    server = server_factory()
    names = ["INFO", "WARN", "ERROR", "AUTHENTICATION", "BILLING", "SCHEDULER", "GATEWAY", "PAYMENTS"]
    server.post([r for i, tag in enumerate(names) for r in _records(tag, range(i, i + 2))])
    target = http_target("production-eu-west-1-billing-service", server.url)
    config = write_config(tmp_path / "c.toml", target, follow_interval=30)
    app = make_app(profile=target.name, config_path=config, start="2023-04-23T10:00", end="2023-04-23T10:30")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        bar = screen.status_bar
        line = str(bar.content)
        width = bar.content_size.width
        assert len(line) <= width
        parts = line.split("  │  ")
        assert parts[0] == f"● {target.name} (HTTP)"  # the target first, whole
        assert all(part in bar.text.split("  │  ") for part in parts)  # whole parts only, none cut
        assert len(parts) < len(bar.text.split("  │  "))  # something had to go at this width

        histogram = screen.histogram
        legend = histogram.render_line(histogram.content_size.height - 1).text
        assert "16 records" in legend and "more" in legend
        shown = [w for w in legend.split() if w.strip("■").isalpha() and w.strip("■").isupper()]
        assert shown and all(w.strip("■") in names for w in shown), legend  # no tag cut in two


async def test_a_long_histogram_message_wraps_at_spaces(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory(seed=True)
    app = make_app(url=server.url)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        histogram = logs_screen(app).histogram
        # the longest message the screen gives it: why there is no histogram, over 80 columns
        histogram.show_unavailable(
            "this target has only GET /logs (no /stats), so there are no counts. Tag and text filters are "
            "applied by logtui."
        )
        await pilot.pause()
        rows = [histogram.render_line(y).text.strip() for y in range(histogram.content_size.height)]
        text = " ".join(r for r in rows if r)
        assert text == histogram.message  # all of it, over several rows, no word split
        assert len([r for r in rows if r]) > 1


async def test_the_stats_other_sum_is_not_a_tag_box(server_factory: Callable[..., ServerProcess]) -> None:
    # /stats names at most its 50 largest tags and sums the rest as "(other)": no box can filter on that.
    server = server_factory()
    tags = [f"T{i:02d}" for i in range(55)]
    server.post([r for i, tag in enumerate(tags) for r in _records(tag, range(i % 60, i % 60 + 1))])
    app = make_app(url=server.url, start="2023-04-23T10:00", end="2023-04-23T11:00")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        assert screen.histogram.stats is not None and "(other)" in screen.histogram.stats.tags
        known = screen.tag_filter.known_tags
        assert "(other)" not in known
        assert set(known) <= set(tags) and len(known) >= 50
