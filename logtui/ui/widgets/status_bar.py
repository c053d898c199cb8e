"""One line saying where we are: target, kind, last latency, server version and store, local runtime state.

It is given names and states only — never the target's token — so screenshots and screen shares are safe.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Static

KIND_LABELS = {"local": "local", "apprunner": "App Runner", "lambda": "Lambda URL", "http": "HTTP"}
SEPARATOR = "  │  "


class StatusBar(Static):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.target_name = ""
        self.kind = ""
        self.address = ""
        self.latency: float | None = None
        self.version: str | None = None
        #: the store the target reports in /health (sqlite, postgresql), when it says
        self.backend: str | None = None
        self.runtime_note: str | None = None
        self.follow_note: str | None = None
        self.load_note: str | None = None

    def set_target(self, name: str, kind: str, address: str) -> None:
        self.target_name, self.kind, self.address = name, kind, address
        self.latency = None
        self.version = None
        self.backend = None
        self._render_line()

    def set_latency(self, seconds: float | None) -> None:
        self.latency = seconds
        self._render_line()

    def set_version(self, version: str | None) -> None:
        self.version = version
        self._render_line()

    def set_backend(self, backend: str | None) -> None:
        self.backend = backend
        self._render_line()

    def set_runtime(self, note: str | None) -> None:
        self.runtime_note = note
        self._render_line()

    def set_load(self, note: str | None) -> None:
        """Loading files: "loading · 523,000 lines · 45.0/102.0 MB · 410,000 lines/s"."""
        self.load_note = note
        self._render_line()

    def set_follow(self, note: str | None) -> None:
        self.follow_note = note
        self._render_line()

    def _parts(self) -> list[tuple[int, str]]:
        """(priority, text): on a narrow terminal the highest numbers go first, whole."""
        parts = [(0, f"● {self.target_name or '—'} ({KIND_LABELS.get(self.kind, self.kind) or '—'})")]
        if self.address:
            parts.append((4, self.address))
        if self.runtime_note:
            parts.append((1, self.runtime_note))
        server = f"server {self.version}" if self.version else "server ?"
        parts.append((2, f"{server} · {self.backend}" if self.backend else server))
        if self.latency is not None:
            parts.append((5, f"{self.latency * 1000:.0f} ms"))
        if self.follow_note:
            parts.append((3, self.follow_note))
        if self.load_note:
            parts.append((1, self.load_note))  # loading files: what the user is waiting for
        return parts

    @property
    def text(self) -> str:
        return SEPARATOR.join(text for _, text in self._parts())

    def fitted(self, width: int) -> str:
        """The line in `width` cells: whole parts dropped, least useful first; never cut mid-word."""
        parts = self._parts()
        while len(parts) > 1 and len(SEPARATOR.join(t for _, t in parts)) > width:
            parts.remove(max(parts[1:], key=lambda p: p[0]))
        line = SEPARATOR.join(t for _, t in parts)
        if len(line) <= width or width <= 1:
            return line
        cut = line[: width - 1]
        return (cut[: cut.rindex(" ")].rstrip() if " " in cut else cut) + "…"

    def on_resize(self, event: events.Resize) -> None:
        self._render_line()

    def _render_line(self) -> None:
        width = self.content_size.width
        self.update(self.fitted(width) if width > 0 else self.text)
