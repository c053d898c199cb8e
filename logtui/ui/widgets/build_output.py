"""The pane an image build streams into: a progress line above the raw build output.

Progress comes from the builder's own step markers: the classic builder prints "Step 3/9 : RUN ...", BuildKit
prints "#7 [3/9] RUN ...". Until one is seen (or for output without them) the bar is indeterminate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Log, ProgressBar

_STEP_PATTERNS = (
    re.compile(r"^\s*Step (\d+)/(\d+)\s*:\s*(.*)$"),
    re.compile(r"^#\d+ \[(?:[\w.-]+ )?(\d+)/(\d+)\]\s*(.*)$"),
)


def parse_step(line: str) -> tuple[int, int, str] | None:
    """(step, of, instruction) when `line` announces a build step, else None."""
    for pattern in _STEP_PATTERNS:
        match = pattern.match(line)
        if match:
            step, total = int(match.group(1)), int(match.group(2))
            if 0 < step <= total:
                return step, total, match.group(3).strip()
    return None


class BuildOutput(Vertical):
    """Build progress (step N/M or indeterminate) and the build's output as it arrives."""

    DEFAULT_CSS = """
    BuildOutput { height: 1fr; }
    BuildOutput > .build-progress-row { height: 1; }
    BuildOutput #build-status { width: 1fr; }
    BuildOutput #build-progress { width: 40; }
    BuildOutput #build-log { height: 1fr; }
    """

    def __init__(self, *, max_lines: int = 5000, id: str | None = None) -> None:
        super().__init__(id=id)
        self._max_lines = max_lines
        self.step: int | None = None
        self.total_steps: int | None = None
        self.running = False

    def compose(self) -> ComposeResult:
        with Horizontal(classes="build-progress-row"):
            yield Label("No build yet. Press b to build the image.", id="build-status", markup=False)
            yield ProgressBar(total=None, show_eta=False, id="build-progress")
        yield Log(max_lines=self._max_lines, id="build-log")

    @property
    def status_text(self) -> str:
        return str(self.query_one("#build-status", Label).content)

    @property
    def lines(self) -> list[str]:
        return list(self.query_one("#build-log", Log).lines)

    def begin(self, title: str) -> None:
        self.running = True
        self.step = self.total_steps = None
        self.query_one("#build-log", Log).clear()
        self.query_one("#build-progress", ProgressBar).update(total=None, progress=0)
        self.query_one("#build-status", Label).update(title)

    def add_lines(self, lines: Iterable[str]) -> None:
        log = self.query_one("#build-log", Log)
        announced: tuple[int, int, str] | None = None
        for line in lines:
            log.write_line(line)
            announced = parse_step(line) or announced
        if announced is not None:
            self.step, self.total_steps, instruction = announced
            # A step that has just started is not done yet: the bar shows the steps before it as complete.
            self.query_one("#build-progress", ProgressBar).update(
                total=self.total_steps, progress=self.step - 1
            )
            self.query_one("#build-status", Label).update(
                f"Step {self.step}/{self.total_steps}: {instruction}"
            )

    def finish(self, ok: bool, summary: str) -> None:
        self.running = False
        bar = self.query_one("#build-progress", ProgressBar)
        if ok:
            total = self.total_steps or 1
            bar.update(total=total, progress=total)
        else:
            # Leave the bar where the build stopped; an indeterminate bar would keep moving as if still busy.
            bar.update(total=self.total_steps or 1, progress=(self.step or 1) - 1)
        self.query_one("#build-status", Label).update(summary)
