"""The container screen driven by Pilot against real runtimes.

Embedded runtime: a real `log-analyzer serve` child process over a real SQLite file under the tmp XDG dirs.
Docker runtime: the real engine (skipped without one, failing under LOGTUI_REQUIRE_DOCKER=1), with container
and volume names unique to the test run, removed afterwards. One fake runtime appears, for the one state a
real engine cannot be driven into on cue: the daemon dying between a status call and the next action.
"""

from __future__ import annotations

import re
import socket
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.app import App
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Button, Input, Label, Log, Static

from logtui.core.errors import DockerUnavailable
from logtui.core.runtime.base import DockerSettings, Runtime, RuntimeState, RuntimeStatus
from logtui.core.runtime.embedded import EmbeddedRuntime
from logtui.ui.screens.container import (
    LOGS_GROUP,
    ContainerActionFailed,
    ContainerActionFinished,
    ContainerActionStarted,
    ContainerScreen,
    ContainerStatusRefreshed,
    LocalServiceStarted,
)
from logtui.ui.widgets.build_output import BuildOutput, parse_step
from logtui.ui.widgets.confirm import ConfirmDialog, PathPrompt, TypedConfirmDialog
from logtui.ui.widgets.container_panel import ContainerPanel
from tests.ui.helpers import settle as settle_app

FIXED_NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


class ContainerHost(App[None]):
    """A bare app that shows the screen and records every container message that bubbles up to it."""

    def __init__(self, runtime: Runtime) -> None:
        super().__init__()
        self.runtime = runtime
        self.seen: list[Message] = []

    def on_mount(self) -> None:
        # No timer-driven refreshes in tests: every refresh here is one the test caused and waits for.
        self.push_screen(ContainerScreen(self.runtime, refresh_interval=3600, health_timeout=60))

    def on_container_status_refreshed(self, message: ContainerStatusRefreshed) -> None:
        self.seen.append(message)

    def on_container_action_started(self, message: ContainerActionStarted) -> None:
        self.seen.append(message)

    def on_container_action_finished(self, message: ContainerActionFinished) -> None:
        self.seen.append(message)

    def on_container_action_failed(self, message: ContainerActionFailed) -> None:
        self.seen.append(message)

    def on_local_service_started(self, message: LocalServiceStarted) -> None:
        self.seen.append(message)

    def of(self, kind: type[Message]) -> list[Any]:
        return [m for m in self.seen if isinstance(m, kind)]


async def settle(pilot: Pilot[None], *, include_output: bool = False) -> None:
    """Wait until the screen's workers (but the open-ended output follower, unless asked) are done and their
    messages handled — including the status refresh every finished action triggers."""
    await settle_app(pilot, open_ended=() if include_output else (LOGS_GROUP,))


def screen_of(app: App[None]) -> ContainerScreen:
    screen = app.screen_stack[1]
    assert isinstance(screen, ContainerScreen)
    return screen


def facts(app: App[None]) -> dict[str, str]:
    return screen_of(app).query_one(ContainerPanel).facts


def banner(app: App[None]) -> str:
    widget = screen_of(app).query_one("#container-error", Static)
    return str(widget.content) if widget.display else ""


def service_output(app: App[None]) -> str:
    return "\n".join(screen_of(app).query_one("#service-output", Log).lines)


async def get(url: str, **kwargs: Any) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.get(url, **kwargs)


def records_in(db: Path) -> int:
    with sqlite3.connect(db) as con:
        return int(con.execute("SELECT COUNT(*) FROM logs").fetchone()[0])


# --- embedded runtime ---------------------------------------------------------------------------------------


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[EmbeddedRuntime]:
    runtime = EmbeddedRuntime(tmp_path / "embedded" / "logs.db", demo_records=300)
    yield runtime
    runtime.close()
    assert runtime.pid is None or not runtime._running(), "the embedded server outlived the test"


