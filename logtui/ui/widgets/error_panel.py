"""Where a failed request is explained: what went wrong, what to do, and that `r` retries."""

from __future__ import annotations

from textual.widgets import Static

from logtui.core.errors import LogtuiError


class ErrorPanel(Static):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.error: LogtuiError | None = None
        self.display = False

    def show_error(self, error: LogtuiError, what: str, *, retry_text: str = "Press r to retry.") -> None:
        self.error = error
        lines = [f"✖ {what}: {error.title}"]
        if error.hint:
            lines.append(error.hint)
        lines.append(retry_text)
        self.update("\n".join(lines))
        self.display = True

    def clear(self) -> None:
        self.error = None
        self.display = False

    @property
    def text(self) -> str:
        return str(self.content) if self.display else ""
