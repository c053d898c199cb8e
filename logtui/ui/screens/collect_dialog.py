"""The dialog behind `o` on the container screen: which running containers' output to keep in the store.

It only chooses; the app starts the core's Collector (in a thread worker) with the names chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, SelectionList


class CollectDialog(ModalScreen[list[str] | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, running: Sequence[str], *, collecting: Sequence[str], store: Path) -> None:
        super().__init__()
        self._choices = sorted(running)
        self._already = set(collecting)
        self._store = store

    def compose(self) -> ComposeResult:
        with Vertical(id="collect-dialog"):
            yield Label("Keep these containers' output (stdout and stderr)", id="collect-title")
            yield SelectionList[str](
                *((name, name, name in self._already) for name in self._choices), id="collect-names"
            )
            yield Label(
                f"into {self._store}. Each line: the container's timestamp, its level (stderr: ERROR), "
                "and '[name] line' (search [name]). Collection runs while logtui runs; "
                "`logtui collect NAME…` keeps it going without the UI.",
                id="collect-note",
                markup=False,
            )
            with Horizontal(id="collect-buttons"):
                yield Button("Collect", variant="primary", id="collect-go", compact=True)
                yield Button("Cancel", id="collect-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#collect-names", SelectionList).focus()

    @on(Button.Pressed, "#collect-go")
    def submit(self) -> None:
        self.dismiss(list(self.query_one("#collect-names", SelectionList).selected))

    @on(Button.Pressed, "#collect-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