async def test_embedded_start_follows_output_and_points_the_app_at_it(embedded: EmbeddedRuntime) -> None:
    app = ContainerHost(embedded)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert facts(app)["Runtime"].startswith("Embedded")
        assert facts(app)["Service"] == "not running"
        assert "Press s to start" in facts(app)["Next"]
        assert not screen_of(app).query_one("#do-start", Button).disabled
        assert screen_of(app).query_one("#do-stop", Button).disabled

        await pilot.press("s")
        await settle(pilot)
        started = app.of(LocalServiceStarted)
        assert len(started) == 1
        url = started[0].base_url
        assert url.startswith("http://127.0.0.1:")
        assert (await get(f"{url}/health")).json()["records"] == 300
        assert facts(app)["Service"] == "running · healthy"
        assert facts(app)["Address"] == url
        assert facts(app)["Store"] == "sqlite"  # as the service's /health reports it
        assert facts(app)["Database size"] != "unknown"
        assert [m.action for m in app.of(ContainerActionFinished)] == ["start"]
        assert screen_of(app).query_one("#do-start", Button).disabled

        await pilot.press("x")
        # Stopping ends the output stream, so now every worker (the follower too) finishes.
        await settle(pilot, include_output=True)
        assert facts(app)["Service"] == "stopped"
        output = service_output(app)
        assert "following the service's output" in output
        assert "Application startup complete." in output
        assert [m.action for m in app.of(ContainerActionFinished)] == ["start", "stop"]
        assert banner(app) == ""


async def test_output_arriving_after_the_screen_closed_is_dropped(embedded: EmbeddedRuntime) -> None:
    """CI saw the output follower's last message (stream ended) handled after the screen's widgets were gone,
    which ended the app with NoMatches. The screen is closed for real; the late messages are handed to it the
    way the message pump would."""
    from logtui.ui.messages import ServiceOutputEnded, ServiceOutputReceived

    app = ContainerHost(embedded)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        screen = screen_of(app)
        # running, so a stream that ends is worth a rule in the pane (the path that failed)
        assert screen.status is not None and screen.status.state is RuntimeState.HEALTHY
        app.pop_screen()
        await pilot.pause()
        assert not screen.query("#service-output")
        screen.on_service_output_received(ServiceOutputReceived(["late line"]))
        screen.on_service_output_ended(ServiceOutputEnded(None))
        assert app.is_running and app.screen is not screen


async def test_embedded_restart_build_and_remove(embedded: EmbeddedRuntime) -> None:
    app = ContainerHost(embedded)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        first = app.of(LocalServiceStarted)[0].base_url

        await pilot.click("#do-restart")
        await settle(pilot)
        urls = [m.base_url for m in app.of(LocalServiceStarted)]
        assert len(urls) == 2 and urls[0] == first
        assert (await get(f"{urls[1]}/health")).status_code == 200

        # Nothing to build for the embedded runtime, and the build pane says so.
        await pilot.press("b")
        await settle(pilot)
        build = screen_of(app).query_one(BuildOutput)
        assert any("Nothing to build" in line for line in build.lines)
        assert build.status_text == "Nothing to build."

        await pilot.press("m")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        body = str(dialog.query_one(".dialog-body", Static).content)
        assert "logs stay" in body
        await pilot.click("#confirm")
        await settle(pilot, include_output=True)
        assert not embedded._running()
        assert embedded.db_path.exists(), "remove must keep the data"
        assert records_in(embedded.db_path) == 300
        assert [m.action for m in app.of(ContainerActionFinished)][-1] == "remove"


async def test_embedded_remove_cancelled_changes_nothing(embedded: EmbeddedRuntime) -> None:
    app = ContainerHost(embedded)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ContainerScreen)
        assert embedded._running()
        assert "remove" not in [m.action for m in app.of(ContainerActionStarted)]


