"""Follow mode for the logs screen: poll for records newer than the last one shown, on a timer, with backoff.

A small widget (the "following · last poll …" note in the summary line) behind a narrow interface: the
screen starts and stops it and says where to follow from (`follow_after`); the widget owns its timer and its
poll worker, handles that worker's failures itself (backing off), and posts `FollowPolled` with what each poll
found, which bubbles up to the screen. The dedup and backoff rules live in logtui.core.follow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from textual.timer import Timer
from textual.widgets import Label
from textual.worker import Worker, WorkerState

from logtui.core.errors import LogtuiError
from logtui.core.follow import Backoff, FollowCursor, poll_new_records
from logtui.core.timerange import parse_ts
from logtui.ui import messages as msg
from logtui.ui.workers import LogsWork, as_logtui_error

if TYPE_CHECKING:
    from logtui.core.client import LogClient
    from logtui.ui.screens.logs_query import LogQuery

#: Records taken per poll at most; a target that outruns this is caught up over the next polls.
MAX_RECORDS_PER_POLL = 20_000


@dataclass(frozen=True)
class PollSource:
    """What to poll: the screen's client and query, for the generation on screen (its answers carry it)."""

    client: LogClient
    query: LogQuery
    generation: int
    page_size: int


class LiveTail(Label):
    def __init__(self, *, interval: float, clock: Callable[[], datetime], id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.interval = interval
        self._clock = clock
        self.active = False
        self.backoff = Backoff(interval)
        self.last_poll: datetime | None = None
        self.new_waiting_count = 0
        self._cursor: FollowCursor | None = None
        self._source: PollSource | None = None
        self._timer: Timer | None = None

    # --- what the screen says ----------------------------------------------------------------------------

    def start(self) -> None:
        """The user turned follow mode on; polling starts once the newest page is shown (`follow_after`)."""
        self.active = True
        self.backoff = Backoff(self.interval)
        self.last_poll = None
        self.new_waiting_count = 0
        self._cursor = None
        self._source = None
        self._note("following: loading the newest records…")

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.workers.cancel_node(self)
        self.active = False
        self._cursor = None
        self._source = None
        self._note("")

    def follow_after(
        self, source: PollSource, last_timestamp: str | None, run: int, *, since: datetime | None
    ) -> None:
        """The newest page is on screen, ending with `run` records at `last_timestamp`: poll after them."""
        try:
            last = parse_ts(last_timestamp) if last_timestamp else None
        except ValueError:
            # Non-ISO timestamps cannot be polled "after the last one": say so and keep the view.
            self.stop()
            sample = (last_timestamp or "")[:40]
            self.notify(
                f"Cannot follow this target: its records' timestamps are not ISO 8601 ({sample!r}).",
                title="Follow stopped",
                severity="warning",
            )
            return
        self._source = source
        self._cursor = FollowCursor(last, run, since=since)
        self._note("following")
        self._schedule(self.interval)

    def polled(self, at: datetime) -> None:
        """The screen showed what a poll found: note it and poll again after the interval."""
        self.last_poll = at
        self._refresh_note()
        self._schedule(self.backoff.succeeded())

    def new_waiting(self, count: int) -> None:
        self.new_waiting_count = count
        self._refresh_note()

    def new_seen(self) -> None:
        self.new_waiting_count = 0
        self._refresh_note()

    # --- the timer and the worker ------------------------------------------------------------------------

    def _schedule(self, delay: float) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(delay, self._poll)

    def _poll(self) -> None:
        self._timer = None
        if not self.active or self._source is None or self._cursor is None:
            return
        self.run_worker(
            self._fetch_new(self._source, self._cursor),
            group=LogsWork.FOLLOW,
            exclusive=True,
            exit_on_error=False,
        )

    async def _fetch_new(self, source: PollSource, cursor: FollowCursor) -> None:
        query = source.query
        fresh = await poll_new_records(
            source.client,
            cursor,
            tags=query.tags,
            q=query.q,
            page_size=source.page_size,
            max_records=MAX_RECORDS_PER_POLL,
        )
        self.post_message(msg.FollowPolled(source.generation, fresh, self._clock()))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self._failed(as_logtui_error(event.worker.error))

    def _failed(self, error: LogtuiError) -> None:
        if not self.active:
            return
        delay = self.backoff.failed()
        self._note(f"following · poll failed ({error.title}); retrying in {delay:g} s")
        self._schedule(delay)

    # --- the note ----------------------------------------------------------------------------------------

    def _refresh_note(self) -> None:
        if not self.active:
            return
        parts = ["following"]
        if self.last_poll is not None:
            parts.append(f"last poll {self.last_poll:%H:%M:%S}")
        if self.new_waiting_count:
            parts.append(f"{self.new_waiting_count} new (n to jump)")
        self._note(" · ".join(parts))

    def _note(self, text: str) -> None:
        self.update(text)
