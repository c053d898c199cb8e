"""A one-paragraph notice above the log view: an empty window (and how to get to the data), tag filters
that hide everything, the local runtime starting. Never a blank screen without a way on."""

from __future__ import annotations

from textual.widgets import Static


class WindowNotice(Static):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.display = False

    def say(self, text: str) -> None:
        self.update(text)
        self.display = True

    def clear(self) -> None:
        self.update("")
        self.display = False

    @property
    def text(self) -> str:
        return str(self.content) if self.display else ""