async def test_embedded_backup_writes_a_valid_database(embedded: EmbeddedRuntime, tmp_path: Path) -> None:
    app = ContainerHost(embedded)
    taken = tmp_path / "taken.db"
    taken.write_text("not a database")
    dest = tmp_path / "backups" / "copy.db"
    dest.parent.mkdir()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)

        await pilot.press("u")
        await pilot.pause()
        prompt = app.screen
        assert isinstance(prompt, PathPrompt)
        # An existing file is refused with a reason, and the prompt stays open.
        prompt.query_one("#path", Input).value = str(taken)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is prompt
        assert "already exists" in str(prompt.query_one("#path-error").render())
        assert taken.read_text() == "not a database"

        prompt.query_one("#path", Input).value = str(dest)
        await pilot.press("enter")
        await settle(pilot)
        finished = app.of(ContainerActionFinished)[-1]
        assert finished.action == "backup" and finished.result == dest
        assert records_in(dest) == 300
        assert str(dest) in str(screen_of(app).query_one("#activity-label").render())


async def test_embedded_delete_volume_names_the_count_offers_backup_then_deletes(
    embedded: EmbeddedRuntime, tmp_path: Path
) -> None:
    app = ContainerHost(embedded)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)

        # First time: take the offered backup instead.
        await pilot.press("D")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, TypedConfirmDialog)
        body = str(dialog.query_one(".dialog-body", Static).content)
        assert "300 log records" in body
        assert dialog.query_one("#confirm", Button).disabled
        await pilot.click("#alternative")
        await pilot.pause()
        prompt = app.screen
        assert isinstance(prompt, PathPrompt)
        backup = tmp_path / "before-delete.db"
        prompt.query_one("#path", Input).value = str(backup)
        await pilot.press("enter")
        await settle(pilot)
        assert records_in(backup) == 300
        assert embedded.db_path.exists()

        # QA C7: after the backup the delete confirmation comes back by itself, naming the backup.
        dialog = app.screen
        assert isinstance(dialog, TypedConfirmDialog)
        body = str(dialog.query_one(".dialog-body", Static).content)
        assert f"Backup written to {backup}." in body and "300 log records" in body
        # A wrong word keeps the button disarmed; the right one deletes.
        typed = dialog.query_one("#typed", Input)
        typed.value = "yes"
        await pilot.pause()
        assert dialog.query_one("#confirm", Button).disabled
        typed.value = dialog.word
        await pilot.pause()
        assert not dialog.query_one("#confirm", Button).disabled
        await pilot.click("#confirm")
        await settle(pilot, include_output=True)
        assert not embedded.db_path.exists()
        assert [m.action for m in app.of(ContainerActionFinished)][-1] == "delete_volume"
        assert facts(app)["Database size"] == "none (no database file)"


async def test_embedded_start_failure_is_shown_with_what_to_do(tmp_path: Path) -> None:
    # A real busy port: the child cannot bind it, and a fixed port means no retry on another one.
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        runtime = EmbeddedRuntime(tmp_path / "e" / "logs.db", demo_records=10, port=port)
        try:
            app = ContainerHost(runtime)
            async with app.run_test(size=(120, 40)) as pilot:
                await settle(pilot)
                await pilot.press("s")
                await settle(pilot)
                failed = app.of(ContainerActionFailed)
                assert [m.action for m in failed] == ["start"]
                assert "exited" in failed[0].error.title
                text = banner(app)
                assert failed[0].error.title in text
                assert "address already in use" in text  # the hint carries the server's last output
                screen = screen_of(app)
                assert screen.busy is None
                assert not app.of(LocalServiceStarted)
                # The app keeps running and the next action can be tried.
                assert not screen.query_one("#do-start", Button).disabled
        finally:
            runtime.close()


async def test_command_palette_offers_the_container_actions(
    embedded: EmbeddedRuntime, tmp_path: Path
) -> None:
    app = ContainerHost(embedded)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        app.action_command_palette()
        await pilot.pause()
        await pilot.press(*"Local service: Back up")
        await settle(pilot)  # the palette searches in workers too
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PathPrompt)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ContainerScreen)


# --- Docker unavailable ------------------------------------------------------------------------------------


