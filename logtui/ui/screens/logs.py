"""The main screen: a time window, filters, a histogram and the log view, all fed by async workers.

Every change of window, tags or search text resets the log view, which hands back a new `generation`; every
worker carries the generation it was started for and its results are dropped unless it is still current.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, cast

from log_analyzer.record import LogRecord
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Label, ProgressBar
from textual.worker import Worker, WorkerState

from logtui.core.client import LogClient, Stats
from logtui.core.display_zone import UTC_ZONE, DisplayZone
from logtui.core.errors import (
    BadResponse,
    ConnectFailed,
    LogtuiError,
    NotSupported,
    Rejected,
    RequestTimedOut,
    TLSFailed,
    Unauthorized,
)
from logtui.core.export import ExportFormat, export_window
from logtui.core.json_summary import DEFAULT_SUMMARY_KEYS
from logtui.core.timerange import TimeWindow, preset_window
from logtui.ui import messages as msg
from logtui.ui.screens.detail import DetailScreen
from logtui.ui.screens.export_dialog import ExportDialog, ExportRequest
from logtui.ui.screens.live_tail import LiveTail, PollSource
from logtui.ui.screens.logs_query import (
    PRESET_KEYS,
    LogQuery,
    as_datetime,
    jump_window,
    stats_from_records,
    window_misses_data,
)
from logtui.ui.screens.logs_state import QueryProgress, StoreFacts
from logtui.ui.widgets.error_panel import ErrorPanel
from logtui.ui.widgets.histogram import Histogram
from logtui.ui.widgets.log_view import LogView
from logtui.ui.widgets.range_bar import RangeBar
from logtui.ui.widgets.status_bar import StatusBar
from logtui.ui.widgets.tag_filter import TagFilter
from logtui.ui.widgets.window_notice import WindowNotice
from logtui.ui.workers import LogsWork, as_logtui_error

if TYPE_CHECKING:
    from logtui.core.config import Target

#: Failures of /health that mean nothing answers there: asking /logs would only fail the same way.
UNREACHABLE = (ConnectFailed, TLSFailed, RequestTimedOut)
SEARCH_DEBOUNCE = 0.35
SEARCH_MAX = 500
WINDOW_HISTORY = 50
STATS_BUCKETS_DEFAULT = 60


def oldest_first(records: Sequence[LogRecord]) -> list[LogRecord]:
    """A page asked for newest-first, in view order. Reversing keeps insertion order among equal timestamps
    (which follow mode relies on); a target that ignored `order=desc` answered oldest-first already."""
    flipped = list(reversed(records))
    if all(a.timestamp <= b.timestamp for a, b in pairwise(flipped)):
        return flipped
    return sorted(records, key=lambda r: r.timestamp)


class LogsScreen(Screen[None]):
    # Below 100 columns the search box gets its own row, so tag toggles are not hidden under it.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        *(
            Binding(str(i), f"preset('{name}')", f"last {name}", show=False)
            for i, name in enumerate(PRESET_KEYS, start=1)
        ),
        Binding("[", "step(-1)", "Earlier"),
        Binding("]", "step(1)", "Later"),
        Binding("slash", "focus_search", "Search"),
        Binding("s", "focus_range", "Range", show=False),
        Binding("backspace", "window_back", "Previous window", show=False),
        Binding("j", "jump_to_data", "Jump to data", show=False),
        Binding("r", "retry", "Retry", show=False),
        Binding("G", "newest", "Newest", show=False),
        Binding("g", "oldest", "Oldest", show=False),
        Binding("f", "toggle_follow", "Follow"),
        Binding("n", "show_new", "Go to new", show=False),
        Binding("w", "toggle_wrap", "Wrap", show=False),
        Binding("z", "toggle_zone", "UTC/local", show=False),
        Binding("e", "export", "Export"),
        Binding("y", "copy_record", "Copy", show=False),
        Binding("escape", "escape", "Back to logs", show=False),
        Binding("q", "app.quit", "Quit", show=False),
    ]

    def __init__(
        self,
        query: LogQuery,
        *,
        now: Callable[[], datetime],
        page_size: int,
        follow_interval: float,
        auto_window: bool,
        zone: DisplayZone = UTC_ZONE,
        summary_keys: Sequence[str] = DEFAULT_SUMMARY_KEYS,
    ) -> None:
        super().__init__()
        #: The zone times are shown and typed in (z toggles it with UTC), and the one display_tz names.
        self._zone = self._configured_zone = zone
        self._summary_keys = tuple(summary_keys)
        self._query = query
        self._now = now
        self._page_size = page_size
        #: True while the window is the launch default the user did not choose: it may move to the data.
        self._auto_window = auto_window
        self._client: LogClient | None = None
        self._target: Target | None = None
        #: The query on screen: what has come back for it (replaced whole by `_start_over`).
        self._progress = QueryProgress()
        #: What the target said about its store (replaced whole when the target changes).
        self._store = StoreFacts()
        self._retry: Callable[[], object] | None = None
        self._search_timer: Timer | None = None
        self._export_worker: Worker[int] | None = None
        #: Showing the window's newest page (G) instead of paging from its start.
        self._newest = False
        #: Windows left behind (zoom, preset, step, jump, follow), for Backspace.
        self._window_history: list[tuple[TimeWindow, str | None, bool]] = []
        #: Seconds between histogram refreshes while following (the first poll's records show at once).
        self.stats_refresh_interval = 10.0
        self._stats_refreshed_at = 0.0
        #: Follow mode, and its note in the summary line.
        self.live = LiveTail(interval=follow_interval, clock=now, id="live")

    # --- layout ------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield RangeBar(
            self._now, zone=self._zone, toggle_to=self._zone.toggled(self._configured_zone), id="range"
        )
        with Horizontal(id="filters"):
            yield TagFilter(id="tags")
            yield Input(placeholder="Search messages (/)", id="search", compact=True)
        yield Histogram(id="histogram")
        with Horizontal(id="summary"):
            yield Label("", id="counts", markup=False)
            yield self.live
        with Horizontal(id="export-progress"):
            yield Label("Exporting…", id="export-label", markup=False)
            yield ProgressBar(id="export-bar", show_eta=False)
        yield ErrorPanel(id="error")
        yield WindowNotice(id="notice")
        yield LogView(id="logview")
        yield Footer()

    def on_mount(self) -> None:
        self.log_view.set_zone(self._zone)
        self.log_view.set_summary_keys(self._summary_keys)
        self.histogram.set_zone(self._zone)
        self.range_bar.show_window(self._query.window, self._query.preset)
        self.query_one("#export-progress").display = False
        self.log_view.focus()

    # --- widgets -----------------------------------------------------------------------------------------

    @property
    def log_view(self) -> LogView:
        return self.query_one("#logview", LogView)

    @property
    def histogram(self) -> Histogram:
        return self.query_one("#histogram", Histogram)

    @property
    def range_bar(self) -> RangeBar:
        return self.query_one("#range", RangeBar)

    @property
    def tag_filter(self) -> TagFilter:
        return self.query_one("#tags", TagFilter)

    @property
    def status_bar(self) -> StatusBar:
        return self.query_one("#status", StatusBar)

    @property
    def error_panel(self) -> ErrorPanel:
        return self.query_one("#error", ErrorPanel)

    @property
    def notice(self) -> WindowNotice:
        return self.query_one("#notice", WindowNotice)

    @property
    def counts_text(self) -> str:
        return str(self.query_one("#counts", Label).content)

    @property
    def current_query(self) -> LogQuery:
        return self._query

    @property
    def client(self) -> LogClient | None:
        """The client this screen reads with (None until the app's TargetReady is handled)."""
        return self._client

    @property
    def generation(self) -> int:
        return self._progress.generation

    @property
    def zone(self) -> DisplayZone:
        return self._zone

    def _ts(self, moment: datetime) -> str:
        """An instant as the range inputs show it (in the display zone), for notices."""
        return self._zone.format_input(moment)

    # --- the target --------------------------------------------------------------------------------------

    def show_target(self, target: Target, address: str) -> None:
        """The app switched (or is switching) to `target`: forget the old one's data right away."""
        if self.live.active:
            self.live.stop()
            self.range_bar.show_window(self._query.window, None)
            if self._target is not None and target.name != self._target.name:
                self.notify("Stopped following: the target changed. Press f to follow this one.")
        if self._export_worker is not None and self._export_worker.is_running:
            self._export_worker.cancel()  # its client is about to be closed
        self._target = target
        self._client = None
        self._store = StoreFacts()
        if self._query.tags:
            self._query = replace(self._query, tags=())
        self.tag_filter.reset()  # the boxes are the new target's tags, once it says which
        self._start_over()
        self.status_bar.set_target(target.name, str(getattr(target.kind, "value", target.kind)), address)
        self.error_panel.clear()
        self.notice.say(f"Connecting to {target.name}…")
        self.log_view.placeholder = "Loading…"
        self._update_counts()

    def on_target_ready(self, event: msg.TargetReady) -> None:
        if event.target is not self._target:
            return  # the user switched again before this one was ready
        self._client = event.client
        self._target = event.target
        self._store = StoreFacts()  # what the new client's target says (nothing yet)
        self.error_panel.clear()
        # Until the first answer: say where we are knocking, so "No records." only ever means an empty answer.
        self.notice.say(
            f"Connecting to {event.client.host}:{event.client.port}… (timeout {event.client.timeout:g} s)"
        )
        self.log_view.placeholder = "Loading…"
        self.histogram.show_loading()
        self._probe_health()

    def on_target_failed(self, event: msg.TargetFailed) -> None:
        if event.target is not self._target:
            return
        self.notice.clear()
        self._show_failure(f"Could not open {event.target.name}", event.error, retry=self.request_reconnect)

    def request_reconnect(self) -> None:
        self.post_message(msg.ReconnectRequested())

    def show_runtime(self, note: str | None) -> None:
        """What the local runtime is doing, in the status bar (None: not the local target)."""
        self.status_bar.set_runtime(note)

    def on_runtime_state_changed(self, event: msg.RuntimeStateChanged) -> None:
        self.status_bar.set_runtime(event.note)
        if self._client is None:
            self.notice.say(f"Local service: {event.note}")

    # --- health, then the query -------------------------------------------------------------------------

    def _probe_health(self) -> None:
        if self._client is not None:
            self._fetch_health(self._client)

    @work(exclusive=True, group=LogsWork.HEALTH, exit_on_error=False)
    async def _fetch_health(self, client: LogClient) -> None:
        error: LogtuiError | None = None
        try:
            health = await client.health()
        except NotSupported:
            health = None
        except UNREACHABLE:
            raise
        except LogtuiError as exc:
            # The target answered, just not /health: it is optional, so the logs are still asked for.
            health, error = None, exc
        self.post_message(msg.HealthLoaded(client, health, error=error))

    def on_health_loaded(self, event: msg.HealthLoaded) -> None:
        if event.client is not self._client:
            return
        self.status_bar.set_latency(event.client.last_latency)
        health = event.health
        if event.error is not None:
            self.status_bar.set_version("? (/health failed)")
            self.notify(
                f"{event.error.title}\n{event.error.hint or ''}",
                title="/health failed; asking for the logs anyway",
                severity="warning",
                timeout=10,
            )
        elif health is None:
            # Not yet "the original API": that needs /logs to answer too (a plain web server has no /health).
            self.status_bar.set_version("no /health")
            self._store.stats_supported = False
        else:
            self.status_bar.set_version(health.version)
            self.status_bar.set_backend(health.backend)
            self._store.first = as_datetime(health.first_timestamp)
            self._store.last = as_datetime(health.last_timestamp)
            self._fetch_store_tags(event.client)
            if self._auto_window and window_misses_data(
                self._query.window, self._store.first, self._store.last
            ):
                self._move_to_data(launch=True)
                return
        self.refetch()

    @work(exclusive=True, group=LogsWork.STORE_TAGS, exit_on_error=False)
    async def _fetch_store_tags(self, client: LogClient) -> None:
        """Which tags the whole store has (one unfiltered /stats), so the boxes show those and no others."""
        try:
            stats = await client.stats(TimeWindow(), buckets=1)
        except LogtuiError:
            return  # the defaults stay; the window's own stats add what they see
        self.post_message(msg.StoreTagsLoaded(client, list(stats.tags)))

    def on_store_tags_loaded(self, event: msg.StoreTagsLoaded) -> None:
        if event.client is self._client and event.tags:
            self.tag_filter.show_store_tags(event.tags)

    def _move_to_data(self, *, launch: bool) -> None:
        assert self._store.first is not None and self._store.last is not None
        window = jump_window(self._store.first, self._store.last, self._query.window.width)
        if launch:
            self.notify(
                f"Nothing in the last {self._query.preset or 'window'}; the newest record is from "
                f"{self._ts(self._store.last)}, "
                "so this shows the data's last stretch. Keys 1-6 pick presets.",
                title="Showing where the data is",
                timeout=8,
            )
        # The launch default was never the user's choice: nothing to go back to.
        self._set_window(window, None, remember=not launch)

    # --- user changes ------------------------------------------------------------------------------------

    def _stop_following_for_new_window(self) -> None:
        # A window chosen by hand may end in the past; appending live records after it would mislead.
        if self.live.active:
            self.live.stop()
            self.notify("Changing the window stops following; press f to follow again.")

    def _set_window(
        self, window: TimeWindow, preset: str | None, *, remember: bool = True, end_excluded: bool = False
    ) -> None:
        if remember and window != self._query.window:
            self._remember_window()
        self._stop_following_for_new_window()
        self._newest = False
        self._query = self._query.with_window(window, preset, end_excluded=end_excluded)
        self.range_bar.show_window(window, preset)
        self.refetch()

    def _remember_window(self) -> None:
        self._window_history = [
            *self._window_history[-(WINDOW_HISTORY - 1) :],
            (self._query.window, self._query.preset, self._query.end_excluded),
        ]

    def action_window_back(self) -> None:
        if not self._window_history:
            self.notify("No earlier window to go back to.", severity="warning")
            return
        window, preset, end_excluded = self._window_history.pop()
        self._auto_window = False
        self._set_window(window, preset, remember=False, end_excluded=end_excluded)

    def action_preset(self, name: str) -> None:
        self._auto_window = False
        self._set_window(preset_window(name, self._now()), name)

    def action_step(self, direction: int) -> None:
        window = self._query.window
        if window.width is None:
            self.notify(
                "An open-ended window cannot be stepped: pick a preset (1-5) or type both ends.",
                severity="warning",
            )
            return
        try:
            shifted = window.shifted(direction)
        except (OverflowError, ValueError):
            self.notify("The window cannot move further that way.", severity="warning")
            return
        self._auto_window = False
        # Both ends are inclusive: a stepped window leaves out its end, so the record on the boundary it
        # shares with the next window shows in one of them only.
        self._set_window(shifted, None, end_excluded=True)

    def action_jump_to_data(self) -> None:
        self._auto_window = False
        if self._store.first is not None and self._store.last is not None:
            self._move_to_data(launch=False)
        elif self._store.stats_supported is False:
            # The course's original API cannot say where its data is: ask it for everything.
            self._set_window(TimeWindow(None, None), "all")
        else:
            self.notify("The store is empty: there is no data to jump to.", severity="warning")

    def on_range_bar_window_submitted(self, event: RangeBar.WindowSubmitted) -> None:
        self._auto_window = False
        # Showing the resolved times ("-2h" -> its instant) makes clear what the window is.
        self._set_window(event.window, None)
        self.log_view.focus()

    def on_histogram_bucket_chosen(self, event: Histogram.BucketChosen) -> None:
        self._auto_window = False
        self._set_window(TimeWindow(event.start, event.end), None)

    def on_tag_filter_changed(self, event: TagFilter.Changed) -> None:
        self._query = replace(self._query, tags=event.tags)
        self.refetch()

    @on(Input.Changed, "#search")
    def _search_typed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DEBOUNCE, self._apply_search)

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        if self._apply_search():
            self.log_view.focus()

    def _apply_search(self) -> bool:
        """Send the typed search (if it changed); False when it cannot be sent as it is."""
        search = self.query_one("#search", Input)
        text = search.value.strip()
        # The service refuses a q over 500 characters: mark the field and send nothing (as for the times).
        search.set_class(len(text) > SEARCH_MAX, "-too-long")
        if len(text) > SEARCH_MAX:
            self.notify(
                f"A search can be at most {SEARCH_MAX} characters (this one has {len(text)}).",
                title="Search too long",
                severity="error",
            )
            return False
        if text != self._query.text:
            self._query = replace(self._query, text=text)
            self.log_view.highlight = text
            self.refetch()
        return True

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_focus_range(self) -> None:
        self.range_bar.start_input.focus()

    def action_escape(self) -> None:
        self.log_view.focus()

    def action_toggle_wrap(self) -> None:
        self.log_view.wrap = not self.log_view.wrap

    def action_toggle_zone(self) -> None:
        """Show times in UTC or in the other zone (display_tz, or local); requests are unchanged."""
        self._zone = self._zone.toggled(self._configured_zone)
        self.range_bar.set_zone(self._zone, self._zone.toggled(self._configured_zone))
        self.log_view.set_zone(self._zone)
        self.histogram.set_zone(self._zone)
        self._update_counts()
        self.notify(f"Times in {self._zone.label(self._now())}; z switches back.", timeout=3)

    def action_retry(self) -> None:
        retry, self._retry = self._retry, None
        self.error_panel.clear()
        if retry is not None:
            retry()
        elif self._client is not None:
            self.refetch()

    # --- fetching ----------------------------------------------------------------------------------------

    def refetch(self) -> None:
        """Start over for the current query: reset the view (new generation) and ask for page one + stats."""
        self.workers.cancel_group(self, LogsWork.PAGE)
        self._start_over()
        self.error_panel.clear()
        self.notice.clear()
        self.log_view.placeholder = "Loading…"
        if self._client is None:
            self._update_counts()
            return
        if not self.tag_filter.selected():
            self.workers.cancel_group(self, LogsWork.QUERY)
            self.notice.say(
                "Every tag is switched off, so nothing can match. Switch a tag on to see records."
            )
            self._update_counts()
            return
        if self._store.stats_supported is not False:
            self.histogram.show_loading()
        self._update_counts(loading=True)
        self._run_query(self._client, self._progress.generation, self._query, self._tail_mode)

    def _start_over(self) -> None:
        """The one place the per-query state is reset: a new generation, nothing back for it yet."""
        self._progress = QueryProgress(generation=self.log_view.reset())

    @property
    def _tail_mode(self) -> bool:
        return self.live.active or self._newest

    def action_newest(self) -> None:
        """The window's newest records, without paging through everything before them."""
        if self._client is None:
            return
        if not self.log_view.has_more and not self._tail_mode:
            self.log_view.jump_to_end()  # everything is loaded already
            return
        self._newest = True
        self.refetch()

    def action_oldest(self) -> None:
        """Back to paging the window from its start (after G)."""
        if self._newest:
            self._newest = False
            self.refetch()
        else:
            self.log_view.action_cursor_home()

    def _stats_buckets(self) -> int:
        width = self.histogram.content_size.width
        return max(1, min(500, width)) if width > 0 else STATS_BUCKETS_DEFAULT

    async def _fetch_stats(self, client: LogClient, query: LogQuery) -> Stats | LogtuiError | None:
        """/stats, None when the target has none, or the error: a failed histogram must not hide the rows."""
        try:
            return await client.stats(
                query.request_window, buckets=self._stats_buckets(), tags=query.tags, q=query.q
            )
        except NotSupported:
            return None
        except LogtuiError as exc:
            return exc

    @work(exclusive=True, group=LogsWork.QUERY, exit_on_error=False)
    async def _run_query(self, client: LogClient, generation: int, query: LogQuery, tail: bool) -> None:
        stats_task = (
            asyncio.ensure_future(self._fetch_stats(client, query))
            if self._store.stats_supported is not False
            else None
        )
        try:
            if tail:
                # Following shows the newest page of the window, then appends what arrives after it.
                page = await client.logs(
                    query.request_window, tags=query.tags, q=query.q, limit=self._page_size, order="desc"
                )
                records = oldest_first(page.records)
                self.post_message(msg.LogsLoaded(generation, records, None, first=True))
            else:
                page = await client.logs(
                    query.request_window, tags=query.tags, q=query.q, limit=self._page_size
                )
                self.post_message(msg.LogsLoaded(generation, page.records, page.next_cursor, first=True))
            unfiltered = None
            if not page.records and (query.tags or query.q):
                unfiltered = await self._count_unfiltered(client, query, page.unfiltered)
            if unfiltered is not None:
                self.post_message(msg.LogsLoaded(generation, [], None, first=False, unfiltered=unfiltered))
            stats = await stats_task if stats_task is not None else None
            if stats is None and not page.paginated:
                # The whole window is here (the original service pages nothing): count it ourselves.
                stats = stats_from_records(page.records, query.request_window, self._stats_buckets())
            if isinstance(stats, LogtuiError):
                self.post_message(msg.StatsLoaded(generation, None, error=stats))
            else:
                self.post_message(msg.StatsLoaded(generation, stats))
        finally:
            if stats_task is not None and not stats_task.done():
                stats_task.cancel()

    async def _count_unfiltered(self, client: LogClient, query: LogQuery, known: int | None) -> int | None:
        """Whether the window has records the filters hide: the original API's count, else one record."""
        if known is not None:
            return known
        try:
            probe = await client.logs(query.request_window, limit=1)
        except LogtuiError:
            return None  # the filtered answer stands; the empty-window text is the plain one
        return len(probe.records)

    @on(events.Click, "#notice")
    def _notice_clicked(self) -> None:
        if self.log_view.loaded_count == 0 and (
            self._store.last is not None or self._store.stats_supported is False
        ):
            self.action_jump_to_data()

    def on_log_view_more_wanted(self, event: LogView.MoreWanted) -> None:
        if event.generation == self._progress.generation:
            self._request_more()

    def _request_more(self) -> None:
        if self._client is not None and self._progress.next_cursor is not None and not self._tail_mode:
            self._load_more(self._client, self._progress.generation, self._query, self._progress.next_cursor)

    @work(exclusive=True, group=LogsWork.PAGE, exit_on_error=False)
    async def _load_more(self, client: LogClient, generation: int, query: LogQuery, cursor: str) -> None:
        page = await client.logs(
            query.request_window, tags=query.tags, q=query.q, limit=self._page_size, cursor=cursor
        )
        self.post_message(msg.LogsLoaded(generation, page.records, page.next_cursor, first=False))

    def on_logs_loaded(self, event: msg.LogsLoaded) -> None:
        if event.generation != self._progress.generation:
            return
        self._store.logs_answered = True
        if event.unfiltered is not None:
            self._progress.unfiltered = event.unfiltered
            self._explain_empty()
            return
        if event.records:
            # The original API has no /stats to name its tags: the records do.
            self.tag_filter.add_tags({r.tag for r in event.records})
        self._progress.next_cursor = event.next_cursor
        self.log_view.append_page(
            event.records, has_more=event.next_cursor is not None, generation=event.generation
        )
        if event.first:
            self._progress.first_page_done = True
            if self._store.stats_supported is False:
                self.status_bar.set_version("original API (GET /logs only; logtui filters and counts)")
            if self._tail_mode:
                # Pin to the bottom: the newest records, where live ones will arrive.
                self.log_view.jump_to_end()
            if self.live.active and self._client is not None:
                self._follow_after_view(self._client)
        if self._client is not None:
            self.status_bar.set_latency(self._client.last_latency)
        self._update_counts()
        self._explain_empty()
        self._explain_newest()

    def _explain_newest(self) -> None:
        """After G the view holds only the window's last page: say what is above it and how to get there."""
        if not self._newest or self.live.active or not self._progress.first_page_done:
            return
        loaded = self.log_view.loaded_count
        older = (
            f"{self._progress.total - loaded:,} older records"
            if self._progress.total is not None
            else "Older records"
        )
        if self._progress.total is not None and self._progress.total <= loaded:
            self.notice.clear()
            return
        self.notice.say(
            f"Showing the newest {loaded:,} records of the window. {older} are not loaded: "
            "g pages from the start, [ steps the window back."
        )

    def on_stats_loaded(self, event: msg.StatsLoaded) -> None:
        if event.generation != self._progress.generation:
            return
        self._progress.stats_done = True
        self._stats_refreshed_at = time.monotonic()
        stats = event.stats
        if event.error is not None:
            self.histogram.show_unavailable(event.error.title)
        elif stats is not None and stats.counted_here:
            self._store.stats_supported = False  # the target still has no /stats: j, counts and notes say so
            self.histogram.show_stats(stats)
        elif stats is None:
            self._store.stats_supported = False
            filtered = self._query.tags or self._query.q
            local = " Tag and text filters are applied by logtui." if filtered else ""
            self.histogram.show_unavailable(
                f"this target has only GET /logs (no /stats), so there are no counts.{local}"
            )
        else:
            self._store.stats_supported = True
            self._progress.total = stats.total
            if stats.buckets:
                self.histogram.show_stats(stats)
            else:
                self.histogram.show_unavailable("the target sent no buckets for this window.")
            self.tag_filter.add_tags(stats.tags)
            self._store.first = as_datetime(stats.first_timestamp) or self._store.first
            self._store.last = as_datetime(stats.last_timestamp) or self._store.last
        self._update_counts()
        self._explain_empty()
        self._explain_newest()

    def _update_counts(self, *, loading: bool = False) -> None:
        loaded = self.log_view.loaded_count
        if self._client is None:
            text = ""
        elif loading:
            text = "Loading…"
        elif self._newest and not self.live.active and self._progress.total is not None:
            text = f"newest {loaded:,} of {self._progress.total:,} (g: from the start)"
        elif self._progress.total is not None:
            text = f"{loaded:,} loaded of {self._progress.total:,}"
        else:
            text = f"{loaded:,} loaded" + (" (more on scroll)" if self._progress.next_cursor else "")
        self.query_one("#counts", Label).update(f"{text}   {self._query.label(self._zone)}" if text else "")

    def _explain_empty(self) -> None:
        """Say why the view is empty and how to get to data, once both the page and the stats are in."""
        if not (self._progress.first_page_done and self._progress.stats_done) or self.log_view.loaded_count:
            return
        self.log_view.placeholder = "No records."
        filtered = bool(self._query.tags or self._query.text)
        what = "No records match the filters in" if filtered else "No records in"
        window = self._query.label(self._zone)
        if filtered and self._progress.unfiltered:
            self.notice.say(self._filter_hid_everything(window))
            return
        if self._store.stats_supported is False:
            self.notice.say(
                f"{what} {window}. This target cannot say where its data is (no /stats); "
                "press 6 or j to ask it for everything."
            )
        elif self._store.last is not None and self._store.first is not None:
            self.notice.say(
                f"{what} {window}. The store holds records from {self._ts(self._store.first)} to "
                f"{self._ts(self._store.last)}: press j (or click here) to jump to the latest data."
            )
        else:
            self.notice.say(
                f"{what} {window}: the store is empty. Records appear here once something "
                "posts them to /logs (press f to follow)."
            )

    def _filter_hid_everything(self, window: str) -> str:
        exact = self._store.stats_supported is False  # the original API's count is the whole window's
        held = (
            f"holds {self._progress.unfiltered:,} records"
            if exact and self._progress.unfiltered
            else "has records"
        )
        hiding, clearing = [], []
        if self._query.text:
            hiding.append(f"the search {self._query.text!r}")
            clearing.append("clear the search (/, delete the text, Enter)")
        if self._query.tags:
            hiding.append(f"the tag filter (only {', '.join(self._query.tags)})")
            clearing.append("switch the other tags back on")
        return (
            f"{window} {held}, but {' and '.join(hiding)} hide{'s' if len(hiding) == 1 else ''} all of "
            f"them: {' or '.join(clearing)}."
        )

    # --- failures: every worker's error lands here -------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            purpose = LogsWork.of(event.worker.group)
            self.post_message(msg.RequestFailed(purpose, as_logtui_error(event.worker.error)))
        elif event.worker is self._export_worker and event.state in (
            WorkerState.SUCCESS,
            WorkerState.CANCELLED,
        ):
            self._export_done(cancelled=event.state is WorkerState.CANCELLED)

    def on_request_failed(self, event: msg.RequestFailed) -> None:
        purpose, error = event.purpose, event.error
        if purpose is LogsWork.EXPORT:
            self._export_done(cancelled=False)
            self.notify(
                f"{error.title}\n{error.hint or ''}", title="Export failed", severity="error", timeout=10
            )
        elif purpose is LogsWork.HEALTH:
            self.histogram.show_unavailable("the target did not answer (see below).")
            self.log_view.placeholder = ""
            self._show_failure("Could not reach the target", error, retry=self._probe_health)
        elif purpose is LogsWork.PAGE:
            self._show_failure("Loading more records failed", error, retry=self._request_more)
        else:
            if not self._store.logs_answered and (
                isinstance(error, BadResponse) or (isinstance(error, Rejected) and error.status == 404)
            ):
                # Only when /logs itself is missing or unreadable: a service that answered it is one.
                self.status_bar.set_version("not a log-analyzer?")
            self.histogram.show_unavailable("the request for the logs failed (see below).")
            self._update_counts()
            self._show_failure("Loading logs failed", error, retry=self.refetch)

    def _show_failure(self, what: str, error: LogtuiError, *, retry: Callable[[], object]) -> None:
        self.notice.clear()
        if self._target is not None and self._target.is_local and isinstance(error, ConnectFailed):
            # The local service went away (killed, stopped elsewhere): show its real state, and let r bring it
            # back up (start + wait for /health) rather than repeat a request nothing will answer.
            self.post_message(msg.RuntimeCheckRequested())
            self._retry = self.request_reconnect
            self.error_panel.show_error(
                error,
                "The local service is not answering",
                retry_text="Press r to start it again, or c for the container screen.",
            )
            return
        if self.log_view.loaded_count == 0:
            self.log_view.placeholder = "Nothing loaded: see the error above."
        # The client reads the token when it is made: after "export THE_VAR=key", retry with a new client.
        self._retry = self.request_reconnect if isinstance(error, Unauthorized) else retry
        self.error_panel.show_error(error, what)

    # --- detail, copy ------------------------------------------------------------------------------------

    def on_log_view_record_chosen(self, event: LogView.RecordChosen) -> None:
        self.app.push_screen(DetailScreen(event.record, zone=self._zone))

    def action_copy_record(self) -> None:
        record = self.log_view.selected_record
        if record is None:
            self.notify("Select a record first (arrow keys).", severity="warning")
            return
        self.app.copy_to_clipboard(f"{record.timestamp} {record.tag} {record.message}")
        self.notify("Copied the selected record to the clipboard.")

    # --- live tail ---------------------------------------------------------------------------------------

    def action_toggle_follow(self) -> None:
        if self._client is None:
            self.notify("Not connected yet.", severity="warning")
            return
        if self.live.active:
            self.live.stop()
            self.range_bar.show_window(self._query.window, None)
            self.notify("Stopped following.")
            return
        self.live.start()
        self._auto_window = False
        # Backspace after following returns to the window before it.
        self._remember_window()
        # Following means "up to now and beyond": open the end, keep the start.
        self._query = self._query.with_window(TimeWindow(self._query.window.start, None), None)
        self.range_bar.show_window(self._query.window, "following")
        self.refetch()

    def _follow_after_view(self, client: LogClient) -> None:
        """The newest page is on screen: follow mode polls after its last record, for this query."""
        timestamp, run = self.log_view.last_timestamp_run()
        source = PollSource(client, self._query, self._progress.generation, self._page_size)
        self.live.follow_after(source, timestamp, run, since=self._query.window.start)

    def action_show_new(self) -> None:
        self.log_view.jump_to_end()
        self.live.new_seen()

    def on_log_view_new_records_waiting(self, event: LogView.NewRecordsWaiting) -> None:
        self.live.new_waiting(event.count)

    def on_follow_polled(self, event: msg.FollowPolled) -> None:
        if event.generation != self._progress.generation or not self.live.active:
            return
        if event.records:
            self.log_view.append_live(event.records)
            self.tag_filter.add_tags({r.tag for r in event.records})
            if self._progress.total is not None:
                self._progress.total += len(event.records)
            self._refresh_histogram_while_following()
        self.live.polled(event.polled_at)
        self._update_counts()
        if event.records:
            self.notice.clear()

    def _refresh_histogram_while_following(self) -> None:
        """New records arrived: redraw the histogram now and then (not per poll: /stats costs a scan)."""
        if self._client is None:
            return
        now = time.monotonic()
        if now - self._stats_refreshed_at < self.stats_refresh_interval:
            return
        shown = self.histogram.stats
        if self._store.stats_supported is False and shown is not None and shown.counted_here:
            # The original API: every record of the window is loaded, so count them again here.
            self._stats_refreshed_at = now
            view = self.log_view
            records = [view.record_at(i) for i in range(view.loaded_count)]
            stats = stats_from_records(records, self._query.request_window, self._stats_buckets())
            if stats is not None:
                self.histogram.show_stats(stats)
        elif self._store.stats_supported is True:
            self._stats_refreshed_at = now
            self._refresh_stats(self._client, self._progress.generation, self._query)

    @work(exclusive=True, group=LogsWork.STATS_REFRESH, exit_on_error=False)
    async def _refresh_stats(self, client: LogClient, generation: int, query: LogQuery) -> None:
        stats = await self._fetch_stats(client, query)
        if isinstance(stats, Stats):  # a failed refresh keeps the histogram it has
            self.post_message(msg.StatsLoaded(generation, stats))

    # --- export ------------------------------------------------------------------------------------------

    def action_export(self) -> None:
        if self._client is None:
            self.notify("Not connected yet.", severity="warning")
            return
        if self._export_worker is not None and self._export_worker.is_running:
            self._export_worker.cancel()
            return

        def chosen(request: ExportRequest | None) -> None:
            if request is not None:
                self.start_export(request.path, request.fmt)

        self.app.push_screen(ExportDialog(self._query.window, now=self._now(), zone=self._zone), chosen)

    def start_export(self, path: Path, fmt: str) -> Worker[int]:
        assert self._client is not None
        bar = self.query_one("#export-bar", ProgressBar)
        bar.update(total=None, progress=0)
        self.query_one("#export-label", Label).update(f"Exporting to {path} (e again to cancel)")
        self.query_one("#export-progress").display = True
        self._export_worker = self._export(self._client, self._query, path, fmt)
        return self._export_worker

    @work(exclusive=True, group=LogsWork.EXPORT, exit_on_error=False)
    async def _export(self, client: LogClient, query: LogQuery, path: Path, fmt: str) -> int:
        def progress(written: int, total: int | None) -> None:
            self.post_message(msg.ExportProgressed(written, total))

        count = await export_window(
            client,
            query.request_window,
            tags=query.tags,
            q=query.q,
            dest=path,
            fmt=cast("ExportFormat", fmt),
            on_progress=progress,
            page_size=self._page_size,
            total=self._progress.total,
        )
        self.post_message(msg.ExportFinished(path, count))
        return count

    def on_export_progressed(self, event: msg.ExportProgressed) -> None:
        self.query_one("#export-bar", ProgressBar).update(total=event.total, progress=event.written)

    def on_export_finished(self, event: msg.ExportFinished) -> None:
        self.notify(f"Wrote {event.count:,} records to {event.path}", title="Export done")

    def _export_done(self, *, cancelled: bool) -> None:
        self.query_one("#export-progress").display = False
        if cancelled:
            self.notify("Export cancelled; no file was written.", severity="warning")
        self._export_worker = None
