"""The container screen's `o`: pick a running container (a real one on the Docker engine) and its output is
kept in the store the app shows."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from logtui.ui.factory import AppOptions, create_app
from logtui.ui.screens.collect_dialog import CollectDialog
from logtui.ui.screens.container import ContainerScreen
from tests.ui.helpers import wait_for

pytestmark = pytest.mark.docker


@pytest.fixture
def chatty(docker_client: Any) -> Iterator[Any]:
    try:
        docker_client.images.get("python:3.11-slim")
    except Exception:
        pytest.skip("the image python:3.11-slim is not present on this engine")
    # The program inside the container is a chatty service: ten lines a second is its own pacing (the test
    # itself never sleeps; it waits for the lines to reach the store).
    container = docker_client.containers.run(
        "python:3.11-slim",
        [
            "python",
            "-u",
            "-c",
            "import sys, time\n"
            "for i in range(600):\n"
            "    out = sys.stderr if i % 2 else sys.stdout\n"
            "    print(f'ERROR tick {i}' if i % 3 == 0 else f'tick {i}', file=out)\n"
            "    time.sleep(0.1)\n",
        ],
        name=f"logtui-collect-ui-{uuid.uuid4().hex[:10]}",
        detach=True,
    )
    yield container
    container.remove(force=True)


def collected(db: Path, name: str) -> list[tuple[str, str]]:
    try:
        with sqlite3.connect(db, timeout=30) as conn:
            return conn.execute(
                "SELECT tag, message FROM logs WHERE message LIKE ? ORDER BY id", (f"[{name}] %",)
            ).fetchall()
    except sqlite3.OperationalError:
        return []


async def test_o_keeps_a_chosen_containers_output_in_the_store(chatty: Any, tmp_path: Path) -> None:
    db = tmp_path / "own.db"
    app = create_app(AppOptions(store=db))
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("c")
        # workers=False throughout: the container screen's output follower runs as long as the service does.
        await wait_for(
            pilot, lambda: isinstance(app.screen, ContainerScreen), what="the container screen", workers=False
        )
        screen = app.screen
        await wait_for(
            pilot, lambda: screen.is_mounted and screen.status is not None, what="its state", workers=False
        )
        await pilot.press("o")

        def notes() -> list[str]:
            return [f"{n.title}: {n.message}" for n in app._notifications]

        # listing the containers asks the engine: slow on a busy machine, and a failure is a notification
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, CollectDialog) or any(n.startswith("Collect") for n in notes()),
            what="the dialog",
            limit=90,
            workers=False,
        )
        assert isinstance(app.screen, CollectDialog), notes()
        names = app.screen.query_one("#collect-names")
        names.select(chatty.name)  # type: ignore[attr-defined]
        await pilot.click("#collect-go")
        await wait_for(
            pilot, lambda: len(collected(db, chatty.name)) >= 5, what="the container's lines", workers=False
        )
        assert app.collecting == (chatty.name,)
    rows = collected(db, chatty.name)
    for tag, message in rows:
        number = int(message.rsplit(" ", 1)[1])
        # level word first; else the stream: odd lines went to stderr
        assert tag == ("ERROR" if number % 3 == 0 or number % 2 else "INFO"), message
    assert app.collector is not None and app.collector._store is None  # stopped with the app
