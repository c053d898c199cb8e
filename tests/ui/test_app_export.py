"""Export from the UI: the dialog, a file holding exactly the window's records, the dialog's checks."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from textual.widgets import Input, RadioButton

from logtui.ui.screens.export_dialog import ExportDialog
from tests.helpers import ServerProcess
from tests.ui.helpers import SIZE, logs_screen, make_app, settle


async def test_export_csv_holds_exactly_the_window(course_server: ServerProcess, tmp_path: Path) -> None:
    app = make_app(url=course_server.url, start="2023-04-23T10:00:00", end="2023-04-23T10:05:00")
    dest = tmp_path / "out.csv"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        app.screen.query_one("#export-path", Input).value = str(dest)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is logs_screen(app)
    with dest.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["timestamp"] for r in rows] == [f"2023-04-23T10:0{m}:00" for m in range(6)]
    assert {r["tag"] for r in rows} == {"INFO"}


async def test_export_jsonl_with_filters(course_server: ServerProcess, tmp_path: Path) -> None:
    dest = tmp_path / "errors.jsonl"
    async with make_app(url=course_server.url).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"error", "enter")
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        dialog = pilot.app.screen
        assert isinstance(dialog, ExportDialog)
        dialog.query_one("#fmt-jsonl", RadioButton).value = True
        await pilot.pause()
        dialog.query_one("#export-path", Input).value = str(dest)
        dialog.submit()
        await settle(pilot)
    lines = [json.loads(line) for line in dest.read_text().splitlines()]
    assert lines == [{"timestamp": "2023-04-23T10:22:00", "tag": "ERROR", "message": "Test error"}]


async def test_dialog_refuses_a_missing_folder(course_server: ServerProcess, tmp_path: Path) -> None:
    async with make_app(url=course_server.url).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        dialog = pilot.app.screen
        assert isinstance(dialog, ExportDialog)
        dialog.query_one("#export-path", Input).value = str(tmp_path / "nope" / "x.csv")
        await pilot.pause()
        dialog.submit()
        await pilot.pause()
        assert pilot.app.screen is dialog
        assert dialog.query_one("#export-path", Input).has_class("-invalid")
        assert "does not exist" in str(dialog.query_one("#export-error").content)
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app.screen is logs_screen(pilot.app)  # type: ignore[arg-type]


async def test_the_file_name_picks_the_format_and_overwriting_asks(
    course_server: ServerProcess, tmp_path: Path
) -> None:
    dest = tmp_path / "window.jsonl"
    dest.write_text("old content\n")
    app = make_app(url=course_server.url, start="2023-04-23T10:00:00", end="2023-04-23T10:01:00")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        assert dialog.fmt == "csv"
        dialog.query_one("#export-path", Input).value = str(dest)
        await pilot.pause()
        assert dialog.fmt == "jsonl"  # typed ".jsonl": JSON Lines it is
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog  # the file exists: asked first
        assert "exists" in str(dialog.query_one("#export-error").content)
        assert dest.read_text() == "old content\n"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is logs_screen(app)
    assert [json.loads(line)["timestamp"] for line in dest.read_text().splitlines()] == [
        "2023-04-23T10:00:00",
        "2023-04-23T10:01:00",
    ]
