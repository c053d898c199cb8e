"""Snapshot tests (pytest-textual-snapshot) of the main screens, made from the real app through the factory.

Deterministic: a fixed clock (AppOptions.now), a fixed terminal size, no cursor blink, no animations, and a
real server holding the course's fixed sample. Two things vary between runs and are pinned on screen before
the picture, so the snapshot holds only what the code decides: the server's free port (shown in the status
bar's address) and the last request's latency.

Update after an intended change of the UI: `pytest tests/ui/test_snapshots.py --snapshot-update`, then look
at the SVGs under tests/ui/__snapshots__/ before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from logtui.core.config import Target, TargetKind
from logtui.ui.app import LogtuiApp
from logtui.ui.screens.container import ContainerScreen
from logtui.ui.screens.detail import DetailScreen
from logtui.ui.widgets.container_panel import ContainerPanel
from tests.helpers import ServerProcess
from tests.ui.helpers import make_app, settle, write_config

SNAP_SIZE = (120, 36)
PINNED_PORT = "8000"
PINNED_LATENCY = 0.012

Snap = Callable[..., bool]


def quiet(app: LogtuiApp) -> LogtuiApp:
    app.animation_level = "none"
    return app


def pin(app: LogtuiApp, server: ServerProcess | None = None) -> None:
    """Fix what differs from run to run: the port in the shown address, the latency; stop cursor blink."""
    screen = app.logs_screen
    assert screen is not None
    bar = screen.status_bar
    if server is not None:
        bar.address = bar.address.replace(f":{server.port}", f":{PINNED_PORT}")
    bar.set_latency(PINNED_LATENCY if bar.latency is not None else None)
    for stacked in app.screen_stack:
        for field in stacked.query(Input):
            field.cursor_blink = False


def settled(
    app: LogtuiApp,
    server: ServerProcess | None = None,
    then: Callable[[Pilot[Any]], Awaitable[None]] | None = None,
    check: Callable[[LogtuiApp], None] | None = None,
) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """The run_before for snap_compare: settle, act, settle, pin, then check behaviour (the app is gone
    once the picture is taken, so what the picture shows is asserted here too, not only drawn)."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        if then is not None:
            await then(pilot)
            await settle(pilot)
        pin(app, server)
        await pilot.pause()
        if check is not None:
            check(app)

    return run_before


def logs_of(app: LogtuiApp) -> Any:
    assert app.logs_screen is not None
    return app.logs_screen


def test_logs_screen_with_histogram(snap_compare: Snap, course_server: ServerProcess) -> None:
    app = quiet(make_app(url=course_server.url, start="2023-04-23T10:00:00", end="2023-04-23T10:30:00"))

    def check(app: LogtuiApp) -> None:
        assert logs_of(app).log_view.loaded_count == 22
        assert logs_of(app).histogram.state == "stats"

    assert snap_compare(app, terminal_size=SNAP_SIZE, run_before=settled(app, course_server, check=check))


def test_detail_view_of_the_error(snap_compare: Snap, course_server: ServerProcess) -> None:
    app = quiet(make_app(url=course_server.url, start="2023-04-23T10:00:00", end="2023-04-23T10:30:00"))

    async def open_last(pilot: Pilot[Any]) -> None:
        screen = app.logs_screen
        assert screen is not None
        screen.log_view.focus()
        await pilot.press("end", "enter")

    def check(app: LogtuiApp) -> None:
        assert isinstance(app.screen, DetailScreen)

    assert snap_compare(
        app, terminal_size=SNAP_SIZE, run_before=settled(app, course_server, open_last, check)
    )


def test_remote_target(snap_compare: Snap, course_server: ServerProcess, tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "config.toml",
        Target("prod", course_server.url, TargetKind.APPRUNNER, token_env="PROD_KEY"),
    )
    app = quiet(make_app(profile="prod", config_path=config))

    def check(app: LogtuiApp) -> None:
        text = logs_of(app).status_bar.text
        assert "prod (App Runner)" in text and "PROD_KEY" not in text
        assert logs_of(app).log_view.loaded_count == 22

    assert snap_compare(app, terminal_size=SNAP_SIZE, run_before=settled(app, course_server, check=check))


