"""The interface every local runtime of the log-analyzer offers (Docker or embedded), and its status shape.

Every method here BLOCKS (Docker SDK calls, child processes, HTTP polling). Callers on an event loop must run
them in a thread (the TUI uses `@work(thread=True)` workers); nothing in this package touches an event loop.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal, Protocol, get_args, runtime_checkable

from logtui import __version__
from logtui.core.config_schema import InFile, setting
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


#: How the local service runs: in Docker when an engine answers ("auto"), or always one way.
RuntimeChoice = Literal["auto", "docker", "embedded"]
RUNTIME_CHOICES: tuple[str, ...] = get_args(RuntimeChoice)


def default_image() -> str:
    return f"log-analyzer:{__version__}"


def _docker_name_problem(value: str) -> str | None:
    if re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*", value):
        return None
    return f"{value!r} is not a valid Docker name (letters, digits, _ . -)"


def _env_name_problem(value: str) -> str | None:
    if not value.strip() or re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value.strip()):
        return None  # blank: no key
    # the value is not repeated: the usual cause is the key itself pasted here, and errors reach the screen
    return (
        "is not an environment variable name (letters, digits, _): it names the variable that holds the "
        "key, it is not the key — if you pasted the key, remove it"
    )


def _bind_problem(value: str) -> str | None:
    return None if value.strip() else 'must be a host address such as "127.0.0.1"'


def _expanded_path(value: str) -> Path:
    return Path(value).expanduser()


@dataclass(frozen=True)
class DockerSettings:
    """Where and how the local log-analyzer container runs: the config file's [docker] table.

    host_port None (or 0) publishes on any free port the engine picks: the course's 8000 is often taken (by
    the course's own container, for one), and the TUI reads the real port back from `status()`. Set a fixed
    port to get a stable address for curl.
    """

    host_port: Annotated[
        int | None,
        setting(
            "Host port to publish the service on; 0 = any free port (the address is shown in\n"
            "the status bar and the container screen).",
            ge=0,
            le=65535,
            in_file=InFile(blank=0),
        ),
    ] = None
    bind: Annotated[
        str,
        setting(
            'Host address the port is published on. Keep "127.0.0.1" (this machine only) unless\n'
            'you mean to expose your logs to the network ("0.0.0.0").',
            in_file=InFile(read=str.strip, check=_bind_problem),
        ),
    ] = "127.0.0.1"
    token_env: Annotated[
        str | None,
        setting(
            "Name of the environment variable holding an API key for the container (its\n"
            "LOG_ANALYZER_API_KEY; reads need it too): set it before binding wider than 127.0.0.1.\n"
            "logtui sends it to the local service. The key itself never goes in this file.",
            in_file=InFile(blank="", read=lambda v: str(v).strip() or None, check=_env_name_problem),
        ),
    ] = None
    container_name: Annotated[
        str,
        setting(
            "Name of the container logtui creates and manages.", in_file=InFile(check=_docker_name_problem)
        ),
    ] = "log-analyzer"
    volume: Annotated[
        str,
        setting(
            "Docker volume holding the SQLite database; it survives removing the container.",
            in_file=InFile(check=_docker_name_problem),
        ),
    ] = "log-analyzer-data"
    image: Annotated[
        str,
        setting(
            'Image tag to build and run; "" = log-analyzer:<logtui version>.',
            in_file=InFile(blank="", default_is_blank=True, read=str.strip),
        ),
    ] = field(default_factory=default_image)
    build_context: Annotated[
        Path | None,
        setting(
            'Directory with the Dockerfile; "" = the one shipped with logtui.',
            in_file=InFile(blank="", read=_expanded_path),
        ),
    ] = None
    # Seconds for one Docker API call; builds get `build_timeout` per read (pip can be quiet for long).
    api_timeout: Annotated[float, setting("Seconds to wait for one Docker API call.", ge=1, le=3600)] = 30.0
    build_timeout: Annotated[
        float,
        setting("Seconds a build may stay silent before it is considered stuck.", ge=10, le=24 * 3600),
    ] = 900.0

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
