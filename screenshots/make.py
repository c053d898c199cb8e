"""Make the README's screenshots from the real app, on deterministic data.

    python -m screenshots                 # every picture (the Docker one is skipped without an engine)
    python -m screenshots --only logs,detail
    python -m screenshots --list

Each picture is the real logtui app (built by logtui.ui.factory.create_app, as the CLI does) driven headless
by App.run_test against real log-analyzer servers on 127.0.0.1, then saved with App.save_screenshot as
screenshots/<name>.svg. The data is generated with a fixed random seed and a fixed end time, and the app's clock
is fixed (AppOptions.now), so a re-run draws the same records, windows and histograms. What is left to vary
is the servers' ports when the preferred ones are taken, the request latency, and the container's id.

No secret reaches a picture: the protected server's key is made up per run, handed to the app only through
an environment variable whose *name* the config holds, and the status bar shows names, never tokens.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.helpers import ServerProcess  # noqa: E402 (needs ROOT on sys.path, just above)

OUT = Path(__file__).resolve().parent
SIZE = (132, 40)
#: The demo generator's end time; its records stop somewhat before it (bursts take no time), and the app's
#: clock is set just after the last record (see `clock_after`).
DATA_END = datetime(2025, 3, 14, 16, 0, tzinfo=UTC)
DEMO_RECORDS = 30_000
DEMO_DAYS = 2.0
PREFERRED_PORTS = {"demo": 47651, "prod": 47652}
TOKEN_ENV = "LOGTUI_DEMO_PROD_TOKEN"


# --- servers and data ---------------------------------------------------------------------------------------


def _port(preferred: int) -> int:
    for candidate in (preferred, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise RuntimeError("no free port")


def demo_records() -> list[dict[str, str]]:
    """The service's own demo generator, with a fixed seed and end time: the same records every run."""
    from log_analyzer.seed import demo_rows

    end = int(DATA_END.timestamp() * 1_000_000)
    return [
        {"timestamp": ts, "tag": tag, "message": message}
        for batch in demo_rows(DEMO_RECORDS, days=DEMO_DAYS, end=end, seed=7)
        for _micros, ts, tag, message in batch
    ]


def start_server(name: str, workdir: Path, env: dict[str, str] | None = None) -> ServerProcess:
    """A real log-analyzer for the pictures, on its preferred port when that is free."""
    return ServerProcess(workdir / f"{name}.db", env=env, port=_port(PREFERRED_PORTS[name])).start()


# --- driving the app ----------------------------------------------------------------------------------------


async def settle(pilot: Any) -> None:
    """Wait for the app's workers, but for the container screen's output follower, which runs as long as the
    service does."""
    from logtui.ui.screens.container import LOGS_GROUP

    def pending() -> list[Any]:
        return [w for w in pilot.app.workers if not w.is_finished and w.group != LOGS_GROUP]

    for _ in range(300):
        await pilot.pause()
        # return_exceptions: a failure the app shows is part of some pictures.
        await asyncio.gather(*(w.wait() for w in pending()), return_exceptions=True)
        await pilot.pause()
        if not pending():
            return


async def wait_until(pilot: Any, condition: Callable[[], bool], what: str, limit: float = 300) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


def still(app: Any) -> None:
    """No blinking cursors: the picture shows the cursor where it is, every run."""
    from textual.widgets import Input

    for screen in app.screen_stack:
        for field in screen.query(Input):
            field.cursor_blink = False


async def shoot(app: Any, name: str, pilot: Any) -> Path:
    still(app)
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    path = OUT / f"{name}.svg"
    app.save_screenshot(filename=path.name, path=str(OUT))
    print(f"  wrote {path.relative_to(ROOT)}", flush=True)
    return path


def clock_after(records: list[dict[str, str]]) -> datetime:
    """The app's fixed "now": the next quarter hour after the newest record."""
    last = datetime.fromisoformat(max(r["timestamp"] for r in records)).replace(tzinfo=UTC)
    return last.replace(minute=last.minute - last.minute % 15, second=0, microsecond=0) + timedelta(minutes=15)


def new_app(ctx: Context, **options: Any) -> Any:
    from logtui.ui.factory import AppOptions, create_app

    now = ctx.now
    app = create_app(AppOptions(config_path=ctx.config, now=lambda: now, **options))
    app.animation_level = "none"
    return app


Scene = Callable[["Context"], Awaitable[None]]