def test_error_state_connection_refused(snap_compare: Snap) -> None:
    # Port 9 (discard) on the loopback: nothing listens there, so the connection is refused, every run alike.
    app = quiet(make_app(url="http://127.0.0.1:9"))

    def check(app: LogtuiApp) -> None:
        assert "127.0.0.1" in logs_of(app).error_panel.text

    assert snap_compare(app, terminal_size=SNAP_SIZE, run_before=settled(app, check=check))


def test_container_screen_without_docker(
    snap_compare: Snap, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fixed socket path that never exists: the text naming it is the same on every run.
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    config = write_config(tmp_path / "config.toml", runtime="docker")
    app = quiet(make_app(config_path=config))

    async def open_container(pilot: Pilot[Any]) -> None:
        await pilot.press("c")
        await settle(pilot)

    def check(app: LogtuiApp) -> None:
        assert isinstance(app.screen, ContainerScreen)
        assert app.screen.query_one(ContainerPanel).facts["Docker"] == "not reachable"

    assert snap_compare(app, terminal_size=SNAP_SIZE, run_before=settled(app, None, open_container, check))


#: Records for the reading-comfort snapshots: JSON objects and plain lines, with and without microseconds.
READING = [
    {
        "timestamp": "2023-04-23T10:00:00",
        "tag": "INFO",
        "message": '{"user": "u7", "total": 30.50, "event": "checkout", "level": "info", '
        '"request_id": "r-1"}',
    },
    {"timestamp": "2023-04-23T10:00:01.250000", "tag": "INFO", "message": "GET /api/orders/42 200 in 12 ms"},
    {
        "timestamp": "2023-04-23T10:00:02",
        "tag": "ERROR",
        "message": '{"msg": "payment failed", "level": "error", "request_id": "r-2", "code": 402, '
        '"card": {"brand": "visa", "last4": "4242"}}',
    },
    {
        "timestamp": "2023-04-23T10:00:03.000001",
        "tag": "WARNING",
        "message": "slow checkout query took 950 ms",
    },
    {
        "timestamp": "2023-04-23T10:00:04",
        "tag": "DEBUG",
        "message": '{"event": "cache_miss", "key": "session:u7", "took_ms": 3}',
    },
]


def _reading_app(
    server_factory: Callable[..., ServerProcess], tmp_path: Path
) -> tuple[ServerProcess, LogtuiApp]:
    """A server holding READING, and the app on it with times shown in Europe/Paris."""
    server = server_factory()
    server.post(READING)
    config = write_config(tmp_path / "config.toml", display_tz="Europe/Paris")
    app = quiet(
        make_app(url=server.url, config_path=config, start="2023-04-23T12:00", end="2023-04-23T12:05")
    )
    return server, app


def test_reading_in_a_zone_with_json_summaries_and_a_search(
    snap_compare: Snap, server_factory: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    server, app = _reading_app(server_factory, tmp_path)

    async def search(pilot: Pilot[Any]) -> None:
        field = app.screen.query_one("#search", Input)
        field.focus()
        field.value = "checkout"
        await pilot.press("enter")

    def check(app: LogtuiApp) -> None:
        view = logs_of(app).log_view
        assert view.loaded_count == 2
        assert view.shown_time(0) == "2023-04-23T12:00:00"
        assert view.shown_message(0).startswith("event=checkout level=info request_id=r-1")
        assert logs_of(app).range_bar.zone_label == "Europe/Paris  z: UTC"

    assert snap_compare(app, terminal_size=SNAP_SIZE, run_before=settled(app, server, search, check))


def test_detail_view_in_a_zone(
    snap_compare: Snap, server_factory: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    server, app = _reading_app(server_factory, tmp_path)

    async def open_error(pilot: Pilot[Any]) -> None:
        logs_of(app).log_view.focus()
        await pilot.press("down", "down", "enter")

    def check(app: LogtuiApp) -> None:
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.time_text == "2023-04-23T10:00:02 UTC  =  2023-04-23T12:00:02 CEST (Europe/Paris)"

    assert snap_compare(app, terminal_size=SNAP_SIZE, run_before=settled(app, server, open_error, check))
