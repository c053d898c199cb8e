"""Live tail: which records to ask for next, which of the answer are new, and how long to wait.

The service has no "records after id X" query, only time windows with inclusive ends, and several records may
share a timestamp (a burst within one microsecond, or a client that writes whole seconds). So each poll asks
from the last shown timestamp *inclusive* and skips the records at that timestamp the view already shows. The
service returns records with equal timestamps in insertion order, so "already shown" is simply "the first k".

Known limit: a record inserted later with a timestamp *older* than the last one shown is not picked up (it
belongs to a window the user already has; reloading the window shows it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from log_analyzer.record import LogRecord

from logtui.core.client import LogClient
from logtui.core.errors import BadResponse
from logtui.core.safe_text import one_line
from logtui.core.timerange import TimeWindow, parse_ts

__all__ = ["MAX_BACKOFF", "Backoff", "FollowCursor", "FollowState", "poll_new_records"]

#: Longest wait between polls while the target keeps failing (seconds). Documented in the config file.
MAX_BACKOFF = 60.0


@dataclass
class FollowCursor:
    """Where the live tail stands: the last shown timestamp and how many shown records carry it.

    `since` is where to start when nothing is shown yet (the window's start, or None for everything).
    """

    last_timestamp: datetime | None = None
    shown_at_last: int = 0
    since: datetime | None = None
    # Records still to drop in the poll under way (armed by next_window, spans pages of that poll).
    _skip: int = field(default=0, init=False, repr=False)
    # The start the poll under way asked for: a target that ignores start_time sends older records too.
    _floor: datetime | None = field(default=None, init=False, repr=False)

    @classmethod
    def from_records(cls, records: Sequence[LogRecord], *, since: datetime | None = None) -> FollowCursor:
        """The cursor after showing `records` (ascending, as the view holds them; only the tail matters)."""
        cursor = cls(since=since)
        cursor.advance(records)
        return cursor

    def next_window(self) -> TimeWindow:
        """Start a poll: its window runs from the last shown timestamp (inclusive), open-ended.

        Feed every page of that poll's answer, in order, to `accept`.
        """
        self._skip = self.shown_at_last if self.last_timestamp is not None else 0
        start = self.last_timestamp if self.last_timestamp is not None else self.since
        self._floor = start
        return TimeWindow(start, None)

    def accept(self, records: Sequence[LogRecord]) -> list[LogRecord]:
        """The records of a poll's page that are new (the already-shown ones dropped); advances the cursor."""
        new: list[LogRecord] = []
        for record in records:
            if self._floor is not None and _when(record) < self._floor:
                continue  # older than asked for: the view has it already (or it belongs before the window)
            if self._skip and _when(record) == self.last_timestamp:
                self._skip -= 1
                continue
            self._skip = 0  # past the shared timestamp: everything after is new
            new.append(record)
        self.advance(new)
        return new

    def advance(self, shown: Sequence[LogRecord]) -> None:
        """Record that `shown` (ascending) were appended to the view."""
        if not shown:
            return
        last = _when(shown[-1])
        same = 0
        for record in reversed(shown):
            if _when(record) != last:
                break
            same += 1
        if last == self.last_timestamp:
            self.shown_at_last += same
        else:
            self.last_timestamp = last
            self.shown_at_last = same


def _when(record: LogRecord) -> datetime:
    # Follow computes its next window from the records' timestamps: one it cannot read is the server's
    # problem, reported like any other bad answer (not an unexpected ValueError).
    try:
        return parse_ts(record.timestamp)
    except ValueError:
        raise BadResponse(
            f"A record has a timestamp logtui cannot read: {one_line(record.timestamp)[:60]!r}",
            "Following needs ISO timestamps (YYYY-MM-DDTHH:MM:SS[.ffffff]); the window itself still shows.",
        ) from None


#: The name the brief used; same class.
FollowState = FollowCursor


@dataclass
class Backoff:
    """Poll interval: `base` while the target answers, doubling per failure up to `cap`, reset on success."""

    base: float
    cap: float = MAX_BACKOFF
    failures: int = 0

    @property
    def delay(self) -> float:
        if self.failures == 0:
            return self.base
        # Never below the base: a slow configured interval stays slow while failing.
        return max(self.base, min(self.cap, self.base * 2.0**self.failures))

    def failed(self) -> float:
        """Note a failed poll; returns the wait before the next one."""
        self.failures += 1
        return self.delay

    def succeeded(self) -> float:
        self.failures = 0
        return self.delay


async def poll_new_records(
    client: LogClient,
    cursor: FollowCursor,
    *,
    tags: Sequence[str] = (),
    q: str | None = None,
    page_size: int = 1000,
    max_records: int = 50_000,
) -> list[LogRecord]:
    """One follow poll: every new record since the cursor (up to about `max_records`), cursor advanced.

    A burst bigger than `max_records` is not lost: the cursor stops where this poll stopped and the next poll
    carries on from there. If the poll fails or is cancelled part-way, `cursor` is left as it was, so the
    records of the pages that did arrive (and were never shown) come again next time.
    """
    work = FollowCursor(cursor.last_timestamp, cursor.shown_at_last, since=cursor.since)
    new: list[LogRecord] = []
    async for page in client.iter_pages(work.next_window(), tags=tags, q=q, limit=page_size):
        new.extend(work.accept(page.records))
        if len(new) >= max_records:
            break
    cursor.last_timestamp, cursor.shown_at_last = work.last_timestamp, work.shown_at_last
    return new