class Context:
    def __init__(self, workdir: Path, config: Path, demo: ServerProcess, prod: ServerProcess, now: datetime) -> None:
        self.workdir, self.config, self.demo, self.prod, self.now = workdir, config, demo, prod, now


# --- the pictures -------------------------------------------------------------------------------------------


async def scene_logs(ctx: Context) -> None:
    """The main view: a local service's last six hours in Paris time, histogram stacked by tag, an incident
    visible, JSON messages as key=value."""
    app = new_app(ctx, profile="local-dev", start="now-6h", end="now")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.logs_screen.log_view.focus()
        app.logs_screen.log_view.move_cursor(3)
        await shoot(app, "logs", pilot)


async def scene_detail(ctx: Context) -> None:
    """Enter on a JSON record: the detail view shows its time in UTC and in Paris, and pretty-prints it."""
    app = new_app(ctx, profile="local-dev", start="now-6h", end="now")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = app.logs_screen.log_view
        index = next(
            i for i in range(view.loaded_count)
            if view.record_at(i).tag == "ERROR" and view.record_at(i).message.startswith("{")
        )
        view.focus()
        view.move_cursor(index)
        await pilot.press("enter")
        await settle(pilot)
        await shoot(app, "detail", pilot)


async def scene_remote(ctx: Context) -> None:
    """A remote target (an App Runner service, with a bearer token from an env var), searched for timeouts."""
    app = new_app(ctx, profile="prod", start="now-24h", end="now")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"timed out", "enter")
        await settle(pilot)
        app.logs_screen.log_view.focus()
        await shoot(app, "remote", pilot)


async def scene_error(ctx: Context) -> None:
    """A Lambda function URL that wants credentials logtui was not given: what happened and what to do."""
    app = new_app(ctx, profile="lambda-eu", start="now-1h", end="now")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await shoot(app, "error", pilot)


async def scene_container_build(ctx: Context) -> None:
    """The container screen halfway through a real `docker build` of the service's image."""
    from logtui.core.runtime.base import RuntimeState
    from logtui.ui.screens.container import ContainerScreen
    from logtui.ui.widgets.build_output import BuildOutput

    app = new_app(ctx, profile="local-dev", start="now-6h", end="now")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ContainerScreen), "the container screen")
        screen = app.screen
        await wait_until(pilot, lambda: screen.status is not None, "the runtime's status")
        if screen.runtime.kind != "docker" or screen.status.state is RuntimeState.UNREACHABLE:
            print("  skipped container-build: no Docker engine answers", flush=True)
            return
        # Hold the real build at its middle step until the picture is taken, then let it finish.
        halfway = threading.Event()
        resume = threading.Event()
        real_build = screen.runtime.build

        def held_build(on_line: Callable[[str], None]) -> None:
            from logtui.ui.widgets.build_output import parse_step

            def relay(line: str) -> None:
                on_line(line)
                step = parse_step(line)
                if step and step[0] >= step[1] // 2 and not halfway.is_set():
                    halfway.set()
                    resume.wait(120)

            real_build(relay)

        screen.runtime.build = held_build  # type: ignore[method-assign]
        await pilot.press("b")
        await wait_until(pilot, halfway.is_set, "the build's middle step")
        build = screen.query_one(BuildOutput)
        await wait_until(pilot, lambda: build.step is not None and build.step >= (build.total_steps or 2) // 2,
                         "the build pane to show the step")
        await shoot(app, "container-build", pilot)
        resume.set()
        await wait_until(pilot, lambda: screen.busy is None, "the build to finish")


