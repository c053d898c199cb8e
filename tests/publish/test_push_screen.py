"""The container screen's Push action: the prompt (reference remembered between runs, checked before it
closes), the push in a thread worker on the real engine to the loopback registry, per-layer progress in the
Build pane, and a failure shown with its title and hint."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from logtui.core import paths
from logtui.core.errors import PushFailed
from logtui.core.publish import PushResult
from logtui.core.runtime.docker_runtime import DockerRuntime
from logtui.core.state import load_state
from logtui.ui.widgets.build_output import BuildOutput
from logtui.ui.widgets.push_prompt import PushPrompt
from tests.helpers import free_port
from tests.publish.conftest import Registry
from tests.ui.test_container_screen import (
    ContainerActionFailed,
    ContainerActionFinished,
    ContainerHost,
    banner,
    screen_of,
    settle,
)

pytestmark = pytest.mark.docker


async def test_push_from_the_container_screen(
    runtime: DockerRuntime, registry: Registry, docker_client
) -> None:  # type: ignore[no-untyped-def]
    reference = f"{registry.host}/screen/log-analyzer:1"
    app = ContainerHost(runtime)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await pilot.pause()
        prompt = app.screen
        assert isinstance(prompt, PushPrompt)
        field = prompt.query_one("#push-reference", Input)
        assert field.value == ""  # nothing pushed yet
        field.value = "Not A Reference"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is prompt and field.has_class("-invalid")
        assert "not an image reference" in str(prompt.query_one("#push-error").content)

        field.value = reference
        await pilot.press("enter")
        await settle(pilot)
        (finished,) = app.of(ContainerActionFinished)
        assert finished.action == "push" and isinstance(finished.result, PushResult)
        assert finished.result.reference == reference and finished.result.digest
        build = screen_of(app).query_one(BuildOutput)
        assert any(line.endswith(": Pushed") or "already exists" in line for line in build.lines)
        assert any(line.startswith(f"Pushed {reference}") for line in build.lines)
        assert "Push finished" in build.status_text
        assert not banner(app)

        # remembered: the next Push starts from it, also in a later run (the state file)
        assert load_state(paths.state_file())["push.reference.service"] == reference
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, PushPrompt)
        assert app.screen.query_one("#push-reference", Input).value == reference
        await pilot.press("escape")
    docker_client.images.remove(reference, force=True)


async def test_a_failed_push_is_shown(runtime: DockerRuntime, tmp_path: Path) -> None:
    closed = f"127.0.0.1:{free_port()}"
    app = ContainerHost(runtime)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, PushPrompt)
        app.screen.query_one("#push-reference", Input).value = f"{closed}/log-analyzer:1"
        await pilot.press("enter")
        await settle(pilot)
        (failed,) = app.of(ContainerActionFailed)
        assert isinstance(failed.error, PushFailed)
        assert f"Cannot reach the registry {closed}" in banner(app)
        assert "host name" in banner(app)
        assert app.is_running


async def test_the_prompt_remembers_one_reference_per_image(runtime: DockerRuntime) -> None:
    from textual.widgets import Select

    from logtui.core.state import remember

    remember("push.reference.service", "127.0.0.1:5000/log-analyzer:7")
    remember("push.reference.lambda", "127.0.0.1:5000/log-analyzer-lambda:7")
    app = ContainerHost(runtime)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await pilot.pause()
        prompt = app.screen
        assert isinstance(prompt, PushPrompt)
        field = prompt.query_one("#push-reference", Input)
        assert field.value == "127.0.0.1:5000/log-analyzer:7"
        prompt.query_one("#push-image", Select).value = "lambda"
        await pilot.pause()
        assert field.value == "127.0.0.1:5000/log-analyzer-lambda:7"
        field.value = "127.0.0.1:5000/typed:1"  # typed by the user: kept when the image changes
        prompt.query_one("#push-image", Select).value = "service"
        await pilot.pause()
        assert field.value == "127.0.0.1:5000/typed:1"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, PushPrompt)
