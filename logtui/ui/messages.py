"""What workers tell the UI, as small past-tense messages (the logs screen's, the app's, the container
screen's), and what screens ask of the app (`ReconnectRequested`, `RuntimeCheckRequested`).

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
from logtui.core.publish import LayerProgress, PushResult
from logtui.ui.container_actions import Action, BuildOutcome
from logtui.ui.workers import LogsWork

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


class ReconnectRequested(Message):
    """Open the current target again (r after a failure): a new client, which reads the token from the
    environment again, and for the local target the runtime brought up again. The app handles it."""


class RuntimeCheckRequested(Message):
    """The local service stopped answering: ask its runtime for its real state. The app handles it."""


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
    """A worker failed; `purpose` is its group (the query, a page, /health, ...), `error` what to show."""

    def __init__(self, purpose: LogsWork, error: LogtuiError) -> None:
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


# --- the container screen ---------------------------------------------------------------------------------


class ContainerStatusRefreshed(Message):
    """The runtime answered `status()`."""

    def __init__(self, kind: str, status: RuntimeStatus) -> None:
        super().__init__()
        self.kind = kind
        self.status = status


class ContainerStatusUnavailable(Message):
    """`status()` itself failed (the runtime raised instead of reporting UNREACHABLE)."""

    def __init__(self, error: LogtuiError) -> None:
        super().__init__()
        self.error = error


class ContainerActionStarted(Message):
    def __init__(self, action: Action) -> None:
        super().__init__()
        self.action = action


#: What a finished container action gives back: a build's outcome, a push's result, a started service's
#: address, a backup's file, or a sentence for the others.
ActionResult = BuildOutcome | PushResult | Path | str | None


class ContainerActionFinished(Message):
    def __init__(self, action: Action, result: ActionResult = None) -> None:
        super().__init__()
        self.action = action
        self.result = result


class ContainerActionFailed(Message):
    def __init__(self, action: Action, error: LogtuiError) -> None:
        super().__init__()
        self.action = action
        self.error = error


class LocalServiceStarted(Message):
    """The local service answers /health at `base_url` (after Start or Restart). The app points the log view
    at it."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url


class LocalServiceGone(Message):
    """Stop, Remove or Delete volume took the local service (or its data) away. The app reloads the log view,
    so it shows what is there now instead of the records of a service or volume that no longer exists."""

    def __init__(self, action: Action) -> None:
        super().__init__()
        self.action = action


class BackendReported(Message):
    """The running service said in /health which store it uses."""

    def __init__(self, base_url: str, backend: str | None) -> None:
        super().__init__()
        self.base_url = base_url
        self.backend = backend


class CollectRequested(Message):
    """Keep the output of these containers in the store (none: stop). The app owns the collector."""

    def __init__(self, names: list[str]) -> None:
        super().__init__()
        self.names = names


class BuildOutputReceived(Message, bubble=False):
    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines


class ServiceOutputReceived(Message, bubble=False):
    """Lines the container (or child process) printed to stdout/stderr."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines


class ServiceOutputEnded(Message, bubble=False):
    def __init__(self, error: LogtuiError | None) -> None:
        super().__init__()
        self.error = error


class PushLayerProgressed(Message, bubble=False):
    """A layer of the image being pushed changed state or moved on."""

    def __init__(self, progress: LayerProgress) -> None:
        super().__init__()
        self.progress = progress


class BackupProgressed(Message, bubble=False):
    def __init__(self, written: int) -> None:
        super().__init__()
        self.written = written
