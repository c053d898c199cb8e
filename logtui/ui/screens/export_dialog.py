"""The small dialog behind `e`: where to write the export and in which format. The writing happens in the logs
screen's export worker (core export_window), which is atomic: a cancelled export leaves no file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet

from logtui.core.display_zone import UTC_ZONE, DisplayZone
from logtui.core.export import default_export_name
from logtui.core.timerange import TimeWindow

FORMATS = ("csv", "jsonl")
#: File name endings that say which format the user means.
SUFFIX_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}


@dataclass(frozen=True)
class ExportRequest:
    path: Path
    fmt: str


def path_problem(path: Path) -> str | None:
    if path.is_dir():
        return f"{path} is a directory: add a file name"
    if not path.parent.is_dir():
        return f"the folder {path.parent} does not exist"
    return None


class ExportDialog(ModalScreen[ExportRequest | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        window: TimeWindow,
        *,
        now: datetime,
        default_dir: Path | None = None,
        zone: DisplayZone = UTC_ZONE,
    ) -> None:
        super().__init__()
        self._window = window
        self._zone = zone
        self._default_name = default_export_name(window, "csv", now=now)
        self._default_dir = default_dir or Path.cwd()
        #: A path the user was warned exists; submitting it again overwrites it.
        self._overwrite_ok: Path | None = None

    @property
    def title_text(self) -> str:
        if self._zone.is_utc:
            return f"Export {self._window.label()} with the current filters"
        # The file keeps the service's UTC timestamps, whatever the screen shows: say so.
        return (
            f"Export {self._window.label(self._zone)} ({self._zone.name}) with the current filters; "
            "the file's timestamps stay in UTC, as the service sent them"
        )

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog"):
            yield Label(self.title_text, id="export-title", markup=False)
            yield Input(str(self._default_dir / self._default_name), id="export-path", compact=True)
            with RadioSet(id="export-format"):
                yield RadioButton("CSV", value=True, id="fmt-csv")
                yield RadioButton("JSON Lines", id="fmt-jsonl")
            yield Label("", id="export-error", markup=False)
            with Horizontal(id="export-buttons"):
                yield Button("Export", variant="primary", id="export-go", compact=True)
                yield Button("Cancel", id="export-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    @property
    def fmt(self) -> str:
        return "jsonl" if self.query_one("#fmt-jsonl", RadioButton).value else "csv"

    @on(RadioSet.Changed, "#export-format")
    def _format_changed(self) -> None:
        # Keep the file's extension in step with the format when it is one of ours.
        field = self.query_one("#export-path", Input)
        path = Path(field.value)
        if SUFFIX_FORMATS.get(path.suffix.lower(), self.fmt) != self.fmt:
            field.value = str(path.with_suffix(f".{self.fmt}"))

    @on(Input.Changed, "#export-path")
    def _path_changed(self, event: Input.Changed) -> None:
        # The name's ending picks the format: "errors.jsonl" must not get CSV in it.
        event.input.remove_class("-invalid")
        self.query_one("#export-error", Label).update("")
        wanted = SUFFIX_FORMATS.get(Path(event.value.strip()).suffix.lower())
        if wanted is not None and wanted != self.fmt:
            self.query_one(f"#fmt-{wanted}", RadioButton).value = True

    @on(Button.Pressed, "#export-go")
    @on(Input.Submitted, "#export-path")
    def submit(self) -> None:
        field = self.query_one("#export-path", Input)
        text = field.value.strip()
        if not text:
            self._error("Give a file name to write to.")
            return
        path = Path(text).expanduser()
        problem = path_problem(path)
        if problem:
            self._error(problem)
            return
        if path.exists() and path != self._overwrite_ok:
            self._overwrite_ok = path
            self._error(f"{path.name} exists: press Enter (or Export) again to replace it.")
            return
        self.dismiss(ExportRequest(path, self.fmt))

    def _error(self, text: str) -> None:
        self.query_one("#export-path", Input).add_class("-invalid")
        self.query_one("#export-error", Label).update(text)

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
