"""`logtui FILE…` in the app: the store opens through the embedded service, progress shows in the status
bar, and once loaded the view follows the file (a line appended to it appears)."""

from __future__ import annotations

from pathlib import Path

from logtui.core.file_loader import FileLoader, expand_sources
from logtui.ui.factory import AppOptions, create_app
from tests.ui.helpers import logs_screen, wait_for


def messages(screen: object) -> list[str]:
    view = screen.log_view  # type: ignore[attr-defined]
    return [view.record_at(i).message for i in range(view.loaded_count)]


async def test_opens_a_file_shows_progress_and_follows_it(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text(
        "".join(f"2023-04-23T10:{i // 600:02d}:{i // 10 % 60:02d} INFO line {i}\n" for i in range(20_000))
    )
    db = tmp_path / "own.db"
    # Held after its first batch until the app's first screen releases it (longer than wait_for's limit:
    # without the release the test fails).
    loader = FileLoader(
        expand_sources([str(log)]), db, poll_interval=0.05, hold_after_first_batch=120
    ).start()
    app = create_app(AppOptions(store=db, files=(str(log),), loader=loader))
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            screen = logs_screen(app)
            await wait_for(pilot, lambda: screen.live.active, what="loaded and following")
            assert "loaded 20,000 records · following 1 file(s)" in screen.status_bar.text
            assert "embedded" in screen.status_bar.text
            await wait_for(pilot, lambda: "line 19999" in messages(screen), what="the last line")
            with log.open("a") as f:
                f.write("2023-04-23T11:00:00 ERROR appended while open\n")
            await wait_for(pilot, lambda: "appended while open" in messages(screen), what="the appended line")
    finally:
        loader.stop()


async def test_a_loading_error_is_shown_not_raised(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("2023-04-23T10:00:00 INFO x\n")
    db = tmp_path / "own.db"
    loader = FileLoader(expand_sources([str(log)]), db, follow=False).start()
    assert loader.wait_loaded(30)
    loader._error = "writing to the store failed: disk I/O error"  # a state a real disk is hard to drive into
    app = create_app(AppOptions(store=db, files=(str(log),), loader=loader))
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            screen = logs_screen(app)
            await wait_for(pilot, lambda: "loading stopped" in screen.status_bar.text, what="the error")
    finally:
        loader.stop()