async def test_docker_unreachable_is_said_plainly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from logtui.core.runtime.docker_runtime import DockerRuntime

    dead = tmp_path / "dead.sock"
    monkeypatch.setenv("DOCKER_HOST", f"unix://{dead}")
    runtime = DockerRuntime(DockerSettings(container_name="logtui-none", volume="logtui-none"))
    app = ContainerHost(runtime)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            shown = facts(app)
            assert shown["Docker"] == "not reachable"
            assert "Start Docker" in shown["Next"] and "DOCKER_HOST" in shown["Next"]
            assert str(dead) in shown["Detail"]
            screen = screen_of(app)
            assert all(b.disabled for b in screen.query("#container-actions Button").results(Button))
            await pilot.press("s")
            await settle(pilot)
            assert not app.of(ContainerActionStarted), "no action runs against a missing daemon"
    finally:
        runtime.close()


class DaemonDiesMidCall:
    """FAKE, on purpose: the engine answers status() and then vanishes during start(). A real engine cannot be
    made to die between two calls on cue in a test; everything else here uses the real ones."""

    kind = "docker"
    base_url = None
    choice_note = None

    def __init__(self) -> None:
        self.alive = True

    def status(self) -> RuntimeStatus:
        if self.alive:
            return RuntimeStatus(RuntimeState.IMAGE_BUILT, "built", image="log-analyzer:test", volume="v")
        return RuntimeStatus(RuntimeState.UNREACHABLE, "No Docker engine answers", image="log-analyzer:test")

    def start(self) -> None:
        self.alive = False
        raise DockerUnavailable("Lost the Docker engine while starting the container", "Start Docker again.")

    def logs(self, tail: int = 100, follow: bool = False) -> Iterator[str]:
        return iter(())

    def close(self) -> None:
        pass


async def test_daemon_gone_mid_action_keeps_the_app_running() -> None:
    runtime: Any = DaemonDiesMidCall()
    app = ContainerHost(runtime)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert [m.action for m in app.of(ContainerActionFailed)] == ["start"]
        assert "Lost the Docker engine" in banner(app) and "Start Docker again." in banner(app)
        assert facts(app)["Docker"] == "not reachable"
        assert app.is_running and screen_of(app).busy is None


def test_build_steps_are_parsed() -> None:
    assert parse_step("Step 3/9 : RUN pip install x") == (3, 9, "RUN pip install x")
    assert parse_step("#7 [3/9] RUN pip install x") == (3, 9, "RUN pip install x")
    assert parse_step("#7 [builder 2/4] COPY . .") == (2, 4, "COPY . .")
    assert parse_step("Successfully built abc") is None
    assert parse_step("Step 10/9 : nonsense") is None


# --- real Docker engine -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def test_image_tag(docker_client: Any) -> Iterator[str]:
    """A tag of this test run's own: the tests never build over (or remove) the user's log-analyzer image.
    Removed at the end of the session; the layers stay in the build cache, so later runs build quickly."""
    tag = f"log-analyzer:test-{uuid.uuid4().hex[:8]}"
    yield tag
    from docker.errors import ImageNotFound

    try:
        docker_client.images.remove(tag, force=True)
    except ImageNotFound:
        pass


@pytest.fixture
def docker_names(docker_client: Any, test_image_tag: str) -> Iterator[DockerSettings]:
    """Unique container/volume names for one test, removed afterwards whatever the test did."""
    suffix = uuid.uuid4().hex[:8]
    settings = DockerSettings(
        container_name=f"logtui-ui-{suffix}", volume=f"logtui-ui-{suffix}-data", image=test_image_tag
    )
    yield settings
    for c in docker_client.containers.list(all=True, filters={"name": settings.container_name}):
        c.remove(force=True)
    for v in docker_client.volumes.list(filters={"name": settings.volume}):
        v.remove(force=True)


@pytest.fixture(scope="session")
def server_image(docker_client: Any, test_image_tag: str) -> str:
    """The service image under the test tag, built once (a warm layer cache makes the UI's build quick)."""
    from logtui.core.runtime.docker_runtime import DockerRuntime

    settings = DockerSettings(image=test_image_tag)
    runtime = DockerRuntime(settings)
    try:
        if runtime.status().state is RuntimeState.IMAGE_MISSING:
            runtime.build(lambda line: None)
    finally:
        runtime.close()
    return settings.image


