"""One line saying where we are: target, kind, last latency, server version, local runtime state.

It is given names and states only — never the target's token — so screenshots and screen shares are safe.
"""

from __future__ import annotations

from textual.widgets import Static

KIND_LABELS = {"local": "local", "apprunner": "App Runner", "lambda": "Lambda URL", "http": "HTTP"}


class StatusBar(Static):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.target_name = ""
        self.kind = ""
        self.address = ""
        self.latency: float | None = None
        self.version: str | None = None
        self.runtime_note: str | None = None
        self.follow_note: str | None = None
        self.load_note: str | None = None

    def set_target(self, name: str, kind: str, address: str) -> None:
        self.target_name, self.kind, self.address = name, kind, address
        self.latency = None
        self.version = None
        self._render_line()

    def set_latency(self, seconds: float | None) -> None:
        self.latency = seconds
        self._render_line()

    def set_version(self, version: str | None) -> None:
        self.version = version
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

    @property
    def text(self) -> str:
        parts = [f"● {self.target_name or '—'} ({KIND_LABELS.get(self.kind, self.kind) or '—'})"]
        if self.address:
            parts.append(self.address)
        if self.runtime_note:
            parts.append(self.runtime_note)
        parts.append(f"server {self.version}" if self.version else "server ?")
        if self.latency is not None:
            parts.append(f"{self.latency * 1000:.0f} ms")
        if self.follow_note:
            parts.append(self.follow_note)
        if self.load_note:
            parts.append(self.load_note)
        return "  │  ".join(parts)

    def _render_line(self) -> None:
        self.update(self.text)