async def scene_container(ctx: Context) -> None:
    """The container screen with the service running and following its output, then the stronger
    confirmation that deleting the volume asks for (naming the record count, offering a backup first)."""
    from logtui.core.runtime.base import RuntimeState
    from logtui.ui.screens.container import ContainerScreen
    from logtui.ui.widgets.confirm import TypedConfirmDialog
    from logtui.ui.widgets.container_panel import ContainerPanel

    _remove_screenshot_container()  # start from "no container", whatever an earlier run left
    app = new_app(ctx, profile="local-dev", start="now-6h", end="now")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("c")
            await wait_until(pilot, lambda: isinstance(app.screen, ContainerScreen), "the container screen")
            screen = app.screen
            await wait_until(pilot, lambda: screen.status is not None, "the runtime's status")
            if screen.runtime.kind != "docker" or screen.status.state is RuntimeState.UNREACHABLE:
                print("  skipped container, confirm-delete: no Docker engine answers", flush=True)
                return
            await pilot.press("s")
            await wait_until(pilot, lambda: screen.busy is None and screen.status.state is RuntimeState.HEALTHY,
                             "the service to be healthy")
            await wait_until(pilot, lambda: "Application startup complete." in "\n".join(
                screen.query_one("#service-output").lines), "the service's startup lines")
            panel = screen.query_one(ContainerPanel)
            await wait_until(pilot, lambda: panel.facts.get("Uptime", "0s") not in ("0s", "1s", "2s"),
                             "a few seconds of uptime (the screen refreshes every 3 s)")
            await shoot(app, "container", pilot)
            await pilot.press("D")
            await wait_until(pilot, lambda: isinstance(app.screen, TypedConfirmDialog), "the confirmation")
            await shoot(app, "confirm-delete", pilot)
            await pilot.press("escape")
    finally:
        _remove_screenshot_container()


def _remove_screenshot_container() -> None:
    """The pictures' container and volume go again, whatever happened."""
    try:
        import docker

        client = docker.from_env(timeout=30)
    except Exception:
        return
    try:
        for container in client.containers.list(all=True, filters={"name": "^/logtui-screenshots$"}):
            container.remove(force=True)
        for volume in client.volumes.list(filters={"name": "logtui-screenshots-data"}):
            volume.remove(force=True)
    finally:
        client.close()


SCENES: dict[str, Scene] = {
    "logs": scene_logs,
    "detail": scene_detail,
    "remote": scene_remote,
    "error": scene_error,
    "container-build": scene_container_build,
    "container": scene_container,
}


# --- setup --------------------------------------------------------------------------------------------------


@contextmanager
def environment() -> Iterator[Context]:
    from logtui.core.config import Config, Target, TargetKind, save_config
    from logtui.core.runtime.base import DockerSettings

    with tempfile.TemporaryDirectory(prefix="logtui-screenshots-") as tmp:
        work = Path(tmp)
        saved = {k: os.environ.get(k) for k in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", TOKEN_ENV)}
        for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
            (work / var).mkdir()
            os.environ[var] = str(work / var)
        key = secrets.token_urlsafe(24)
        os.environ[TOKEN_ENV] = key
        print("starting two log-analyzer servers and loading the demo data…", flush=True)
        records = demo_records()
        demo = start_server("demo", work)
        prod = start_server("prod", work, {"LOG_ANALYZER_API_KEY": key, "LOG_ANALYZER_READ_REQUIRES_KEY": "1"})
        try:
            demo.post(records)
            prod.post(records)
            config = work / "config.toml"
            save_config(
                Config(
                    targets=[
                        Target("local-dev", demo.url, TargetKind.LOCAL),
                        Target("prod", prod.url, TargetKind.APPRUNNER, token_env=TOKEN_ENV),
                        # The same protected service, reached without its key: the error picture.
                        Target("lambda-eu", prod.url, TargetKind.LAMBDA),
                    ],
                    default_target="local-dev",
                    runtime="docker",
                    # Times in a zone of their own (a fixed one, not the machine's): the pictures show the
                    # display zone at work, and the same times on every machine.
                    display_tz="Europe/Paris",
                    # Names of its own, so a real `log-analyzer` container on this machine is never touched.
                    docker=DockerSettings(container_name="logtui-screenshots", volume="logtui-screenshots-data"),
                ),
                config,
            )
            yield Context(work, config, demo, prod, clock_after(records))
        finally:
            demo.stop()
            prod.stop()
            for var, value in saved.items():
                if value is None:
                    os.environ.pop(var, None)
                else:
                    os.environ[var] = value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(SCENES)}")
    parser.add_argument("--list", action="store_true", help="list the pictures and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name, scene in SCENES.items():
            print(f"{name:16} {(scene.__doc__ or '').strip()}")
        return 0
    names = [n.strip() for n in args.only.split(",")] if args.only else list(SCENES)
    unknown = [n for n in names if n not in SCENES]
    if unknown:
        parser.error(f"unknown picture(s): {', '.join(unknown)}; choose from {', '.join(SCENES)}")
    with environment() as ctx:
        for name in names:
            print(f"{name}: {(SCENES[name].__doc__ or '').strip()}", flush=True)
            asyncio.run(SCENES[name](ctx))
    return 0


if __name__ == "__main__":
    sys.exit(main())
