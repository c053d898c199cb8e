"""The facts about the local log-analyzer (runtime, daemon, image, container, uptime, address, volume, size).

`describe()` turns a RuntimeStatus into label -> text pairs (pure, so tests assert on words rather than on
pictures); `ContainerPanel` shows them as a two-column grid.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from logtui.core.runtime.base import RuntimeState, RuntimeStatus

RUNTIME_NAMES = {"docker": "Docker", "embedded": "Embedded (a child process; no Docker)"}

_RUNNING = (RuntimeState.RUNNING, RuntimeState.HEALTHY)

_STATE_STYLES = {
    RuntimeState.HEALTHY: "bold green",
    RuntimeState.RUNNING: "yellow",
    RuntimeState.EXITED: "red",
    RuntimeState.UNREACHABLE: "bold red",
    RuntimeState.IMAGE_MISSING: "yellow",
}


def format_bytes(size: int | None) -> str:
    if size is None:
        return "unknown"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def format_uptime(started_at: datetime | None, now: datetime) -> str:
    if started_at is None:
        return "—"
    if started_at.tzinfo is None:
        started_at = started_at.replace(tzinfo=UTC)
    seconds = max(0, int((now - started_at).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h {minutes}m"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


# Exit codes of a service stopped by SIGTERM (a child process: -15; a container: 128 + 15); that is a stop,
# not a failure, so the panel says "stopped" instead of a bare number.
_STOPPED_CODES = (-15, 143)
_NAME_TAKEN = "was not created by logtui"


def name_taken(kind: str, status: RuntimeStatus) -> bool:
    """The configured container name belongs to a container logtui did not create (so Start can only fail)."""
    return kind == "docker" and not status.container_id and _NAME_TAKEN in status.detail


def next_step(kind: str, status: RuntimeStatus, log_view_url: str | None = None) -> str:
    """One sentence: what the user can do from this state. `log_view_url`: what the log view reads now, when
    known (it may be another target than this service)."""
    state = status.state
    if name_taken(kind, status):
        advice = status.detail.split(f"{_NAME_TAKEN}. ", 1)[-1].rstrip(".")
        return f"{advice}, then press F5."
    if state is RuntimeState.UNREACHABLE:
        return (
            "Start Docker (or set DOCKER_HOST to a running engine), then press F5. Remote targets keep "
            "working; or run without Docker: logtui --runtime embedded."
        )
    if state is RuntimeState.IMAGE_MISSING:
        return "Press b to build the image (takes a minute the first time)."
    if state is RuntimeState.IMAGE_BUILT:
        return "Press s to start the service."
    if state is RuntimeState.CREATED:
        return "Press s to start the container."
    if state is RuntimeState.RUNNING:
        return "Starting up: waiting for /health to answer."
    if state is RuntimeState.HEALTHY:
        here = (status.base_url or "").rstrip("/")
        if log_view_url and here and log_view_url.rstrip("/") != here:
            return f"Serving. The log view shows {log_view_url}; press t and pick local to read this one."
        return "Serving. The log view reads from it; x stops it, r restarts it."
    if state is RuntimeState.EXITED:
        what = "container" if kind == "docker" else "service"
        return f"The {what} stopped; its output is below. Press s to start it again, m to remove it."
    return ""


def _container_text(kind: str, status: RuntimeStatus) -> str:
    state = status.state
    if state is RuntimeState.UNREACHABLE:
        return "unknown (no Docker engine)"
    if state is RuntimeState.IMAGE_MISSING:
        return "none (the image is not built)"
    if name_taken(kind, status):
        return "name taken by another container"
    if state is RuntimeState.IMAGE_BUILT:
        return "none yet" if kind == "docker" else "not running"
    if state is RuntimeState.CREATED:
        return "created, not started"
    if state is RuntimeState.RUNNING:
        return "running · health: starting"
    if state is RuntimeState.HEALTHY:
        return "running · healthy"
    if state is RuntimeState.EXITED:
        if status.exit_code in _STOPPED_CODES:
            return "stopped"
        code = "?" if status.exit_code is None else status.exit_code
        return f"exited (code {code})"
    return state.value


def describe(
    kind: str,
    status: RuntimeStatus,
    now: datetime,
    *,
    why: str | None = None,
    log_view_url: str | None = None,
    backend: str | None = None,
) -> dict[str, str]:
    """The panel's rows, in display order. `why`: the runtime's note on why it was chosen (auto fell back);
    `log_view_url`: the address the log view reads, when known; `backend`: the store the running service
    reports in /health."""
    facts: dict[str, str] = {"Runtime": RUNTIME_NAMES.get(kind, kind)}
    if why:
        facts["Why"] = why
    if kind == "docker":
        facts["Docker"] = "not reachable" if status.state is RuntimeState.UNREACHABLE else "engine reachable"
        built = status.state not in (RuntimeState.UNREACHABLE, RuntimeState.IMAGE_MISSING)
        image = status.image or "—"
        if status.state is RuntimeState.UNREACHABLE:
            facts["Image"] = f"{image} · unknown"
        else:
            facts["Image"] = f"{image} · {'built' if built else 'not built'}"
    container = _container_text(kind, status)
    if status.container_id:
        container += f" · id {status.container_id[:12]}"
    facts["Container" if kind == "docker" else "Service"] = container
    facts["Uptime"] = format_uptime(status.started_at, now) if status.state in _RUNNING else "—"
    facts["Address"] = status.base_url or "—"
    if backend and status.state in _RUNNING:
        facts["Store"] = backend
    facts["Volume" if kind == "docker" else "Database"] = status.volume or "—"
    if kind != "docker" and status.db_size is None:
        # The embedded runtime knows its file: no size means there is no database (deleted, or not made yet).
        facts["Database size"] = "none (no database file)"
    else:
        facts["Database size"] = format_bytes(status.db_size)
    if status.state is RuntimeState.EXITED and status.exit_code in _STOPPED_CODES:
        facts["Detail"] = "Stopped. The data is kept."
    elif status.detail:
        facts["Detail"] = status.detail
    facts["Next"] = next_step(kind, status, log_view_url)
    return facts


class ContainerPanel(Static):
    """Shows `describe()`'s rows; `facts` keeps the last rows for whoever wants them as data."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Asking the runtime…", id=id)
        self.facts: dict[str, str] = {}
        self.state: RuntimeState | None = None

    def show_status(
        self,
        kind: str,
        status: RuntimeStatus,
        now: datetime,
        *,
        why: str | None = None,
        log_view_url: str | None = None,
        backend: str | None = None,
    ) -> None:
        self.facts = describe(kind, status, now, why=why, log_view_url=log_view_url, backend=backend)
        self.state = status.state
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(ratio=1)
        state_style = _STATE_STYLES.get(status.state, "")
        for label, value in self.facts.items():
            style = ""
            if label in ("Container", "Service"):
                style = state_style
            elif label == "Docker":
                style = "bold red" if status.state is RuntimeState.UNREACHABLE else "green"
            grid.add_row(label, Text(value, style=style))
        self.update(grid)
        self.set_class(status.state is RuntimeState.UNREACHABLE, "-unreachable")
