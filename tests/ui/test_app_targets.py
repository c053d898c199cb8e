"""Targets: switching between real servers (one client each, the old one closed), adding, editing and
removing saved targets (written to the config file), the local target on the embedded runtime, a broken
config file, help and the command palette."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from textual.widgets import Input

from logtui.core.config import load_config
from logtui.core.runtime import RuntimeState
from logtui.ui.screens.help import HelpScreen
from logtui.ui.screens.target_form import TargetForm
from logtui.ui.screens.targets import TargetsCommands, TargetsScreen
from logtui.ui.widgets.confirm import ConfirmDialog
from tests.helpers import ServerProcess
from tests.ui.helpers import (
    SIZE,
    http_target,
    logs_screen,
    make_app,
    settle,
    shown_messages,
    wait_for,
    write_config,
)


@pytest.fixture
def other_server(server_factory: Callable[..., ServerProcess]) -> ServerProcess:
    server = server_factory(name="other")
    records = [{"timestamp": "2023-04-23T10:10:30", "tag": "WARNING", "message": "from the other server"}]
    assert httpx.post(f"{server.url}/logs", json={"logs": records}).status_code == 201
    return server


async def test_switch_target_from_the_targets_screen(
    course_server: ServerProcess, other_server: ServerProcess, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path / "c.toml", http_target("course", course_server.url), http_target("other", other_server.url)
    )
    app = make_app(profile="course", config_path=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        assert screen.log_view.loaded_count == 22
        first_client = app.client
        assert first_client is not None
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TargetsScreen)
        assert app.screen.selected().name == "course"  # type: ignore[union-attr]
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert app.target.name == "other"
        assert app.client is not first_client
        assert first_client._http.is_closed  # one client per target: the old one is closed
        assert shown_messages(app) == ["2023-04-23T10:10:30 WARNING"]
        assert screen.status_bar.text.startswith("● other")
        assert "WARNING" in screen.tag_filter.known_tags
        # the next start opens the default (local here): the switch says so, and that m changes it
        assert any(
            "logtui still starts on local" in n.message and "press m" in n.message for n in app._notifications
        )
        # and back, from the command palette
        switch = next(c for c in app.get_system_commands(screen) if c.title == "Switch to course")
        switch.callback()
        await settle(pilot)
        assert app.target.name == "course"
        assert screen.log_view.loaded_count == 22


async def test_add_edit_remove_targets_saves_the_config(course_server: ServerProcess, tmp_path: Path) -> None:
    config_path = tmp_path / "c.toml"
    app = make_app(url=course_server.url, config_path=config_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t", "a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, TargetForm)
        form.query_one("#field-name", Input).value = "prod"
        form.query_one("#field-url", Input).value = "ftp://example.com"
        form.save()
        await pilot.pause()
        assert app.screen is form  # a bad URL is marked, nothing saved
        assert form.query_one("#field-url", Input).has_class("-invalid")
        assert "http://" in str(form.query_one("#target-form-error").content)
        assert not config_path.exists()
        form.query_one("#field-url", Input).value = "https://abc.eu-west-1.awsapprunner.com"
        form.query_one("#field-token_env", Input).value = "PROD_TOKEN"
        form.save()
        await settle(pilot)
        assert isinstance(app.screen, TargetsScreen)
        saved = load_config(config_path)
        assert [(t.name, t.kind.value, t.token_env) for t in saved.targets] == [
            ("prod", "apprunner", "PROD_TOKEN")
        ]
        # edit: the cursor is on the new target
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, TargetForm)
        form.query_one("#field-timeout", Input).value = "30"
        form.save()
        await settle(pilot)
        assert load_config(config_path).targets[0].timeout == 30.0
        # remove, confirmed
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert load_config(config_path).targets == []
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is logs_screen(app)


async def test_a_broken_config_is_shown_and_the_app_runs_on_defaults(
    course_server: ServerProcess, tmp_path: Path
) -> None:
    config_path = tmp_path / "c.toml"
    config_path.write_text("page_size = 'lots'\n")
    app = make_app(url=course_server.url, config_path=config_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.config_error is not None and "page_size" in app.config_error.title
        assert any("page_size" in n.message for n in app._notifications)
        assert logs_screen(app).log_view.loaded_count == 22
        await pilot.press("t")
        await pilot.pause()
        assert "defaults" in str(app.screen.query_one("#targets-message").content)


async def test_help_and_command_palette(course_server: ServerProcess) -> None:
    app = make_app(url=course_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for wanted in (
            "Targets",
            "Local service",
            "Window: the last 15m",
            "Window: everything",
            "Window: earlier",
            "Jump to the data",
            "Search messages",
            "Follow (live tail)",
            "Export window",
            "Copy record",
            "Wrap messages",
            "Retry",
            "Help",
        ):
            assert wanted in titles
        # a palette command really acts
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Window: the last 15m")
        command.callback()
        await settle(pilot)
        assert logs_screen(app).log_view.loaded_count == 7


async def test_local_target_starts_the_embedded_runtime() -> None:
    app = make_app(now=datetime.now(UTC), runtime="embedded")
    async with app.run_test(size=SIZE) as pilot:
        screen = logs_screen(app)
        await wait_for(
            pilot, lambda: screen.log_view.loaded_count > 0, limit=120, what="the local service's logs"
        )
        assert app.target.is_local
        assert "embedded · healthy · 127.0.0.1:" in screen.status_bar.text
        assert screen.error_panel.text == ""
        runtime = app.runtime
        assert runtime is not None and runtime.kind == "embedded"
        from logtui.ui.screens.container import ContainerScreen

        await pilot.press("c")
        # the container screen keeps workers running (status refresh, output follow): pump messages only
        await wait_for(
            pilot, lambda: isinstance(app.screen, ContainerScreen), workers=False, what="container"
        )
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
    # leaving the app stops the embedded service it started
    assert runtime.status().state not in (RuntimeState.RUNNING, RuntimeState.HEALTHY)


def test_the_status_bar_address_keeps_a_path_but_never_credentials() -> None:
    from logtui.ui.app import public_address

    assert public_address("http://127.0.0.1:8777/prod/") == "http://127.0.0.1:8777/prod"
    assert public_address("https://user:pw@example.com/stage?token=x") == "https://example.com/stage"


async def test_tags_and_newest_are_in_the_palette(course_server: ServerProcess) -> None:
    app = make_app(url=course_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert {
            "Tags: all",
            "Tags: only ERROR",
            "Tags: toggle INFO",
            "Newest records",
            "Oldest records",
        } <= set(commands)
        commands["Tags: only ERROR"].callback()
        await settle(pilot)
        assert shown_messages(app) == ["2023-04-23T10:22:00 ERROR"]
        commands["Tags: all"].callback()
        await settle(pilot)
        assert logs_screen(app).log_view.loaded_count == 22


async def test_the_targets_screen_brings_its_own_palette_entries(course_server: ServerProcess) -> None:
    app = make_app(url=course_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert TargetsCommands not in app.screen.COMMANDS
        await pilot.press("t")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TargetsScreen) and TargetsCommands in screen.COMMANDS
        entries = {title: action for title, _help, action in TargetsCommands(screen).entries()}
        assert list(entries) == [
            "Targets: add",
            "Targets: edit",
            "Targets: remove",
            "Targets: make default",
        ]
        entries["Targets: add"]()
        await pilot.pause()
        assert isinstance(app.screen, TargetForm)


async def test_q_quits_from_the_logs_and_goes_back_elsewhere(course_server: ServerProcess) -> None:
    app = make_app(url=course_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TargetsScreen)
        await pilot.press("q")
        await pilot.pause()
        assert app.screen is logs_screen(app)
        await pilot.press("slash", "q")  # typed into the search box, not a quit
        await pilot.pause()
        assert app.is_running
        await pilot.press("escape", "q")
        await pilot.pause()
    assert app.return_code == 0


async def test_saving_the_current_url_target_makes_it_current(
    course_server: ServerProcess, tmp_path: Path
) -> None:
    config_path = tmp_path / "c.toml"
    app = make_app(url=course_server.url, config_path=config_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t", "a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, TargetForm)
        assert form.query_one("#field-url", Input).value == course_server.url  # prefilled
        form.query_one("#field-name", Input).value = "course"
        form.save()
        await settle(pilot)
        targets = app.screen
        assert isinstance(targets, TargetsScreen)
        assert app.target.name == "course"
        assert targets.unsaved_current() is None
        assert [t.name for t in targets.rows()] == ["local", "course"]
        assert logs_screen(app).log_view.loaded_count == 22


async def test_a_taken_name_is_marked_in_the_form_and_nothing_typed_is_lost(
    course_server: ServerProcess, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "c.toml", http_target("course", course_server.url))
    app = make_app(profile="course", config_path=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t", "a")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, TargetForm)
        form.query_one("#field-name", Input).value = "course"
        form.query_one("#field-url", Input).value = "http://10.0.0.1:9999"
        form.save()
        await pilot.pause()
        assert app.screen is form
        assert form.query_one("#field-name", Input).has_class("-invalid")
        assert "exists already" in str(form.query_one("#target-form-error").content)
        assert form.query_one("#field-url", Input).value == "http://10.0.0.1:9999"


async def test_the_local_service_dying_is_shown_and_r_brings_it_back() -> None:
    import os
    import signal

    from logtui.core.runtime.embedded import EmbeddedRuntime

    app = make_app(now=datetime.now(UTC), runtime="embedded")
    async with app.run_test(size=SIZE) as pilot:
        screen = logs_screen(app)
        await wait_for(
            pilot, lambda: screen.log_view.loaded_count > 0, limit=120, what="the local service's logs"
        )
        runtime = app.runtime
        assert isinstance(runtime, EmbeddedRuntime) and runtime.pid is not None
        os.kill(runtime.pid, signal.SIGKILL)  # the service this test started dies under the app
        await pilot.press("2")
        await wait_for(
            pilot, lambda: "exited" in screen.status_bar.text, limit=60, what="exited in the status bar"
        )
        # Refused, or dropped when the request raced the dying process for a kept-alive connection: both are
        # what a killed service looks like, and which one happens depends on the scheduler.
        assert any(
            cause in screen.error_panel.text for cause in ("refused the connection", "dropped the connection")
        )
        assert "The local service is not answering" in screen.error_panel.text
        assert "Press r to start it again, or c for the container screen." in screen.error_panel.text
        await pilot.press("r")  # brings the service back up, not just the request again
        await wait_for(
            pilot,
            lambda: "healthy" in screen.status_bar.text and screen.log_view.loaded_count > 0,
            limit=120,
            what="the service back",
        )
        assert screen.error_panel.text == ""


def test_embedded_states_read_as_such() -> None:
    from logtui.core.runtime import RuntimeState, RuntimeStatus
    from logtui.core.runtime.embedded import EmbeddedRuntime
    from logtui.ui.local_service import describe

    runtime = EmbeddedRuntime()
    assert describe(runtime, RuntimeStatus(RuntimeState.IMAGE_BUILT, "")) == "embedded · stopped"
    assert describe(runtime, RuntimeStatus(RuntimeState.EXITED, "", exit_code=-9)) == "embedded · exited (-9)"


async def test_screenshot_goes_to_the_current_folder_and_says_where(
    course_server: ServerProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app(url=course_server.url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        commands = [c for c in app.get_system_commands(app.screen) if c.title == "Screenshot"]
        assert len(commands) == 1
        commands[0].callback()
        await pilot.pause()
        written = next(n.message for n in app._notifications if n.title == "Screenshot")
    shots = sorted(str(p) for p in tmp_path.iterdir() if p.suffix == ".svg")  # noqa: ASYNC240 - after the app
    assert len(shots) == 1
    assert shots[0] in written
