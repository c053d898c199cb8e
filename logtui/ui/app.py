"""The Textual app: a thin shell that loads the config, owns the current target (its one LogClient and,
for the local target, the runtime) and hands both to the logs screen. The screens do the rest."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from logtui.core import paths
from logtui.core.client import LogClient
from logtui.core.config import Config, ConfigError, Target, load_config
from logtui.core.config import save_config as write_config
from logtui.core.errors import LogtuiError
from logtui.core.runtime import choose_runtime
from logtui.core.runtime.embedded import EmbeddedRuntime
from logtui.core.timerange import TimeParseError, TimeWindow
from logtui.core.urls import public_address
from logtui.ui import messages as msg
from logtui.ui.container_actions import Action
from logtui.ui.local_service import bring_up, describe
from logtui.ui.options import AppOptions
from logtui.ui.palette import palette_commands
from logtui.ui.screens.container import ContainerScreen, ContainerStatusRefreshed, LocalServiceStarted
from logtui.ui.screens.help import HelpScreen
from logtui.ui.screens.logs import LogsScreen
from logtui.ui.screens.logs_query import LogQuery, initial_window
from logtui.ui.screens.targets import TargetsScreen
from logtui.ui.target_choice import launch_target
from logtui.ui.workers import AppWork, as_logtui_error

if TYPE_CHECKING:
    from logtui.core.runtime import Runtime, RuntimeStatus

STYLES = Path(__file__).resolve().parent / "styles"


def whole_seconds(clock: Callable[[], datetime]) -> Callable[[], datetime]:
    """The clock rounded up to the next whole second, so preset windows read 10:30:00, not 10:29:59.164455.

    Rounding up (never down) keeps every record logged up to this instant inside a window ending "now".
    """

    def now() -> datetime:
        t = clock()
        return t if not t.microsecond else t.replace(microsecond=0) + timedelta(seconds=1)

    return now


class LogtuiApp(App[None]):
    CSS_PATH = [STYLES / "app.tcss", STYLES / "logs.tcss"]
    TITLE = "logtui"
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding("question_mark", "help", "Help", show=False),
        Binding("t", "targets", "Targets"),
        Binding("c", "show_container", "Container"),
        Binding("ctrl+q", "quit", "Quit"),
    ]

    def __init__(self, options: AppOptions) -> None:
        super().__init__()
        self.options = options
        self.clock = whole_seconds(options.clock())
        self.config_path = options.config_path or paths.config_file()
        self.config_error: ConfigError | None = None
        try:
            self.config = load_config(self.config_path)
        except ConfigError as exc:
            # Run on defaults and say so: a broken config must not lock the user out of their logs.
            self.config_error = exc
            self.config = Config()
        self.launch_error: ConfigError | None = None
        try:
            self.target: Target = launch_target(
                self.config, url=options.url, profile=options.profile, flags=options.url_flags
            )
        except ConfigError as exc:
            # The CLI checks --url first; a caller of the factory may not have: say so, open the local target.
            self.launch_error = exc
            self.target = self.config.local_target
        if options.store is not None:
            # Your own logs: the local target, served by an embedded log-analyzer over that store.
            self.target = self.config.local_target
        self.loader = options.loader
        self._load_reported = False
        #: Containers whose output is being kept (the container screen's `o`), and the collector doing it.
        self.collector: Any = None
        self.collecting: tuple[str, ...] = ()
        self.client: LogClient | None = None
        self.runtime: Runtime | None = None
        # Both the local target's start-up and the container screen may create the runtime, each in a thread.
        self._runtime_lock = threading.Lock()
        self.logs_screen: LogsScreen | None = None
        self._pending_container_action: Action | None = None

    # --- start-up ----------------------------------------------------------------------------------------

    async def on_mount(self) -> None:
        window_error: TimeParseError | None = None
        preset: str | None
        zone = self.config.display_zone
        try:
            if self.options.store is not None and not (self.options.start or self.options.end):
                window, preset = TimeWindow(None, None), "all"  # a file's records are seldom from this hour
            else:
                window, preset = initial_window(self.options.start, self.options.end, self.clock(), zone=zone)
        except TimeParseError as exc:
            window_error = exc
            window, preset = initial_window(None, None, self.clock())
        self.logs_screen = LogsScreen(
            LogQuery(window, preset=preset),
            now=self.clock,
            page_size=self.config.page_size,
            follow_interval=self.config.follow_interval,
            auto_window=preset is not None and self.options.store is None,
            zone=zone,
            summary_keys=self.config.json_summary_keys,
        )
        await self.push_screen(self.logs_screen)
        if self.config_error is not None:
            self.notify(
                f"{self.config_error.title}\n{self.config_error.hint or ''}\nRunning on defaults.",
                title="Config file problem",
                severity="error",
                timeout=15,
            )
        if self.launch_error is not None:
            self.notify(
                f"{self.launch_error}; opening the local service instead.",
                title="Bad --url",
                severity="error",
            )
        if window_error is not None:
            self.notify(str(window_error), title="Bad --start/--end; showing the last hour", severity="error")
        self.open_target(self.target)
        if self.loader is not None:
            self.set_interval(0.5, self._show_load_progress)
            self._show_load_progress()
            self._first_screen_timer = self.set_interval(0.05, self._release_loader)

    def _release_loader(self) -> None:
        """The first records are on screen (or the view gave up): let the loader run flat out."""
        screen = self.logs_screen
        try:
            shown = screen is not None and (
                screen.log_view.loaded_count or screen.error_panel.error is not None
            )
        except NoMatches:  # the screen is not composed yet, or already gone
            shown = False
        if not shown:
            return
        self.loader.resume()
        self._first_screen_timer.stop()

    # --- loading files -----------------------------------------------------------------------------------

    def _show_load_progress(self) -> None:
        """The loader (a thread) is polled: its progress in the status bar; once loaded, a summary, the
        window reloaded, and follow switched on when files are watched."""
        try:
            self._update_load_progress()
        except NoMatches:  # the screen is not composed yet, or already gone
            pass

    def _update_load_progress(self) -> None:
        assert self.loader is not None and self.logs_screen is not None
        progress = self.loader.progress()
        screen = self.logs_screen
        if progress.error is not None and not self._load_reported:
            self._load_reported = True
            screen.status_bar.set_load(f"loading stopped: {progress.error}")
            self.notify(progress.error, title="Loading stopped", severity="error", timeout=15)
            return
        if not progress.loaded:
            screen.status_bar.set_load(f"loading · {progress.summary()}")
            return
        if self._load_reported or screen.client is None:
            return
        self._load_reported = True
        watched = f" · following {progress.following} file(s)" if progress.following else ""
        screen.status_bar.set_load(f"loaded {progress.records:,} records{watched}")
        notes = "\n".join(progress.notes)
        self.notify(
            f"{progress.records:,} records: {progress.summary()}" + (f"\n{notes}" if notes else ""),
            title="Loaded",
            timeout=8,
        )
        if progress.following and not screen.live.active:
            screen.action_toggle_follow()  # reloads the window, open-ended, and polls for new lines
        else:
            screen.refetch()

    # --- targets -----------------------------------------------------------------------------------------

    def open_target(self, target: Target) -> None:
        """Point the UI at `target`: close the previous client, then connect (starting the local service)."""
        self._close_client()
        self.target = target
        assert self.logs_screen is not None
        is_local = target.is_local
        self.logs_screen.show_target(target, "" if is_local else public_address(target.url))
        if is_local:
            self._bring_up_local(target)
            return
        self.logs_screen.show_runtime(None)
        self._connect(target, None)

    def reconnect(self) -> None:
        self.open_target(self.target)

    def on_reconnect_requested(self, _: msg.ReconnectRequested) -> None:
        self.reconnect()

    def on_runtime_check_requested(self, _: msg.RuntimeCheckRequested) -> None:
        self.check_local_runtime()

    def _connect(self, target: Target, base_url: str | None) -> None:
        assert self.logs_screen is not None
        try:
            client = LogClient.for_target(target, base_url=base_url)
        except LogtuiError as exc:
            self.logs_screen.post_message(msg.TargetFailed(target, exc))
            return
        self.client = client
        self.logs_screen.post_message(msg.TargetReady(target, client))

    def _close_client(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            self.run_worker(client.aclose(), group=AppWork.CLOSE_CLIENT, exit_on_error=False)

    @work(thread=True, exclusive=True, group=AppWork.LOCAL_RUNTIME, exit_on_error=False)
    def _bring_up_local(self, target: Target) -> str:
        runtime = self._ensure_runtime()

        def report(status: RuntimeStatus | None, note: str) -> None:
            if self.logs_screen is not None:
                self.logs_screen.post_message(msg.RuntimeStateChanged(runtime, status, note))

        return bring_up(runtime, report)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == AppWork.COLLECT and event.state is WorkerState.ERROR:
            error = as_logtui_error(event.worker.error)
            self.notify(
                f"{error.title}\n{error.hint or ''}", title="Collect output", severity="error", timeout=10
            )
            return
        if event.worker.group == AppWork.RUNTIME_CHOICE and event.state is WorkerState.ERROR:
            error = as_logtui_error(event.worker.error)
            self.notify(
                f"{error.title}\n{error.hint or ''}", title="Local service", severity="error", timeout=10
            )
            return
        if event.worker.group != AppWork.LOCAL_RUNTIME or not self.target.is_local:
            return
        if event.state is WorkerState.SUCCESS and isinstance(event.worker.result, str):
            self._connect(self.target, event.worker.result)
        elif event.state is WorkerState.ERROR and self.logs_screen is not None:
            self.logs_screen.post_message(msg.TargetFailed(self.target, as_logtui_error(event.worker.error)))

    def check_local_runtime(self) -> None:
        """Ask the runtime for its state (it may have died under us) and show it in the status bar."""
        if self.runtime is not None:
            self._refresh_runtime_status(self.runtime)

    @work(thread=True, exclusive=True, group=AppWork.RUNTIME_STATUS, exit_on_error=False)
    def _refresh_runtime_status(self, runtime: Runtime) -> None:
        status = runtime.status()
        if self.logs_screen is not None:
            self.logs_screen.post_message(msg.RuntimeStateChanged(runtime, status, describe(runtime, status)))

    def on_local_service_started(self, event: LocalServiceStarted) -> None:
        """The container screen started (or restarted) the local service: follow it if it is our target."""
        if self.target.is_local and self.logs_screen is not None:
            self._close_client()
            self._connect(self.target, event.base_url)

    def on_local_service_gone(self, _: msg.LocalServiceGone) -> None:
        """Stop, Remove or Delete volume on the container screen: reload the log view if it shows the local
        service, so it says the service is down (and how to start it) instead of showing what is gone."""
        if self.target.is_local and self.logs_screen is not None:
            self.logs_screen.refetch()

    def on_container_status_refreshed(self, event: ContainerStatusRefreshed) -> None:
        if self.target.is_local and self.runtime is not None and self.logs_screen is not None:
            self.logs_screen.show_runtime(describe(self.runtime, event.status))

    def save_config(self, config: Config) -> None:
        """Persist `config` (atomically, by the core) and use it from now on. Raises ConfigError."""
        write_config(config, self.config_path)
        self.config = config
        self.config_error = None

    # --- containers' output into the store ------------------------------------------------------------------

    def _local_db_path(self) -> Path | None:
        """The store file the local service reads, when it is a file here (the embedded runtime's)."""
        return self.runtime.db_path if isinstance(self.runtime, EmbeddedRuntime) else None

    def collect_store(self) -> Path:
        """Where collected output goes: the store the local service reads when that is a file here (embedded),
        else your own logs' store (a Docker runtime's store is inside its volume)."""
        if self.options.store is not None:
            return self.options.store
        db_path = self._local_db_path()
        if db_path is not None:
            return db_path
        from logtui.core.local_store import default_store_path

        return default_store_path()

    def collect_containers(self, names: list[str]) -> None:
        self._start_collector(names, self.collect_store())

    def on_collect_requested(self, event: msg.CollectRequested) -> None:
        self.collect_containers(event.names)

    @work(thread=True, exclusive=True, group=AppWork.COLLECT, exit_on_error=False)
    def _start_collector(self, names: list[str], store: Path) -> None:
        from logtui.core.collector import Collector

        old, self.collector = self.collector, None
        if old is not None:
            old.stop()
        self.collecting = ()
        if not names:
            self.call_from_thread(self.notify, "Stopped keeping containers' output.", title="Collect output")
            return
        self.collector = Collector(store, names).start()
        self.collecting = tuple(names)
        shown_here = self.target.is_local and store in (self.options.store, self._local_db_path())
        where = "" if shown_here else f" (open them with: logtui --store {store})"
        self.call_from_thread(
            self.notify,
            f"Keeping the output of {', '.join(names)} in {store}{where}. Search [name] for one container.",
            title="Collect output",
            timeout=10,
        )

    async def on_unmount(self) -> None:
        if self.collector is not None:
            await asyncio.to_thread(self.collector.stop)
        if self.client is not None:
            await self.client.aclose()
        if self.runtime is not None:
            # close() waits for an embedded child to exit: in a thread, so the loop can finish shutting down.
            await asyncio.to_thread(self.runtime.close)

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        """An SVG of the screen in the current folder (or `path`); says where it went, or why it could not."""
        try:
            written = self.save_screenshot(filename, path or str(Path.cwd()))
        except OSError as exc:
            self.notify(
                f"Could not save the screenshot: {exc.strerror or exc}", title="Screenshot", severity="error"
            )
            return
        self.notify(f"Saved {written}", title="Screenshot")

    # --- screens -----------------------------------------------------------------------------------------

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_targets(self) -> None:
        if not isinstance(self.screen, TargetsScreen):
            self.push_screen(TargetsScreen())

    def run_local_service_action(self, action: Action) -> None:
        """A container-screen action asked for elsewhere (the palette on the log screen): open that screen
        and run it there, where its progress, confirmations and errors are shown."""
        self._pending_container_action = action
        self.action_show_container()

    def action_show_container(self) -> None:
        if self.runtime is None:
            self._make_runtime_for_screen()
        else:
            self._push_container_screen(self.runtime)

    @work(thread=True, exclusive=True, group=AppWork.RUNTIME_CHOICE, exit_on_error=False)
    def _make_runtime_for_screen(self) -> None:
        self.call_from_thread(self._push_container_screen, self._ensure_runtime())

    def _ensure_runtime(self) -> Runtime:
        """The local runtime, chosen once (blocking: probes Docker). Call from a thread worker."""
        with self._runtime_lock:
            if self.runtime is None:
                if self.options.local_runtime is not None:
                    self.runtime = self.options.local_runtime
                    return self.options.local_runtime
                if self.options.store is not None:
                    self.runtime = EmbeddedRuntime(self.options.store, demo_records=0, course_sample=False)
                    return self.runtime
                self.runtime = choose_runtime(self.config, override=self.options.runtime)
                note = self.runtime.choice_note
                if note:
                    # Say once why "auto" runs the service without Docker.
                    self.call_from_thread(self.notify, str(note), title="Running without Docker", timeout=8)
            return self.runtime

    def _push_container_screen(self, runtime: Runtime) -> None:
        # One instance per app: a build or backup keeps running while the user is back on the logs.
        if not self.is_screen_installed("container"):
            self.install_screen(ContainerScreen(runtime, now=self.clock), "container")
        if not isinstance(self.screen, ContainerScreen):
            self.push_screen("container")
        action, self._pending_container_action = self._pending_container_action, None
        if action is not None:
            screen = self.get_screen("container")
            assert isinstance(screen, ContainerScreen)
            screen.queue_action(action)

    # --- command palette ---------------------------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title != "Screenshot":  # Textual's writes to ~/Downloads, absent on most servers
                yield command
        yield SystemCommand(
            "Screenshot", "Save an SVG of this screen in the current folder", self.action_screenshot
        )
        yield from palette_commands(self, screen)
