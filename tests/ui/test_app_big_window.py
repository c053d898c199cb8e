"""A 200,000-record window on a real server: the first page opens it, pages load through next_cursor as the
user scrolls (in a worker, while keys keep working), "N loaded of M" counts, and an export of it can be
cancelled without leaving a file."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import ProgressBar

from logtui.ui.screens.logs import LogsScreen
from logtui.ui.screens.logs_query import as_datetime
from tests.core.tiny_http import http_server
from tests.helpers import ServerProcess
from tests.ui.helpers import SIZE, logs_screen, make_app, settle, wait_for

DEMO = 200_000


@pytest.fixture(scope="module")
def big_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    db = tmp_path_factory.mktemp("big") / "logs.db"
    subprocess.run(
        [sys.executable, "-m", "log_analyzer.cli", "seed", "--demo", str(DEMO), "--db", str(db)],
        check=True,
        capture_output=True,
    )
    server = ServerProcess(db).start()
    yield server
    server.stop()


def _running(screen: LogsScreen, group: str) -> bool:
    return any(w.is_running and w.group == group for w in screen.workers)


@pytest.mark.slow
async def test_scrolling_deep_loads_pages_through_the_cursor(big_server: ServerProcess) -> None:
    app = make_app(url=big_server.url, start="2000-01-01")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        view = screen.log_view
        assert view.loaded_count == 1000  # only the first page: the window opens as fast as a small one
        assert view.has_more
        assert screen.counts_text.startswith(f"1,000 loaded of {DEMO:,}")
        assert screen.notice.text == ""
        previous_last = view.record_at(view.loaded_count - 1).timestamp
        for page in range(2, 32):
            await pilot.press("end")
            await settle(pilot)
            assert view.loaded_count == page * 1000
            # pages continue in order: the next page starts at or after where the last one ended
            assert view.record_at((page - 1) * 1000).timestamp >= previous_last
            previous_last = view.record_at(view.loaded_count - 1).timestamp
        assert screen.counts_text.startswith(f"31,000 loaded of {DEMO:,}")
        # G: the window's newest records without paging through the rest; g: back to the start
        last_in_store = screen.histogram.stats.last_timestamp  # type: ignore[union-attr]
        await pilot.press("G")
        await settle(pilot)
        assert view.loaded_count == 1000 and not view.has_more
        assert view.selected_index == 999
        assert as_datetime(view.record_at(999).timestamp) == last_in_store
        assert screen.counts_text.startswith(f"newest 1,000 of {DEMO:,}")
        assert f"{DEMO - 1000:,} older records are not loaded" in screen.notice.text
        await pilot.press("g")
        await settle(pilot)
        assert view.loaded_count == 1000 and view.has_more
        assert screen.counts_text.startswith(f"1,000 loaded of {DEMO:,}")
        assert screen.notice.text == ""
        # a new query drops the deep view and starts over at page one
        await pilot.press("slash", *"billing", "enter")
        await settle(pilot)
        assert 0 < view.loaded_count <= 1000
        assert all("billing" in view.record_at(i).message.lower() for i in range(view.loaded_count))


async def test_keys_work_while_a_page_is_in_flight() -> None:
    """A server that holds the second page until told (a state a fast real server passes through too quickly
    to observe): the page loads in a worker, so keys keep moving the cursor meanwhile."""
    release = threading.Event()
    first = [
        {"timestamp": f"2023-04-23T10:{i // 60:02d}:{i % 60:02d}", "tag": "INFO", "message": f"r{i}"}
        for i in range(1000)
    ]

    def logs(method: str, path: str, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        if "cursor" not in query:
            return 200, "application/json", json.dumps({"logs": first, "next_cursor": "page-2"}).encode()
        release.wait(30)
        more = [{"timestamp": "2023-04-23T11:00:00", "tag": "INFO", "message": "late page"}]
        return 200, "application/json", json.dumps({"logs": more, "next_cursor": None}).encode()

    with http_server({"/logs": logs}) as url:
        app = make_app(url=url, start="2023-04-23")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = logs_screen(app)
            view = screen.log_view
            assert view.loaded_count == 1000
            try:
                await pilot.press("end")
                await wait_for(
                    pilot, lambda: _running(screen, "page"), workers=False, what="the page request"
                )
                await pilot.press("up", "up")
                assert view.selected_index == 997  # handled while the page is still loading
                assert _running(screen, "page")
            finally:
                release.set()
            await settle(pilot)
            assert view.loaded_count == 1001
            assert view.record_at(1000).message == "late page"


@pytest.mark.slow
async def test_cancelled_export_leaves_no_file(big_server: ServerProcess, tmp_path: Path) -> None:
    out = tmp_path / "exports"
    out.mkdir()
    dest = out / "all.jsonl"
    app = make_app(url=big_server.url, start="2000-01-01")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        worker = screen.start_export(dest, "jsonl")
        bar = screen.query_one("#export-bar", ProgressBar)
        await wait_for(pilot, lambda: bar.progress > 0, what="export progress", workers=False)
        assert worker.is_running
        await pilot.press("e")  # e again cancels the export under way
        await settle(pilot)
        assert worker.is_cancelled
        assert not dest.exists()
        assert list(out.iterdir()) == []  # no temp file either
        assert not screen.query_one("#export-progress").display
