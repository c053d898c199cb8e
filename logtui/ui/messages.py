"""What workers tell the UI, as small past-tense messages.

Results carry the `generation` of the query they answer: the logs screen bumps it on every change and drops
any result whose generation is not current, so a slow answer to a superseded question never lands on screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from log_analyzer.record import LogRecord
from textual.message import Message

from logtui.core.errors import LogtuiError

if TYPE_CHECKING:
    from logtui.core.client import Health, LogClient, Stats
    from logtui.core.config import Target
    from logtui.core.runtime import Runtime, RuntimeStatus


class TargetReady(Message):
    """The app has a client for `target` (for the local target: once its runtime answers)."""

    def __init__(self, target: Target, client: LogClient) -> None:
        super().__init__()
        self.target = target
        self.client = client


class TargetFailed(Message):
    """Getting the target ready failed (the local runtime would not start)."""

    def __init__(self, target: Target, error: LogtuiError) -> None:
        super().__init__()
        self.target = target
        self.error = error


class RuntimeStateChanged(Message):
    """The local runtime moved (checked, building, starting, healthy); `note` says what is happening now."""

    def __init__(self, runtime: Runtime | None, status: RuntimeStatus | None, note: str) -> None:
        super().__init__()
        self.runtime = runtime
        self.status = status
        self.note = note


class HealthLoaded(Message):
    """/health answered; `health` is None for a target without /health (the course's original API), or when
    it answered with a failure (`error`): /health is optional, the logs are asked for all the same."""

    def __init__(self, client: LogClient, health: Health | None, *, error: LogtuiError | None = None) -> None:
        super().__init__()
        self.client = client
        self.health = health
        self.error = error


class StoreTagsLoaded(Message):
    """The tags the whole store holds (from an unfiltered /stats), for the tag boxes."""

    def __init__(self, client: LogClient, tags: Sequence[str]) -> None:
        super().__init__()
        self.client = client
        self.tags = tags


class LogsLoaded(Message):
    """A page of the current query arrived; `first` for the page that starts a new query."""

    def __init__(
        self,
        generation: int,
        records: Sequence[LogRecord],
        next_cursor: str | None,
        *,
        first: bool,
        unfiltered: int | None = None,
    ) -> None:
        super().__init__()
        self.generation = generation
        self.records = records
        self.next_cursor = next_cursor
        self.first = first
        #: For an empty filtered first page: how many records the window holds without the filters (at
        #: least this many; None when not asked), so an empty view can say the filter hid them.
        self.unfiltered = unfiltered


class StatsLoaded(Message):
    """/stats for the current query; `stats` is None when the target has no /stats (or it failed: `error`)."""

    def __init__(self, generation: int, stats: Stats | None, *, error: LogtuiError | None = None) -> None:
        super().__init__()
        self.generation = generation
        self.stats = stats
        #: /stats failed while the rows came back: the histogram says so, the rows stay.
        self.error = error


class RequestFailed(Message):
    """A worker failed; `purpose` is its group ("query", "page", "health", ...), `error` what to show."""

    def __init__(self, purpose: str, error: LogtuiError) -> None:
        super().__init__()
        self.purpose = purpose
        self.error = error


class FollowPolled(Message):
    """A live-tail poll came back with `records` not seen before (possibly none)."""

    def __init__(self, generation: int, records: Sequence[LogRecord], polled_at: datetime) -> None:
        super().__init__()
        self.generation = generation
        self.records = records
        self.polled_at = polled_at


class ExportProgressed(Message):
    def __init__(self, written: int, total: int | None) -> None:
        super().__init__()
        self.written = written
        self.total = total


class ExportFinished(Message):
    def __init__(self, path: Path, count: int) -> None:
        super().__init__()
        self.path = path
        self.count = count