@pytest.mark.docker
async def test_docker_build_start_backup_stop_remove_delete(
    docker_names: DockerSettings, tmp_path: Path, server_image: str
) -> None:
    from logtui.core.runtime.docker_runtime import DockerRuntime

    runtime = DockerRuntime(docker_names)
    app = ContainerHost(runtime)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert facts(app)["Docker"] == "engine reachable"

            # Build: output streams into the pane with step progress (a warm cache makes this quick).
            await pilot.press("b")
            await settle(pilot)
            assert [m.action for m in app.of(ContainerActionFinished)] == ["build"], banner(app)
            build = screen_of(app).query_one(BuildOutput)
            assert any(parse_step(line) for line in build.lines)
            assert build.total_steps is not None and build.step == build.total_steps
            assert facts(app)["Image"].endswith("· built")

            # QA C4 (re-test): building again changes nothing, and no restart is suggested.
            await pilot.press("b")
            await settle(pilot)
            activity = str(screen_of(app).query_one("#activity-label", Label).content)
            assert "Image up to date" in activity and "Press" not in activity, activity

            await pilot.press("s")
            await settle(pilot)
            url = app.of(LocalServiceStarted)[0].base_url
            assert url.startswith("http://127.0.0.1:")
            response = await get(f"{url}/logs", params={"start_time": "2023-04-23T10:00:00"})
            records = response.json()["logs"]
            assert len(records) == 22  # the image seeds the course's sample into the new volume
            assert facts(app)["Container"].startswith("running · healthy")
            assert facts(app)["Volume"] == docker_names.volume

            dest = tmp_path / "docker-backup.db"
            await pilot.press("u")
            await pilot.pause()
            assert isinstance(app.screen, PathPrompt)
            app.screen.query_one("#path", Input).value = str(dest)
            await pilot.press("enter")
            await settle(pilot)
            assert app.of(ContainerActionFinished)[-1].action == "backup", banner(app)
            assert records_in(dest) == 22

            await pilot.press("x")
            await settle(pilot, include_output=True)
            assert facts(app)["Container"].startswith("exited")
            assert "Application startup complete." in service_output(app)

            await pilot.press("m")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmDialog)
            await pilot.click("#confirm")
            await settle(pilot)
            assert facts(app)["Container"] == "none yet"
            assert facts(app)["Volume"] == docker_names.volume, "the volume outlives the container"

            await pilot.press("D")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, TypedConfirmDialog)
            assert dialog.word == docker_names.volume
            dialog.query_one("#typed", Input).value = docker_names.volume
            await pilot.press("enter")
            await settle(pilot)
            assert facts(app)["Volume"] == "—"
            assert not app.of(ContainerActionFailed), [m.error for m in app.of(ContainerActionFailed)]
    finally:
        runtime.close()


@pytest.mark.docker
async def test_docker_failed_build_names_the_step(
    docker_names: DockerSettings, tmp_path: Path, docker_client: Any
) -> None:
    from logtui.core.runtime.docker_runtime import DockerRuntime

    # A build context whose Dockerfile fails at its second step, on the local stand-in base image.
    context = tmp_path / "context"
    (context / "docker").mkdir(parents=True)
    (context / "server" / "log_analyzer").mkdir(parents=True)
    (context / "docker" / "Dockerfile").write_text(
        "FROM python:3.11-slim\nRUN echo about to fail && exit 3\n"
    )
    tag = f"logtui-ui-broken:{uuid.uuid4().hex[:8]}"
    broken = DockerRuntime(
        DockerSettings(
            container_name=docker_names.container_name,
            volume=docker_names.volume,
            image=tag,
            build_context=context,
        )
    )
    app = ContainerHost(broken)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("b")
            await settle(pilot)
            failed = app.of(ContainerActionFailed)
            assert [m.action for m in failed] == ["build"]
            # The engine appends LABEL steps, so the count is not ours to fix; the failing step is.
            assert re.search(r"Step 2/\d+ : RUN echo about to fail", failed[0].error.title)
            assert failed[0].error.title in banner(app)
            build = screen_of(app).query_one(BuildOutput)
            assert build.step == 2
            assert "failed" in build.status_text.lower()
            assert any("about to fail" in line for line in build.lines)
            assert facts(app)["Image"].endswith("not built")
    finally:
        broken.close()
        for image in docker_client.images.list(name=tag.split(":")[0]):
            docker_client.images.remove(image.id, force=True)


