"""Helpers for the Pilot tests (no tests here): build the app through the real factory with a fixed clock,
and wait for the app to settle by waiting on its workers and message queues — never by sleeping."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.worker import WorkerCancelled, WorkerFailed

from logtui.core.config import Config, Target, TargetKind, save_config
from logtui.ui.app import LogtuiApp
from logtui.ui.factory import AppOptions, create_app
from logtui.ui.screens.logs import LogsScreen

#: Twenty minutes after the course's last record: "last 1h" holds all 22 of them.
COURSE_NOW = datetime(2023, 4, 23, 10, 30, tzinfo=UTC)
SIZE = (130, 40)

COURSE = [
    *({"timestamp": f"2023-04-23T10:{m:02d}:00", "tag": "INFO", "message": "Test log"} for m in range(21)),
    {"timestamp": "2023-04-23T10:22:00", "tag": "ERROR", "message": "Test error"},
]


def make_app(now: datetime = COURSE_NOW, **options: Any) -> LogtuiApp:
    return create_app(AppOptions(now=lambda: now, **options))


def logs_screen(app: LogtuiApp) -> LogsScreen:
    assert app.logs_screen is not None
    return app.logs_screen


async def wait_workers(pilot: Pilot[Any]) -> None:
    """Wait for the running workers; a failed one is fine here: the app shows it, and tests assert that."""
    try:
        await pilot.app.workers.wait_for_complete()
    except (WorkerFailed, WorkerCancelled):
        pass


async def settle(pilot: Pilot[Any], *, open_ended: Collection[str] = (), rounds: int = 200) -> None:
    """Let messages and workers run until no worker is left for two rounds in a row (a message handled in the
    first may start one). Workers in the `open_ended` groups (a followed log stream) are not waited for: they
    end only when asked to. A failed worker is fine here: the app shows it, and tests assert that."""
    app = pilot.app

    def pending() -> list[Any]:
        return [w for w in app.workers if not w.is_finished and w.group not in open_ended]

    idle = 0
    for _ in range(rounds):
        await pilot.pause()
        if waiting := pending():
            await asyncio.gather(*(w.wait() for w in waiting), return_exceptions=True)
        await pilot.pause()
        idle = idle + 1 if not pending() else 0
        if idle == 2:
            return
    raise AssertionError("the app never settled: workers kept starting")


async def wait_for(
    pilot: Pilot[Any],
    condition: Callable[[], bool],
    *,
    limit: float = 30.0,
    what: str = "",
    workers: bool = True,
) -> None:
    """Pump the app until `condition` holds (for things driven by timers or other processes).

    `workers=False` only pumps messages, for conditions reached while a worker is still running.
    """
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause()
        if workers:
            await wait_workers(pilot)
    await pilot.pause()


def write_config(path: Path, *targets: Target, **fields: Any) -> Path:
    save_config(Config(targets=list(targets), **fields), path)
    return path


def http_target(name: str, url: str, **kw: Any) -> Target:
    return Target(name, url, kw.pop("kind", TargetKind.HTTP), **kw)


def shown_messages(app: LogtuiApp) -> list[str]:
    view = logs_screen(app).log_view
    return [f"{view.record_at(i).timestamp} {view.record_at(i).tag}" for i in range(view.loaded_count)]


def request_count(log_path: Path, needle: str = "GET /logs") -> int:
    """Requests the real server logged (uvicorn's access log), to prove a request was or was not sent."""
    return log_path.read_text(errors="replace").count(needle) if log_path.exists() else 0
