"""Start/end inputs for the time window. Nothing leaves this widget until both ends parse."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label

from logtui.core.timerange import TimeParseError, TimeWindow, format_ts, parse_window


class RangeBar(Vertical):
    """Two inputs and a line for the parse error; posts `WindowSubmitted` on Enter when both ends parse."""

    class WindowSubmitted(Message):
        def __init__(self, window: TimeWindow) -> None:
            super().__init__()
            self.window = window

    def __init__(self, now: Callable[[], datetime], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._now = now

    def compose(self) -> ComposeResult:
        with Horizontal(id="range-inputs"):
            yield Label("From", classes="range-label")
            yield Input(
                placeholder="beginning (e.g. 2023-04-23, now-15m, -2h)", id="range-start", compact=True
            )
            yield Label("to", classes="range-label")
            yield Input(
                placeholder="latest (e.g. now, today, 2023-04-23T10:30)", id="range-end", compact=True
            )
            yield Label("UTC", id="range-preset", classes="range-label")
        yield Label("", id="range-error", markup=False)

    @property
    def start_input(self) -> Input:
        return self.query_one("#range-start", Input)

    @property
    def end_input(self) -> Input:
        return self.query_one("#range-end", Input)

    def show_window(self, window: TimeWindow, preset: str | None = None) -> None:
        """Reflect a window chosen elsewhere (preset, step, zoom) and clear any error."""
        self.start_input.value = format_ts(window.start) if window.start else ""
        self.end_input.value = format_ts(window.end) if window.end else ""
        self.query_one("#range-preset", Label).update(f"UTC · {preset}" if preset else "UTC")
        self._clear_error()

    def parse(self) -> TimeWindow | None:
        """The window typed into the inputs, or None after marking the field that is wrong."""
        self._clear_error()
        try:
            return parse_window(self.start_input.value, self.end_input.value, now=self._now())
        except TimeParseError as exc:
            field = self.end_input if exc.field == "end" else self.start_input
            field.add_class("-invalid")
            which = "End" if exc.field == "end" else "Start"
            self.query_one("#range-error", Label).update(f"{which}: {exc.title} — {exc.hint}")
            self.add_class("-has-error")
            return None

    @property
    def error_text(self) -> str:
        return str(self.query_one("#range-error", Label).content)

    def _clear_error(self) -> None:
        self.start_input.remove_class("-invalid")
        self.end_input.remove_class("-invalid")
        self.query_one("#range-error", Label).update("")
        self.remove_class("-has-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        window = self.parse()
        if window is not None:
            self.post_message(self.WindowSubmitted(window))