@pytest.mark.docker
async def test_docker_busy_port_is_named(docker_names: DockerSettings, server_image: str) -> None:
    from logtui.core.runtime.docker_runtime import DockerRuntime

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        runtime = DockerRuntime(
            DockerSettings(
                container_name=docker_names.container_name,
                volume=docker_names.volume,
                host_port=port,
                image=server_image,
            )
        )
        app = ContainerHost(runtime)
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                await settle(pilot)
                await pilot.press("s")
                await settle(pilot)
                failed = app.of(ContainerActionFailed)
                assert [m.action for m in failed] == ["start"]
                assert str(port) in banner(app) and "host_port" in banner(app)
                assert facts(app)["Container"] == "none yet", "a failed start leaves nothing behind"
        finally:
            runtime.close()


# --- inside the real app ------------------------------------------------------------------------------------


async def test_the_app_follows_the_service_the_container_screen_restarts(tmp_path: Path) -> None:
    from tests.ui.helpers import make_app, write_config

    # The real app through the factory, local target on the embedded runtime (it seeds demo data ending now).
    config = write_config(tmp_path / "config.toml", runtime="embedded")
    app = make_app(now=datetime.now(UTC), config_path=config, start="-7d", end="now")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        logs = app.logs_screen
        assert logs is not None and logs.log_view.loaded_count > 0
        first_client = app.client
        assert first_client is not None

        await pilot.press("c")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ContainerScreen)
        assert screen.runtime is app.runtime
        assert screen.query_one(ContainerPanel).facts["Service"] == "running · healthy"

        await pilot.press("r")
        await settle(pilot)
        assert app.runtime is not None and app.runtime.base_url is not None
        # LocalServiceStarted reached the app, which swapped its client for one on the new address.
        assert app.client is not None and app.client is not first_client
        assert app.client.base_url == app.runtime.base_url

        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is logs
        assert logs.log_view.loaded_count > 0
        assert logs.error_panel.text == ""


async def test_one_action_at_a_time(embedded: EmbeddedRuntime) -> None:
    app = ContainerHost(embedded)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        await pilot.press("s")
        assert screen.busy == "start"
        assert all(b.disabled for b in screen.query("#container-actions Button").results(Button))
        # The palette calls the same entry point as keys and buttons: refused, and told why.
        screen.run_container_action("build")
        await pilot.pause()
        assert any("Start is still running" in n.message for n in app._notifications)
        await settle(pilot)
        assert [m.action for m in app.of(ContainerActionStarted)] == ["start"]
        assert screen.busy is None
        assert not screen.query_one("#do-stop", Button).disabled


