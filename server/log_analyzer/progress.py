"""A dependency-free progress bar on stderr: redrawn in place on a terminal, a line now and then otherwise."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO


class Progress:
    def __init__(
        self, total: int | None, label: str, stream: TextIO | None = None, *, unit: str = "records"
    ) -> None:
        self.total = total
        self.unit = unit
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self._last = 0.0
        self._start = time.monotonic()

    def update(self, done: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < (0.1 if self.tty else 2.0):
            return
        self._last = now
        rate = done / max(now - self._start, 1e-9)
        if self.total:
            frac = min(done / self.total, 1.0)
            filled = int(frac * 30)
            bar = "#" * filled + "." * (30 - filled)
            line = f"{self.label} [{bar}] {frac:6.1%} {self._amount(done)}/{self._amount(self.total)}"
        else:
            line = f"{self.label} {self._amount(done)}"
        line += f" ({self._amount(int(rate))}/s)"
        self.stream.write(("\r" + line) if self.tty else line + "\n")
        self.stream.flush()

    def _amount(self, n: int) -> str:
        if self.unit == "bytes":
            return f"{n / 1_048_576:,.1f} MiB"
        return f"{n:,}"

    def finish(self, summary: str) -> None:
        if self.tty:
            self.stream.write("\r\x1b[K")
        self.stream.write(summary + "\n")
        self.stream.flush()


def upgrade_bar(stream: TextIO | None = None) -> Callable[[int, int], None]:
    """A progress callback for an in-place store upgrade (see SqliteStore), drawn like the other bars."""
    bar: Progress | None = None

    def report(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = Progress(total, "upgrading the store (indexing records for /stats and q)", stream)
        bar.update(done, force=done in (0, total))
        if done == total:
            bar.finish(f"upgraded the store: {total:,} records indexed")

    return report
