"""Start/end inputs for the time window. Nothing leaves this widget until both ends parse.

The inputs show and read times in the display zone, which the label beside them names (with the key that
switches it), so a time typed without an offset means what the list shows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label

from logtui.core.display_zone import UTC_ZONE, DisplayZone
from logtui.core.timerange import TimeParseError, TimeWindow, parse_window


class RangeBar(Vertical):
    """Two inputs and a line for the parse error; posts `WindowSubmitted` on Enter when both ends parse."""

    class WindowSubmitted(Message):
        def __init__(self, window: TimeWindow) -> None:
            super().__init__()
            self.window = window

    def __init__(
        self,
        now: Callable[[], datetime],
        *,
        zone: DisplayZone = UTC_ZONE,
        toggle_to: DisplayZone | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._now = now
        self._zone = zone
        self._toggle_to = toggle_to
        self._window = TimeWindow()
        self._preset: str | None = None

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
            yield Label(self._zone_label(), id="range-preset", classes="range-label", markup=False)
            yield Label(self._key_label(), id="range-zone-key", classes="range-label", markup=False)
        yield Label("", id="range-error", markup=False)

    @property
    def start_input(self) -> Input:
        return self.query_one("#range-start", Input)

    @property
    def end_input(self) -> Input:
        return self.query_one("#range-end", Input)

    @property
    def zone(self) -> DisplayZone:
        return self._zone

    @property
    def zone_label(self) -> str:
        """What the bar says about the zone: "UTC · 1h", and the key that switches it ("z: local")."""
        key = str(self.query_one("#range-zone-key", Label).content)
        return f"{self.query_one('#range-preset', Label).content}  {key}".rstrip()

    def set_zone(self, zone: DisplayZone, toggle_to: DisplayZone | None = None) -> None:
        """Show (and read) times in `zone`: the window shown last is rewritten in it."""
        self._zone = zone
        self._toggle_to = toggle_to
        self.show_window(self._window, self._preset)

    def show_window(self, window: TimeWindow, preset: str | None = None) -> None:
        """Reflect a window chosen elsewhere (preset, step, zoom) and clear any error."""
        self._window, self._preset = window, preset
        self.start_input.value = self._zone.format_input(window.start) if window.start else ""
        self.end_input.value = self._zone.format_input(window.end) if window.end else ""
        self.query_one("#range-preset", Label).update(self._zone_label())
        self.query_one("#range-zone-key", Label).update(self._key_label())
        self._clear_error()

    def _zone_label(self) -> str:
        # The zone typed times are read in, then the preset: "UTC · 1h", "Europe/Paris", "local (CEST)".
        zone = self._zone.label(self._now())
        return f"{zone} · {self._preset}" if self._preset else zone

    def _key_label(self) -> str:
        return f"z: {self._toggle_to.name}" if self._toggle_to is not None else ""

    def parse(self) -> TimeWindow | None:
        """The window typed into the inputs, or None after marking the field that is wrong."""
        self._clear_error()
        try:
            return parse_window(
                self.start_input.value, self.end_input.value, now=self._now(), zone=self._zone
            )
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
