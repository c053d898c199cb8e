"""The interface every local runtime of the log-analyzer offers (Docker or embedded), and its status shape.

Every method here BLOCKS (Docker SDK calls, child processes, HTTP polling). Callers on an event loop must run
them in a thread (the TUI uses `@work(thread=True)` workers); nothing in this package touches an event loop.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from logtui import __version__
from logtui.core.errors import RuntimeFailure

LABEL_MANAGED = "io.logtui.managed"
LABEL_ROLE = "io.logtui.role"

#: A first run fills the local service with the course's 22-record sample plus this many generated records
#: (7 days ending now), the same in Docker and embedded, so a new user sees logs, a histogram and paging.
DEFAULT_DEMO_RECORDS = 50_000

#: `python -c SEED_SCRIPT <demo records> <db> <1|0: the course's sample too>`: a new store's first data in
#: one interpreter (each Python start is a noticeable part of a first run). Needs only the service's package.
SEED_SCRIPT = (
    "import sys; from log_analyzer.cli import main; n, db, sample = sys.argv[1:]; "
    "sys.exit((sample == '1' and main(['seed', '--db', db]))"
    " or (n != '0' and main(['seed', '--demo', n, '--db', db])) or 0)"
)


#: Seconds to wait for a started server to answer /health (a first start may load the demo records first).
HEALTH_TIMEOUT = 90.0


def default_image() -> str:
    return f"log-analyzer:{__version__}"


@dataclass(frozen=True)
class DockerSettings:
    """Where and how the local log-analyzer container runs.

    host_port None (or 0) publishes on any free port the engine picks: the course's 8000 is often taken (by
    the course's own container, for one), and the TUI reads the real port back from `status()`. Set a fixed
    port to get a stable address for curl.
    """

    host_port: int | None = None
    bind: str = "127.0.0.1"
    container_name: str = "log-analyzer"
    volume: str = "log-analyzer-data"
    image: str = field(default_factory=default_image)
    build_context: Path | None = None
    # Seconds for one Docker API call; builds get `build_timeout` per read (pip can be quiet for long).
    api_timeout: float = 30.0
    build_timeout: float = 900.0

    def __post_init__(self) -> None:
        # Config files may carry `image = ""` / no image; both mean the default tag.
        if not self.image:
            object.__setattr__(self, "image", default_image())
        if self.host_port == 0:
            object.__setattr__(self, "host_port", None)
        if self.host_port is not None and not 1 <= self.host_port <= 65535:
            raise ValueError(
                f"host_port must be 1..65535, or 0/None for any free port (got {self.host_port})"
            )


class RuntimeState(enum.Enum):
    UNREACHABLE = "unreachable"  # no Docker engine answers
    IMAGE_MISSING = "image missing"
    IMAGE_BUILT = "image built"  # ready to start; no container yet (embedded: not running)
    CREATED = "created"
    RUNNING = "running"  # up, /health not answering (yet)
    HEALTHY = "healthy"
    EXITED = "exited"


@dataclass(frozen=True)
class RuntimeStatus:
    state: RuntimeState
    detail: str
    image: str | None = None
    container_id: str | None = None
    host_port: int | None = None
    address: str | None = None  # "127.0.0.1:49153"
    volume: str | None = None
    started_at: datetime | None = None
    exit_code: int | None = None
    db_size: int | None = None

    @property
    def base_url(self) -> str | None:
        return f"http://{self.address}" if self.address else None


class ImageMissing(RuntimeFailure):
    def __init__(self, image: str) -> None:
        super().__init__(
            f"The image {image} is not built yet", "Build it first (the container panel's Build)."
        )
        self.image = image


class BackupFailed(RuntimeFailure):
    pass


@runtime_checkable
class Runtime(Protocol):
    """One local log-analyzer. All calls block; run them off the event loop."""

    kind: str  # "docker" | "embedded"
    #: Why this runtime and not the one asked for ("auto" fell back to embedded), for the UI to say once.
    choice_note: str | None

    @property
    def base_url(self) -> str | None: ...

    def status(self) -> RuntimeStatus: ...

    def build(self, on_line: Callable[[str], None]) -> None: ...

    def start(self) -> None: ...

    def wait_healthy(self, timeout: float = HEALTH_TIMEOUT) -> None: ...

    def stop(self, timeout: float = 10) -> None: ...

    def restart(self) -> None: ...

    def remove(self) -> None: ...

    def delete_data(self) -> None: ...

    def backup(self, dest: Path, on_progress: Callable[[int], None] | None = None) -> Path: ...

    def logs(self, tail: int = 100, follow: bool = False) -> Iterator[str]: ...

    def close(self) -> None: ...