@pytest.mark.parametrize("kind", ["docker", "embedded"])
async def test_every_action_button_fits_at_80_columns(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QA C1: at 80x24 the button row ran off the screen (Back up / Delete volume unreachable by mouse, and
    their keys named nowhere). Every button must lie inside the screen, show its whole label and its key."""
    from logtui.core.runtime.docker_runtime import DockerRuntime
    from logtui.ui.screens.container import ACTIONS

    runtime: Runtime
    if kind == "docker":
        # No engine needed for the layout: a dead socket gives the docker labels ("Delete volume").
        monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'dead.sock'}")
        runtime = DockerRuntime(DockerSettings(container_name="logtui-none", volume="logtui-none"))
    else:
        runtime = EmbeddedRuntime(tmp_path / "embedded" / "logs.db", demo_records=0)
    app = ContainerHost(runtime)
    try:
        for size in ((80, 24), (120, 40)):
            async with app.run_test(size=size) as pilot:
                await settle(pilot)
                screen = screen_of(app)
                for action in ACTIONS:
                    button = screen.query_one(f"#do-{action.name}", Button)
                    label = str(button.label)
                    assert f"({action.key})" in label, "the button names its key"
                    region = button.region
                    assert region.width > 0 and region.height > 0, f"{label} is not shown at {size}"
                    assert screen.region.contains_region(region), f"{label} runs off the screen at {size}"
                    assert region.width >= len(label), f"{label} is cut at {size} ({region.width} cells)"
            app = ContainerHost(runtime)
    finally:
        runtime.close()


async def test_embedded_build_says_there_is_nothing_to_build(embedded: EmbeddedRuntime) -> None:
    """QA C4: Build on the embedded runtime said "Image built. Press r/s …" (activity line and toast) while
    the Build pane said nothing was built."""
    app = ContainerHost(embedded)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        screen = screen_of(app)
        activity = str(screen.query_one("#activity-label", Label).content)
        toasts = [n.message for n in app._notifications]
        assert "Nothing to build" in activity and "embedded" in activity
        assert "Image built" not in activity
        assert not any("Image built" in t for t in toasts)
        assert any("Nothing to build" in t for t in toasts)
        assert screen.query_one(BuildOutput).status_text == "Nothing to build."
        assert [m.action for m in app.of(ContainerActionFinished)] == ["build"]


async def test_embedded_stop_and_delete_read_plainly_and_the_fallback_says_why(
    embedded: EmbeddedRuntime,
) -> None:
    """QA C5: after Stop the panel said "exited (code -15)" (our own SIGTERM), after Delete "Database size
    unknown", and nothing said why Docker was not used."""
    # choose_runtime sets this note when "auto" falls back to the embedded runtime; set the same way here.
    embedded.choice_note = (
        "No Docker engine answers at unix:///nowhere.sock, so logtui runs the service itself."
    )
    app = ContainerHost(embedded)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert facts(app)["Why"] == embedded.choice_note
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot, include_output=True)
        shown = facts(app)
        assert shown["Service"] == "stopped", shown
        assert shown["Detail"] == "Stopped. The data is kept."
        # "code -15", not a bare "-15": the database path shown may sit under a pytest-150 temp folder.
        assert "code -15" not in " ".join(shown.values())

        embedded.delete_data()
        await pilot.press("f5")
        await settle(pilot, include_output=True)
        assert facts(app)["Database size"] == "none (no database file)"


@pytest.mark.docker
async def test_docker_name_taken_by_a_foreign_container(
    docker_names: DockerSettings, docker_client: Any
) -> None:
    """QA C6: with the name taken by a container logtui did not create, the panel said "Container none yet"
    and "Press s to start", which can only fail."""
    from logtui.core.runtime.docker_runtime import DockerRuntime

    docker_client.containers.create("python:3.11-slim", name=docker_names.container_name)
    runtime = DockerRuntime(docker_names)
    app = ContainerHost(runtime)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            shown = facts(app)
            assert shown["Container"] == "name taken by another container", shown
            assert f"docker rm {docker_names.container_name}" in shown["Next"]
            assert "Press s" not in shown["Next"]
            assert screen_of(app).query_one("#do-start", Button).disabled
    finally:
        runtime.close()


async def test_next_step_names_the_target_the_log_view_really_shows(embedded: EmbeddedRuntime) -> None:
    """QA C2: with the log view on another target (--url), the panel still said "The log view reads from
    it"."""
    from logtui.core.client import LogClient

    class HostReadingElsewhere(ContainerHost):
        client = LogClient("http://127.0.0.1:8778")  # what `logtui --url http://127.0.0.1:8778` would read

    app = HostReadingElsewhere(embedded)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        following = facts(app)["Next"]
        assert "http://127.0.0.1:8778" in following and "press t and pick local" in following
        assert "reads from it" not in following

        # Once the app reads this service (as after LocalServiceStarted), the usual sentence is back.
        elsewhere = app.client
        app.client = LogClient(app.of(LocalServiceStarted)[0].base_url)
        await elsewhere.aclose()
        await pilot.press("f5")
        await settle(pilot)
        assert "The log view reads from it" in facts(app)["Next"]
        await app.client.aclose()
        await pilot.press("x")
        await settle(pilot, include_output=True)
