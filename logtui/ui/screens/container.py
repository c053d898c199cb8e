"""Look after the local log-analyzer (Docker container or embedded child process) from one screen.

Every runtime call blocks, so each runs in a thread worker: one group for the user's actions (one at a time),
one for the periodic status refresh, one that follows the service's own output. Workers report back only
through `on_worker_state_changed`, which turns their outcome into the small past-tense messages below; the
handlers of those messages are the only code that updates the screen. The messages bubble on to the app,
which listens for `LocalServiceStarted` to point the log view at the local service.

Keep one instance per app (install it with `App.install_screen`): a build or backup keeps running, and its
result lands, while the user is back on the log view.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import ClassVar, Protocol, cast, runtime_checkable

from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Button, Footer, Label, Log, ProgressBar, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState, get_current_worker

from logtui.core.client import LogClient
from logtui.core.collector import running_container_names
from logtui.core.errors import BuildFailed, LogtuiError, RuntimeFailure
from logtui.core.publish import IMAGES, LayerProgress, PushResult, push_image
from logtui.core.runtime.base import HEALTH_TIMEOUT, Runtime, RuntimeState, RuntimeStatus
from logtui.core.runtime.docker_runtime import DockerRuntime
from logtui.core.state import PUSH_REFERENCE, load_state, remember
from logtui.ui.container_actions import ACTION_LABELS, ACTIONS, Action, BuildOutcome, ContainerAction
from logtui.ui.messages import (
    ActionResult,
    BackendReported,
    BackupProgressed,
    BuildOutputReceived,
    CollectRequested,
    ContainerActionFailed,
    ContainerActionFinished,
    ContainerActionStarted,
    ContainerStatusRefreshed,
    ContainerStatusUnavailable,
    LocalServiceGone,
    LocalServiceStarted,
    PushLayerProgressed,
    ServiceOutputEnded,
    ServiceOutputReceived,
)
from logtui.ui.screen_commands import Entry, ScreenCommands
from logtui.ui.screens.collect_dialog import CollectDialog
from logtui.ui.widgets.build_output import BuildOutput, parse_step
from logtui.ui.widgets.confirm import ConfirmDialog, PathPrompt, TypedConfirmDialog
from logtui.ui.widgets.container_panel import ContainerPanel, format_bytes, name_taken
from logtui.ui.widgets.push_prompt import PushPrompt, PushRequest
from logtui.ui.workers import ContainerWork

__all__ = [
    "ACTIONS",
    "LOGS_GROUP",
    "Action",
    "ContainerActionFailed",
    "ContainerActionFinished",
    "ContainerActionStarted",
    "ContainerScreen",
    "ContainerStatusRefreshed",
    "LocalServiceStarted",
]

STYLES = Path(__file__).resolve().parent.parent / "styles" / "container.tcss"

#: The open-ended output follower's group (tests leave it running while they wait for the others).
LOGS_GROUP = ContainerWork.OUTPUT


@runtime_checkable
class CollectsOutput(Protocol):
    """What this screen reads from an app that keeps containers' output (logtui's; a bare host has none)."""

    collecting: tuple[str, ...]

    def collect_store(self) -> Path: ...


@runtime_checkable
class ShowsLogs(Protocol):
    """What this screen reads from an app with a log view (logtui's; a bare host app in tests has none)."""

    client: LogClient | None


# Cells a compact button adds around its label in the single row (padding and edges).
_BUTTON_CHROME = 4

_RUNNING = (RuntimeState.RUNNING, RuntimeState.HEALTHY)
_LAYER_DONE = ("Pushed", "Layer already exists")
_DESTRUCTIVE = (Action.REMOVE, Action.DELETE_VOLUME)
_HAS_CONTAINER = (RuntimeState.CREATED, RuntimeState.RUNNING, RuntimeState.HEALTHY, RuntimeState.EXITED)


def action_available(action: Action, kind: str, status: RuntimeStatus | None) -> bool:
    """Whether `action` makes sense in this state (the buttons and footer follow this)."""
    if status is None or status.state is RuntimeState.UNREACHABLE:
        return False
    state = status.state
    match action:
        case Action.PUSH:
            return kind == "docker"
        case Action.BUILD:
            return True  # the embedded runtime answers that there is nothing to build, which is worth saying
        case Action.START:
            if name_taken(kind, status):
                return False  # the name belongs to someone else's container: Start can only fail
            return state in (RuntimeState.IMAGE_BUILT, RuntimeState.CREATED, RuntimeState.EXITED)
        case Action.STOP:
            return state in _RUNNING
        case Action.RESTART | Action.REMOVE:
            return state in _HAS_CONTAINER
        case Action.BACKUP | Action.DELETE_VOLUME:
            return status.db_size is not None or state in _HAS_CONTAINER


def as_logtui_error(error: BaseException | None, action: str) -> LogtuiError:
    if isinstance(error, LogtuiError):
        return error
    label = ACTION_LABELS.get(action, action)
    return RuntimeFailure(
        f"{label} failed unexpectedly: {type(error).__name__}: {error}",
        "The app keeps running; press F5 to refresh the state and try again. Please report this as a bug.",
    )


class ContainerCommands(ScreenCommands):
    """The container actions in the command palette (only while the container screen is open)."""

    def entries(self) -> Iterable[Entry]:
        screen = self.screen
        if not isinstance(screen, ContainerScreen):
            return
        for action in ACTIONS:
            yield (
                f"Local service: {action.label}",
                action.help,
                partial(screen.run_container_action, action.name),
            )
        yield "Local service: Refresh", "Ask the runtime for its state now", screen.action_refresh
        yield (
            "Collect containers' output (o)",
            "Keep running containers' stdout/stderr in the store",
            screen.action_collect,
        )


# --- the screen --------------------------------------------------------------------------------------------


class ContainerScreen(Screen[None]):
    CSS_PATH = STYLES
    COMMANDS: ClassVar = {ContainerCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        # The buttons name their keys, so the footer keeps room for the app's own keys.
        *(Binding(a.key, a.name, a.label, tooltip=a.help, show=False) for a in ACTIONS),
        Binding("f5", "refresh", "Refresh"),
        Binding("escape", "back", "Back"),
        Binding("o", "collect", "Collect output", show=False),
    ]

    def __init__(
        self,
        runtime: Runtime,
        *,
        now: Callable[[], datetime] | None = None,
        refresh_interval: float = 3.0,
        health_timeout: float = HEALTH_TIMEOUT,
        log_tail: int = 100,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self.runtime = runtime
        self._now = now or (lambda: datetime.now(UTC))
        self._refresh_interval = refresh_interval
        self._health_timeout = health_timeout
        self._log_tail = log_tail
        self.status: RuntimeStatus | None = None
        self.busy: Action | None = None  # the action running now
        self._queued_action: Action | None = None  # asked for before the first status (queue_action)
        #: the store the running service reports in /health, and the address that said so
        self._backend: str | None = None
        self._backend_url: str | None = None
        self._last_status: ContainerStatusRefreshed | None = None
        self.last_error: LogtuiError | None = None
        self._following = False
        self._shown_exited_output = False
        self._output_stop = threading.Event()
        # "Back up first" in the delete dialog: the record count it showed, to ask again after the backup.
        self._delete_after_backup: tuple[int | None] | None = None
        self._push_request: PushRequest | None = None
        self._push_layers: dict[str, LayerProgress] = {}

    # --- layout ---------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="container-top"):
            yield ContainerPanel(id="container-panel")
            yield Static("", id="container-error", markup=False)
            with Horizontal(id="container-actions"):
                for action in ACTIONS:
                    yield Button(
                        Content(f"{self._label(action)} ({action.key})"),
                        id=f"do-{action.name}",
                        variant="error"
                        if action.name in (Action.REMOVE, Action.DELETE_VOLUME)
                        else "default",
                        disabled=True,
                        compact=True,
                        tooltip=action.help,
                    )
            with Horizontal(id="container-activity"):
                yield Label("", id="activity-label", markup=False)
                yield ProgressBar(total=None, show_eta=False, id="activity-progress")
        with TabbedContent(id="container-panes", initial="pane-output"):
            with TabPane("Service output", id="pane-output"):
                yield Log(max_lines=2000, id="service-output")
            with TabPane("Build", id="pane-build"):
                yield BuildOutput(id="build-output")
        yield Footer()

    def _label(self, action: ContainerAction) -> str:
        # The embedded runtime keeps its data in a file, not a Docker volume; say what will be deleted.
        if action.name is Action.DELETE_VOLUME and self.runtime.kind != "docker":
            return "Delete database"
        return action.label

    def on_resize(self, event: events.Resize) -> None:
        self._fit_actions(event.size.width)

    def _fit_actions(self, width: int) -> None:
        """One row of buttons when they fit, else a grid (4, 3, 2 or 1 columns) so none runs off the screen:
        the buttons are the only place that names the action keys (the footer keeps room for the app's)."""
        bar = self.query_one("#container-actions", Horizontal)
        labels = [len(str(button.label)) for button in bar.query(Button)]
        room = width - 2  # the bar's margin
        columns = 0  # 0 = a single row
        if sum(n + _BUTTON_CHROME + 1 for n in labels) > room:
            columns = next((c for c in (4, 3, 2) if c * (max(labels) + 2) + c - 1 <= room), 1)
        for c in (1, 2, 3, 4):
            bar.set_class(columns == c, f"-columns-{c}")
        bar.set_class(columns > 0, "-grid")

    def on_mount(self) -> None:
        self.query_one("#container-panel", ContainerPanel).border_title = "Local log-analyzer"
        self._timer = self.set_interval(self._refresh_interval, self._tick, pause=False)
        self.action_refresh()

    def on_unmount(self) -> None:
        self._output_stop.set()

    def on_screen_suspend(self) -> None:
        self._timer.pause()

    def on_screen_resume(self) -> None:
        self._timer.resume()
        self.action_refresh()

    # --- status ---------------------------------------------------------------------------------------------

    def _tick(self) -> None:
        if not self._running_in(ContainerWork.STATUS):
            self._refresh_status()

    def action_refresh(self) -> None:
        self._refresh_status()

    @work(thread=True, exclusive=True, exit_on_error=False, group=ContainerWork.STATUS, name="status")
    def _refresh_status(self) -> RuntimeStatus:
        return self.runtime.status()

    def on_container_status_refreshed(self, message: ContainerStatusRefreshed) -> None:
        self.status = message.status
        self._last_status = message
        self._show_panel(message)
        self._sync_controls()
        self._sync_output(message.status)
        url = message.status.base_url
        if message.status.state in _RUNNING and url and url != self._backend_url:
            self._fetch_backend(url)
        queued, self._queued_action = self._queued_action, None
        if queued is not None:
            self.run_container_action(queued)

    def _show_panel(self, message: ContainerStatusRefreshed) -> None:
        # Uptime is wall-clock time since the real process started, so it uses the real clock even when
        # the app runs on a fixed one (tests, screenshots).
        self.query_one(ContainerPanel).show_status(
            message.kind,
            message.status,
            datetime.now(UTC),
            why=self.runtime.choice_note,
            log_view_url=self._log_view_url(),
            backend=self._backend if message.status.base_url == self._backend_url else None,
        )

    @work(exclusive=True, exit_on_error=False, group=ContainerWork.BACKEND, name="backend")
    async def _fetch_backend(self, base_url: str) -> None:
        client = LogClient(base_url, timeout=5.0)
        try:
            health = await client.health()
        except LogtuiError:
            return  # not up yet: the next status refresh asks again
        finally:
            await client.aclose()
        self.post_message(BackendReported(base_url, health.backend))

    def on_backend_reported(self, message: BackendReported) -> None:
        self._backend, self._backend_url = message.backend, message.base_url
        if self._last_status is not None:
            self._show_panel(self._last_status)

    def _log_view_url(self) -> str | None:
        """The address the app's log view reads (it may be another target), when the app has a log view."""
        host = self.app
        if isinstance(host, ShowsLogs) and host.client is not None:
            return host.client.base_url
        return None

    def on_container_status_unavailable(self, message: ContainerStatusUnavailable) -> None:
        self.status = None
        panel = self.query_one(ContainerPanel)
        panel.update(Text(f"Could not ask the runtime for its state.\n{message.error}"))
        self._show_error(message.error)
        self._sync_controls()

    # --- actions --------------------------------------------------------------------------------------------

    def _running_in(self, group: ContainerWork) -> bool:
        return any(w.group == group and not w.is_finished for w in self.workers)

    def _sync_controls(self) -> None:
        for action in ACTIONS:
            button = self.query_one(f"#do-{action.name}", Button)
            button.disabled = bool(self.busy) or not action_available(
                action.name, self.runtime.kind, self.status
            )

    def queue_action(self, action: Action) -> None:
        """Run `action` once the runtime's state is known (the palette on the log screen opens this screen
        and asks for an action before its first status refresh has answered)."""
        if self.status is None:
            self._queued_action = action
        else:
            self.run_container_action(action)

    def run_container_action(self, action: str) -> None:
        """Entry point for keys, buttons and the command palette alike; a refusal always says why."""
        chosen = Action(action)
        if self.busy:
            self.notify(
                f"{ACTION_LABELS[self.busy]} is still running; wait for it to finish.", severity="warning"
            )
            return
        if chosen is Action.PUSH and self.runtime.kind != "docker":
            self.notify(
                "Push needs the Docker runtime: the embedded one runs from this Python, with no image.",
                severity="warning",
            )
            return
        if not action_available(chosen, self.runtime.kind, self.status):
            self.notify(
                f"{ACTION_LABELS[chosen]} is not possible now: {self._state_words()}.", severity="warning"
            )
            return
        # Some actions ask first (a confirmation, a file name); the others start at once.
        asks: dict[Action, Callable[[], None]] = {
            Action.PUSH: self._ask_push,
            Action.REMOVE: self._ask_remove,
            Action.BACKUP: self._ask_backup,
            Action.DELETE_VOLUME: self._ask_delete_volume,
        }
        asks.get(chosen, partial(self._launch, chosen))()

    def _state_words(self) -> str:
        if self.status is None:
            return "the runtime's state is unknown"
        return f"the service is {self.status.state.value}"

    def _launch(self, action: Action, *args: object) -> None:
        self.busy = action
        self.last_error = None
        self.query_one("#container-error", Static).display = False
        self.post_message(ContainerActionStarted(action))
        self._sync_controls()
        workers: dict[Action, Callable[..., object]] = {
            Action.BUILD: self._do_build,
            Action.PUSH: self._do_push,
            Action.START: self._do_start,
            Action.STOP: self._do_stop,
            Action.RESTART: self._do_restart,
            Action.REMOVE: self._do_remove,
            Action.BACKUP: self._do_backup,
            Action.DELETE_VOLUME: self._do_delete_volume,
        }
        workers[action](*args)

    # Key bindings and buttons map here; all go through run_container_action.
    def action_build(self) -> None:
        self.run_container_action(Action.BUILD)

    def action_push(self) -> None:
        self.run_container_action(Action.PUSH)

    def action_start(self) -> None:
        self.run_container_action(Action.START)

    def action_stop(self) -> None:
        self.run_container_action(Action.STOP)

    def action_restart(self) -> None:
        self.run_container_action(Action.RESTART)

    def action_remove(self) -> None:
        self.run_container_action(Action.REMOVE)

    def action_backup(self) -> None:
        self.run_container_action(Action.BACKUP)

    def action_delete_volume(self) -> None:
        self.run_container_action(Action.DELETE_VOLUME)

    def action_collect(self) -> None:
        """o: pick running containers whose output the store keeps (any container, not only ours)."""
        self._list_running()

    @work(thread=True, exclusive=True, exit_on_error=False, group=ContainerWork.COLLECT, name="list-running")
    def _list_running(self) -> list[str]:
        return running_container_names()

    def _choose_containers(self, running: list[str]) -> None:
        if not running:
            self.notify("No container is running.", title="Collect output", severity="warning")
            return
        host = self.app
        if not isinstance(host, CollectsOutput):
            return  # a host app without collection (the screen alone, in tests)

        def chosen(names: list[str] | None) -> None:
            if names is not None:
                self.post_message(CollectRequested(names))

        self.app.push_screen(
            CollectDialog(running, collecting=host.collecting, store=host.collect_store()), chosen
        )

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1 and self.app.screen is self:
            self.app.pop_screen()

    @on(Button.Pressed, "#container-actions Button")
    def _button(self, event: Button.Pressed) -> None:
        assert event.button.id is not None
        self.run_container_action(event.button.id.removeprefix("do-"))

    # --- confirmations and prompts --------------------------------------------------------------------------

    def _volume_name(self) -> str:
        if self.status and self.status.volume:
            return self.status.volume
        return "the data volume" if self.runtime.kind == "docker" else "the database"

    def _ask_remove(self) -> None:
        if self.runtime.kind == "docker":
            title = "Remove the container?"
            body = (
                f"The container is stopped and deleted. Your logs stay on the volume {self._volume_name()}: "
                "Start creates a new container that serves them again."
            )
        else:
            title = "Stop and forget the service?"
            body = f"The service stops. Your logs stay in {self._volume_name()}; Start serves them again."
        self.app.push_screen(
            ConfirmDialog(title, body, confirm_label="Remove container", danger=True),
            lambda yes: self._launch(Action.REMOVE) if yes else None,
        )

    def _ask_push(self) -> None:
        last = {name: load_state().get(PUSH_REFERENCE.format(kind=name), "") for name in IMAGES}
        self.app.push_screen(PushPrompt(last), self._push_answered)

    def _push_answered(self, request: PushRequest | None) -> None:
        if request is None:
            return
        # Remembered as soon as it is asked for: a push refused for a missing login keeps what was typed.
        remember(PUSH_REFERENCE.format(kind=request.image), request.reference)
        self._push_request = request
        self._push_layers = {}
        self._launch(Action.PUSH, request)

    def _ask_backup(self) -> None:
        stamp = self._now().strftime("%Y%m%d-%H%M%S")
        self.app.push_screen(
            PathPrompt(
                "Back up the database",
                "Write a copy of the log database (SQLite) to this file. Nothing is overwritten.",
                default=Path.home() / f"log-analyzer-backup-{stamp}.db",
                confirm_label="Back up",
            ),
            self._backup_path_answered,
        )

    def _backup_path_answered(self, dest: Path | None) -> None:
        if dest is None:
            self._delete_after_backup = None  # cancelled: the delete flow ends here too
            return
        self._launch(Action.BACKUP, dest)

    def _ask_delete_volume(self) -> None:
        self._count_records()

    @work(exclusive=True, exit_on_error=False, group=ContainerWork.QUERY, name="count-records")
    async def _count_records(self) -> int | None:
        """The record count for the confirmation; None when the service is not up to say."""
        base_url = self.status.base_url if self.status and self.status.state in _RUNNING else None
        if base_url is None:
            return None
        client = LogClient(base_url, timeout=5.0)
        try:
            health = await client.health()
            return health.records
        except LogtuiError:
            return None
        finally:
            await client.aclose()

    def _confirm_delete_volume(self, records: int | None, *, backup: Path | None = None) -> None:
        size = format_bytes(self.status.db_size if self.status else None)
        what = (
            f"{records:,} log records"
            if records is not None
            else "all stored log records (count unknown: the service is not running)"
        )
        volume = self._volume_name()
        if self.runtime.kind == "docker":
            goes_too = "The container is removed too (it holds the volume); Start makes a new, empty one. "
        else:
            goes_too = "The service stops too; Start begins again with a new, empty database. "
        body = (
            f"This deletes {volume} with {what} ({size}) for good. There is no undo.\n"
            f"{goes_too}Back up first to keep a copy you can restore or query."
        )
        if backup is not None:
            body = f"Backup written to {backup}.\n{body}"
        # Typing the volume's name proves the user read which one goes; the embedded database's path is too
        # long to ask for, so there the word is "delete".
        word = "delete"
        if self.runtime.kind == "docker" and self.status and self.status.volume:
            word = self.status.volume
        self.app.push_screen(
            TypedConfirmDialog(
                f"Delete {volume}?",
                body,
                word=word,
                confirm_label="Delete volume" if self.runtime.kind == "docker" else "Delete database",
                alternative_label="Back up first",
            ),
            partial(self._delete_volume_answered, records),
        )

    def _delete_volume_answered(self, records: int | None, answer: str | None) -> None:
        if answer == "confirm":
            self._launch(Action.DELETE_VOLUME)
        elif answer == "alternative":
            # After the backup the user still means to delete: ask again then (QA C7).
            self._delete_after_backup = (records,)
            self._ask_backup()

    # --- the workers (thread) -------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group=ContainerWork.ACTION, name=Action.BUILD)
    def _do_build(self) -> BuildOutcome:
        worker = get_current_worker()

        steps = cached = 0

        def on_line(line: str) -> None:
            nonlocal steps, cached
            # Quitting mid-build cancels this worker; stopping the stream here lets the app exit now instead
            # of when the build ends (the process waits for its worker threads).
            if worker.is_cancelled:
                raise _cancelled(Action.BUILD)
            step = parse_step(line)
            if step is not None:
                steps += 1
                cached += step[2].upper().startswith("FROM")  # a base image is never "Using cache"
            elif "Using cache" in line:
                cached += 1
            self.post_message(BuildOutputReceived([line]))

        self.runtime.build(on_line)
        # The embedded runtime only explains itself in the Build pane.
        if self.runtime.kind != "docker":
            return BuildOutcome.NOTHING_TO_BUILD
        # Every layer from the cache: the same image, so a restart would change nothing.
        if steps and cached >= steps:
            return BuildOutcome.UNCHANGED
        return BuildOutcome.BUILT

    @work(thread=True, exclusive=True, exit_on_error=False, group=ContainerWork.ACTION, name=Action.PUSH)
    def _do_push(self, request: PushRequest) -> PushResult:
        worker = get_current_worker()

        def on_line(line: str) -> None:
            if worker.is_cancelled:
                raise _cancelled(Action.PUSH)
            self.post_message(BuildOutputReceived([line]))

        def on_layer(progress: LayerProgress) -> None:
            if worker.is_cancelled:
                raise _cancelled(Action.PUSH)
            self.post_message(PushLayerProgressed(progress))

        return push_image(
            cast(DockerRuntime, self.runtime),
            IMAGES[request.image],
            request.reference,
            on_line=on_line,
            on_layer=on_layer,
            create_repository=lambda _name: request.create_repository,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group=ContainerWork.ACTION, name=Action.START)
    def _do_start(self) -> str | None:
        self.runtime.start()
        self.runtime.wait_healthy(self._health_timeout)
        return self.runtime.base_url

    @work(thread=True, exclusive=True, exit_on_error=False, group=ContainerWork.ACTION, name=Action.RESTART)
    def _do_restart(self) -> str | None:
        self.runtime.restart()
        self.runtime.wait_healthy(self._health_timeout)
        return self.runtime.base_url

    @work(thread=True, exclusive=True, exit_on_error=False, group=ContainerWork.ACTION, name=Action.STOP)
    def _do_stop(self) -> str:
        self.runtime.stop()
        return "Stopped. The data is kept."

    @work(thread=True, exclusive=True, exit_on_error=False, group=ContainerWork.ACTION, name=Action.REMOVE)
    def _do_remove(self) -> str:
        self.runtime.remove()
        return f"Removed. The logs stay in {self._volume_name()}."

    @work(thread=True, exclusive=True, exit_on_error=False, group=ContainerWork.ACTION, name=Action.BACKUP)
    def _do_backup(self, dest: Path) -> Path:
        worker = get_current_worker()

        def on_progress(written: int) -> None:
            if worker.is_cancelled:
                raise _cancelled(Action.BACKUP)  # the runtime then removes its partial file
            self.post_message(BackupProgressed(written))

        return self.runtime.backup(dest, on_progress=on_progress)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group=ContainerWork.ACTION,
        name=Action.DELETE_VOLUME,
    )
    def _do_delete_volume(self) -> str:
        self.runtime.delete_data()
        return f"Deleted {self._volume_name()}."

    # --- the one place worker outcomes become messages ------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker, state = event.worker, event.state
        if state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        error = worker.error if state is WorkerState.ERROR else None
        match worker.group:
            case ContainerWork.STATUS:
                if state is WorkerState.SUCCESS and isinstance(worker.result, RuntimeStatus):
                    self.post_message(ContainerStatusRefreshed(self.runtime.kind, worker.result))
                elif state is WorkerState.ERROR:
                    self.post_message(ContainerStatusUnavailable(as_logtui_error(error, "status")))
            case ContainerWork.ACTION:
                action = Action(worker.name)
                if state is WorkerState.SUCCESS:
                    self.post_message(ContainerActionFinished(action, _action_result(worker.result)))
                else:
                    failure = as_logtui_error(error or _cancelled(action), action)
                    self.post_message(ContainerActionFailed(action, failure))
            case ContainerWork.OUTPUT:
                self._following = False
                ended = as_logtui_error(error, "follow output") if error is not None else None
                self.post_message(ServiceOutputEnded(ended))
            case ContainerWork.COLLECT:
                if state is WorkerState.SUCCESS and isinstance(worker.result, list):
                    self._choose_containers(worker.result)
                elif state is WorkerState.ERROR:
                    failure = as_logtui_error(error, "collect")
                    self.notify(
                        f"{failure.title}\n{failure.hint or ''}",
                        title="Collect output",
                        severity="error",
                        timeout=10,
                    )
            case ContainerWork.QUERY if worker.name == "count-records":
                records = worker.result if state is WorkerState.SUCCESS else None
                self._confirm_delete_volume(records if isinstance(records, int) else None)

    # --- outcomes -------------------------------------------------------------------------------------------

    def on_container_action_started(self, message: ContainerActionStarted) -> None:
        label = ACTION_LABELS[message.action]
        self.query_one("#activity-label", Label).update(f"{label}…")
        bar = self.query_one("#activity-progress", ProgressBar)
        bar.update(total=None, progress=0)
        # A build shows its own step bar in the Build pane; one bar is enough.
        bar.display = message.action not in (Action.BUILD, Action.PUSH)
        if message.action is Action.PUSH and self._push_request is not None:
            self.query_one(TabbedContent).active = "pane-build"
            self.query_one(BuildOutput).begin(f"Pushing {self._push_request.reference}…")
        if message.action is Action.BUILD:
            image = self.status.image if self.status and self.status.image else "the image"
            self.query_one(TabbedContent).active = "pane-build"
            self.query_one(BuildOutput).begin(f"Building {image}…")
        if message.action is Action.BACKUP:
            bar.update(total=self.status.db_size if self.status and self.status.db_size else None)

    def on_container_action_finished(self, message: ContainerActionFinished) -> None:
        self._action_over()
        action, result = message.action, message.result
        match action, result:
            case (Action.START | Action.RESTART, str() as base_url):
                text = f"The local log-analyzer answers at {base_url}."
                self.query_one(TabbedContent).active = "pane-output"
                self.post_message(LocalServiceStarted(base_url))
            case (Action.BACKUP, Path() as backup):
                text = f"Backup written to {backup}."
                if self._delete_after_backup is not None:
                    (records,), self._delete_after_backup = self._delete_after_backup, None
                    self._confirm_delete_volume(records, backup=backup)
            case (Action.PUSH, PushResult() as pushed):
                text = f"Pushed {pushed.reference}" + (f" ({pushed.digest})" if pushed.digest else "") + "."
                self.query_one(BuildOutput).finish(True, "Push finished.")
            case (Action.BUILD, BuildOutcome.NOTHING_TO_BUILD):
                text = BuildOutcome.NOTHING_TO_BUILD.text
                self.query_one(BuildOutput).finish(True, "Nothing to build.")
            case (Action.BUILD, BuildOutcome.UNCHANGED):
                text = BuildOutcome.UNCHANGED.text
                self.query_one(BuildOutput).finish(True, "Build finished.")
            case (Action.BUILD, _):
                if self.status is not None and self.status.state in _RUNNING:
                    text = "Image built. Press r to restart the service on the new image."
                else:
                    text = "Image built. Press s to start it."
                self.query_one(BuildOutput).finish(True, "Build finished.")
            case _:
                text = str(result) if result else f"{ACTION_LABELS[action]} done."
        if action in (Action.STOP, Action.REMOVE, Action.DELETE_VOLUME):
            self.post_message(LocalServiceGone(action))
        self.query_one("#activity-label", Label).update(text)
        self.notify(text, title=ACTION_LABELS[action])
        self._refresh_status()

    def on_container_action_failed(self, message: ContainerActionFailed) -> None:
        self._action_over()
        self._delete_after_backup = None  # a failed backup ends the delete flow: nothing is deleted unasked
        error = message.error
        if message.action is Action.PUSH:
            self.query_one(BuildOutput).finish(False, error.title)
        if message.action is Action.BUILD:
            build = self.query_one(BuildOutput)
            if isinstance(error, BuildFailed) and error.output and not build.lines:
                build.add_lines(error.output.splitlines())
            build.finish(False, error.title)
        self.query_one("#activity-label", Label).update(
            f"{ACTION_LABELS.get(message.action, message.action)} failed."
        )
        self._show_error(error)
        self._refresh_status()

    def _action_over(self) -> None:
        self.busy = None
        self.query_one("#activity-progress", ProgressBar).display = False
        self._sync_controls()

    def _show_error(self, error: LogtuiError) -> None:
        self.last_error = error
        banner = self.query_one("#container-error", Static)
        banner.update(error.title if not error.hint else f"{error.title}\n{error.hint}")
        banner.display = True
        self.notify(error.hint or error.title, title=error.title, severity="error", timeout=8)

    def on_build_output_received(self, message: BuildOutputReceived) -> None:
        build = self.query_one(BuildOutput)
        build.add_lines(message.lines)
        if build.running and build.step is not None:
            self.query_one("#activity-label", Label).update(
                f"Building… step {build.step}/{build.total_steps}"
            )

    def on_push_layer_progressed(self, message: PushLayerProgressed) -> None:
        progress = message.progress
        before = self._push_layers.get(progress.layer)
        self._push_layers[progress.layer] = progress
        if before is None or before.status != progress.status:
            self.query_one(BuildOutput).add_lines([progress.line])  # state changes only, not every byte
        done = sum(
            p.status in _LAYER_DONE or p.status.startswith("Mounted") for p in self._push_layers.values()
        )
        uploading = [p.line for p in self._push_layers.values() if p.current is not None and p.total]
        label = f"Pushing… {done}/{len(self._push_layers)} layers done"
        self.query_one("#activity-label", Label).update(label + (f" · {uploading[-1]}" if uploading else ""))

    def on_backup_progressed(self, message: BackupProgressed) -> None:
        bar = self.query_one("#activity-progress", ProgressBar)
        bar.update(progress=message.written)
        self.query_one("#activity-label", Label).update(
            f"Backing up… {format_bytes(message.written)} written"
        )

    # --- the service's own output ---------------------------------------------------------------------------

    def _sync_output(self, status: RuntimeStatus) -> None:
        if status.state is RuntimeState.UNREACHABLE:
            log = self._output_log()
            if log is not None and log.line_count == 0:
                log.write_line("No service output: no Docker engine answers (what to do is above).")
            return
        if status.state in _RUNNING:
            self._shown_exited_output = False
            if not self._following:
                self._following = True
                self._write_output_rule("following the service's output")
                self._follow_output(True, self.app)
        elif status.state is RuntimeState.EXITED and not self._following and not self._shown_exited_output:
            # A stopped service can still say why it stopped: show its last lines once.
            self._shown_exited_output = True
            self._following = True
            self._write_output_rule("last output before it stopped")
            self._follow_output(False, self.app)

    def _output_log(self) -> Log | None:
        """The output pane, or None once the screen is closing: a worker's last message (the stream ending as
        the screen is dismissed) can arrive after the widgets are gone, and must not end the app."""
        try:
            return self.query_one("#service-output", Log)
        except NoMatches:
            return None

    def _write_output_rule(self, text: str) -> None:
        log = self._output_log()
        if log is not None:
            log.write_line(f"── {text} ({self._now():%H:%M:%S}) ──")

    @work(thread=True, exclusive=True, exit_on_error=False, group=ContainerWork.OUTPUT, name="follow-output")
    def _follow_output(self, follow: bool, app: App[object]) -> None:
        worker = get_current_worker()
        stream = self.runtime.logs(tail=self._log_tail, follow=follow)
        lines: queue.Queue[str | BaseException | None] = queue.Queue()

        def pump() -> None:
            # A daemon thread owns the blocking iterator: a log stream can block for ever between lines, and
            # this worker must still notice it was cancelled (screen closed, app quitting) and return.
            try:
                for line in stream:
                    lines.put(line)
            except BaseException as exc:  # handed to the worker, which raises it in its own thread
                lines.put(exc)
            finally:
                lines.put(None)

        threading.Thread(target=pump, name="logtui-service-output", daemon=True).start()
        try:
            # Also watch the app itself: a thread worker still running when the event loop closes would hold
            # up the process's exit (executor threads are joined), so stop as soon as the app is closing.
            while not worker.is_cancelled and app.is_running and not self._output_stop.is_set():
                try:
                    item = lines.get(timeout=0.2)
                except queue.Empty:
                    continue
                batch: list[str] = []
                while True:
                    if item is None:
                        self._post_output(batch)
                        return
                    if isinstance(item, BaseException):
                        self._post_output(batch)
                        raise item
                    batch.append(item.rstrip("\n"))
                    if len(batch) >= 500:
                        break
                    try:
                        item = lines.get_nowait()
                    except queue.Empty:
                        break
                self._post_output(batch)
        finally:
            _close_quietly(stream)

    def _post_output(self, batch: list[str]) -> None:
        if batch:
            self.post_message(ServiceOutputReceived(batch))

    def on_service_output_received(self, message: ServiceOutputReceived) -> None:
        log = self._output_log()
        if log is not None:
            log.write_lines(message.lines)

    def on_service_output_ended(self, message: ServiceOutputEnded) -> None:
        if message.error is not None:
            self._write_output_rule(f"output unavailable: {message.error.title}")
        elif self.status is not None and self.status.state in _RUNNING:
            self._write_output_rule("output stream ended")


def _action_result(result: object) -> ActionResult:
    """A finished action worker's return value, as the message types it (the workers return only these)."""
    if result is None or isinstance(result, BuildOutcome | PushResult | Path | str):
        return result
    return str(result)


def _cancelled(action: str) -> RuntimeFailure:
    return RuntimeFailure(
        f"{ACTION_LABELS.get(action, action)} was interrupted",
        "Press F5 to see the current state, then try again.",
    )


def _close_quietly(stream: object) -> None:
    """Unblock a log stream from this thread when it supports that (Docker's does); a generator that is
    still running in the pump thread refuses, and then simply ends with its process."""
    close = getattr(stream, "close", None)
    if close is not None:
        try:
            close()
        except (ValueError, RuntimeError, OSError):
            pass
