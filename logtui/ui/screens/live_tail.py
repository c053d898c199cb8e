"""Follow mode for the logs screen: poll for records newer than the last one shown, on a timer, with backoff.

The dedup and backoff rules live in logtui.core.follow; this class only schedules polls, runs each in the
screen's "follow" worker group (so failures reach the screen's one error handler) and keeps the indicator.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from textual.timer import Timer

from logtui.core.errors import LogtuiError
from logtui.core.follow import Backoff, FollowCursor, poll_new_records
from logtui.core.timerange import parse_ts
from logtui.ui import messages as msg
from logtui.ui.workers import LogsWork

if TYPE_CHECKING:
    from logtui.core.client import LogClient
    from logtui.ui.screens.logs import LogsScreen
    from logtui.ui.screens.logs_query import LogQuery

#: Records taken per poll at most; a target that outruns this is caught up over the next polls.
MAX_RECORDS_PER_POLL = 20_000


class LiveTail:
    def __init__(self, screen: LogsScreen, *, interval: float) -> None:
        self._screen = screen
        self.interval = interval
        self.active = False
        self.backoff = Backoff(interval)
        self.last_poll: datetime | None = None
        self.new_waiting_count = 0
        self._cursor: FollowCursor | None = None
        self._timer: Timer | None = None

    def start(self) -> None:
        self.active = True
        self.backoff = Backoff(self.interval)
        self.last_poll = None
        self.new_waiting_count = 0
        self._cursor = None
        self._note("following: loading the newest records…")

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._screen.workers.cancel_group(self._screen, LogsWork.FOLLOW)
        self.active = False
        self._cursor = None
        self._note("")

    def started_from_view(self) -> None:
        """The newest page is on screen: remember where it ends and start polling after it."""
        timestamp, run = self._screen.log_view.last_timestamp_run()
        try:
            last = parse_ts(timestamp) if timestamp else None
        except ValueError:
            # Non-ISO timestamps cannot be polled "after the last one": say so and keep the view.
            self.stop()
            sample = (timestamp or "")[:40]
            self._screen.notify(
                f"Cannot follow this target: its records' timestamps are not ISO 8601 ({sample!r}).",
                title="Follow stopped",
                severity="warning",
            )
            return
        self._cursor = FollowCursor(last, run, since=self._screen.current_query.window.start)
        self._note("following")
        self._schedule(self.interval)

    def _schedule(self, delay: float) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self._screen.set_timer(delay, self._poll)

    def _poll(self) -> None:
        self._timer = None
        screen = self._screen
        client = screen.client
        if not self.active or client is None or self._cursor is None:
            return
        screen.run_worker(
            self._fetch_new(client, screen.generation, screen.current_query, self._cursor),
            group=LogsWork.FOLLOW,
            exclusive=True,
            exit_on_error=False,
        )

    async def _fetch_new(
        self, client: LogClient, generation: int, query: LogQuery, cursor: FollowCursor
    ) -> None:
        fresh = await poll_new_records(
            client,
            cursor,
            tags=query.tags,
            q=query.q,
            page_size=self._screen.page_size,
            max_records=MAX_RECORDS_PER_POLL,
        )
        self._screen.post_message(msg.FollowPolled(generation, fresh, self._screen.clock()))

    def polled(self, at: datetime) -> None:
        self.last_poll = at
        self._refresh_note()
        self._schedule(self.backoff.succeeded())

    def failed(self, error: LogtuiError) -> None:
        if not self.active:
            return
        delay = self.backoff.failed()
        self._note(f"following · poll failed ({error.title}); retrying in {delay:g} s")
        self._schedule(delay)

    def new_waiting(self, count: int) -> None:
        self.new_waiting_count = count
        self._refresh_note()

    def new_seen(self) -> None:
        self.new_waiting_count = 0
        self._refresh_note()

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
        self._screen.set_live_note(text)
