"""The local log-analyzer in a Docker container, driven through the Docker SDK.

Blocking by design (the SDK is): call from threads. Every API call carries a timeout
(`DockerSettings.api_timeout`, builds `build_timeout` per read); the only open-ended call is
`logs(follow=True)`, whose stream any thread can end with `.close()` (or `DockerRuntime.close()`).

Safety rules kept here:
- logtui only touches containers carrying its label; a container with our name and no label is someone else's
  (NameTaken, nothing changed).
- The data lives on a named volume mounted at /app/data; `remove()` keeps it, only `delete_data()` deletes it.
- The port is published on 127.0.0.1 unless the settings say otherwise.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import io
import os
import re
import socket
import sqlite3
import tarfile
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import requests

# Loaded by name: under mypy a plain `import docker` resolves to this repository's docker/ folder (a namespace
# package) instead of the SDK.
docker: Any = importlib.import_module("docker")

from logtui.core.errors import (  # noqa: E402
    BuildFailed,
    DockerfileMissing,
    DockerUnavailable,
    NameTaken,
    NotHealthy,
    PortInUse,
    RuntimeFailure,
)
from logtui.core.runtime.base import (  # noqa: E402
    LABEL_MANAGED,
    LABEL_ROLE,
    SEED_SCRIPT,
    BackupFailed,
    DockerSettings,
    ImageMissing,
    RuntimeState,
    RuntimeStatus,
)

CONTAINER_PORT = "8000/tcp"
#: The digest of the sources an image was built from (see DockerRuntime.sources_digest).
LABEL_SOURCES = "io.logtui.sources"
DATA_DIR = "/app/data"
DB_IN_CONTAINER = f"{DATA_DIR}/logs.db"
DOCKERFILE = "docker/Dockerfile"
REQUIREMENTS = "docker/requirements-server.txt"
#: Where an installed logtui (a wheel, no checkout) carries the image's build files: the packaging copies
#: docker/Dockerfile and docker/requirements-server.txt to logtui/_docker/docker/; the service's sources
#: come from the installed log_analyzer package.
PACKAGED_CONTEXT = Path(__file__).resolve().parents[2] / "_docker"

# Run inside a container that mounts the volume: SQLite's online backup API gives a consistent copy of a live
# WAL database (copying logs.db alone could miss the -wal's committed pages). The copy is switched to
# rollback-journal mode so it is one self-contained file.
_BACKUP_SCRIPT = """
import os, sqlite3, sys
src, dst = sys.argv[1], sys.argv[2]
if not os.path.exists(src):
    sys.exit(3)
if os.path.exists(dst):
    os.remove(dst)
s = sqlite3.connect(src, timeout=30)
d = sqlite3.connect(dst)
s.backup(d)
d.execute("PRAGMA journal_mode=DELETE")
d.close()
s.close()
print(os.path.getsize(dst))
"""
_BACKUP_TMP = "/tmp/logtui-backup.db"

# The server needs no Linux capabilities (it runs as a non-root user on port 8000): drop them all, and let
# nothing inside gain privileges through setuid binaries.
HARDENING: dict[str, Any] = {"cap_drop": ["ALL"], "security_opt": ["no-new-privileges"]}

_PORT_BUSY = re.compile(r"port is already allocated|address already in use", re.IGNORECASE)
_STEP = re.compile(r"^Step \d+/\d+ : ")
# The classic builder wraps a step's stderr in colour codes; the UI shows plain text.
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


# --- connecting -------------------------------------------------------------------------------------------


def _engine_address() -> str:
    return os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


def _unavailable(exc: BaseException, where: str) -> DockerUnavailable:
    text = str(exc)
    if "Permission denied" in text or isinstance(exc, PermissionError):
        hint = (
            f"Your user may not use {where}: add it to the `docker` group (then log in again), "
            "or set DOCKER_HOST to an engine you may use."
        )
    else:
        hint = (
            "Start Docker (Docker Desktop, or `sudo systemctl start docker`), or set DOCKER_HOST to an "
            "engine that runs (unix:///path/to/docker.sock, tcp://host:2376 with DOCKER_TLS_VERIFY=1, "
            "ssh://user@host). "
            'Without Docker, set runtime = "embedded".'
        )
    err = DockerUnavailable(f"No Docker engine answers at {where}", hint)
    err.__cause__ = exc
    return err


def _checkout_candidates() -> list[Path]:
    """Where a checkout of logtui may be: above this file (editable install), or around the working dir."""
    here = Path(__file__).resolve()
    return [*list(here.parents)[:6], Path.cwd(), *Path.cwd().parents]


def _packaged_sources() -> Path | None:
    """The installed log_analyzer package, when the packaged build files are there too."""
    if not all((PACKAGED_CONTEXT / name).is_file() for name in (DOCKERFILE, REQUIREMENTS)):
        return None
    spec = importlib.util.find_spec("log_analyzer")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    return Path(locations[0]) if locations else None


def _packaged_tar(root: Path, server: Path, dockerfile: str = DOCKERFILE) -> Any:
    """The build context as the checkout would send it: the two build files and server/log_analyzer/."""
    buf = tempfile.SpooledTemporaryFile(max_size=32 << 20)  # build() closes it
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name in (dockerfile, REQUIREMENTS):
            tar.add(root / name, arcname=name)
        for path in sorted(server.rglob("*")):
            # As .dockerignore: no bytecode, no databases.
            if not path.is_file() or "__pycache__" in path.parts or path.suffix in (".pyc", ".db"):
                continue
            tar.add(path, arcname=f"server/log_analyzer/{path.relative_to(server).as_posix()}")
    buf.seek(0)
    return buf


def connect(timeout: float) -> Any:
    """A client for the engine named by DOCKER_HOST (and DOCKER_TLS_VERIFY / DOCKER_CERT_PATH), else the
    default socket, else the Docker CLI's current context (Docker Desktop puts its socket there).
    Raises DockerUnavailable.
    """
    where = _engine_address()
    try:
        return docker.from_env(timeout=int(max(1, timeout)))
    except Exception as exc:  # the SDK raises DockerException, requests errors or OSError for a dead engine
        first = exc
    if not os.environ.get("DOCKER_HOST"):
        try:
            from docker.context import ContextAPI

            ctx = ContextAPI.get_current_context()
            host = getattr(ctx, "Host", None)
            if host and host != where:
                return docker.DockerClient(base_url=host, timeout=int(max(1, timeout)), version="auto")
        except Exception:  # no usable context either: report the first failure
            pass
    raise _unavailable(first, where) from first


# --- log streams ------------------------------------------------------------------------------------------


class LogStream(Iterator[str]):
    """Decoded lines from a Docker log stream; `close()`, from any thread, ends the iteration."""

    def __init__(self, chunks: Any, on_close: Callable[[LogStream], None] | None = None) -> None:
        self._chunks = chunks
        self._lines = self._split(chunks)
        self._on_close = on_close
        self._closed = False

    @staticmethod
    def _split(chunks: Iterable[bytes]) -> Iterator[str]:
        pending = b""
        try:
            for chunk in chunks:
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    yield line.rstrip(b"\r").decode("utf-8", "replace")
        except (OSError, ValueError, requests.RequestException, docker.errors.DockerException):
            # The socket was shut down by close(), or the engine went away: the stream simply ends.
            pass
        if pending:
            yield pending.decode("utf-8", "replace")

    def __next__(self) -> str:
        if self._closed:
            raise StopIteration
        return next(self._lines)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._chunks.close()
        except Exception:  # already closed by the engine; nothing left to release
            pass
        if self._on_close:
            self._on_close(self)


class _ChunkReader(io.RawIOBase):
    """A file-like view of get_archive's chunk iterator, so tarfile can stream it without a temp copy."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._it = iter(chunks)
        self._buf = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._buf:
            try:
                self._buf = next(self._it)
            except StopIteration:
                return 0
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


# --- the runtime ------------------------------------------------------------------------------------------


def _parse_docker_time(text: str | None) -> datetime | None:
    if not text or text.startswith("0001-"):
        return None
    # RFC 3339 with nanoseconds: keep microseconds for datetime.
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?", text)
    if not m:
        return None
    micro = (m.group(2) or "0")[:6].ljust(6, "0")
    return datetime.fromisoformat(f"{m.group(1)}.{micro}").replace(tzinfo=UTC)


class DockerRuntime:
    kind = "docker"

    def __init__(
        self,
        settings: DockerSettings | None = None,
        project_root: Path | None = None,
        *,
        probe_timeout: float | None = None,
        demo_records: int = 0,
    ) -> None:
        self.settings = settings or DockerSettings()
        self._project_root = project_root
        self._probe_timeout = probe_timeout
        # > 0: a new data volume gets the course's sample plus this many demo records before the server
        # first starts (choose_runtime passes DEFAULT_DEMO_RECORDS, as the embedded runtime uses); 0 leaves
        # it to the image, which loads the course's sample alone into an empty store.
        self.demo_records = demo_records
        self._client: Any | None = None
        self._streams: set[LogStream] = set()
        self._lock = threading.Lock()
        # start() from two workers at once (the app's start-up and the container screen) must not both
        # create the container (or both fill a new volume): the second waits and finds it running.
        self._start_lock = threading.Lock()
        self._base_url: str | None = None
        #: The host port our container was last published on, so a container made again (after Remove or
        #: a new image) keeps the address the user bookmarked when [docker] host_port is 0 ("any").
        self._last_port: int | None = None
        #: Said once in the status after a start had to move to a new port because the old one was taken.
        self.port_note: str | None = None

    # --- plumbing -----------------------------------------------------------------------------------------

    def _docker(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = connect(self._probe_timeout or self.settings.api_timeout)
                if self._probe_timeout is not None:
                    # The short probe timeout only decides "is there an engine"; real calls get the full one.
                    self._client.api.timeout = int(self.settings.api_timeout)
            return self._client

    def _call(self, what: str, fn: Callable[[], Any]) -> Any:
        """Run one SDK call, turning transport failures into typed errors that say what was being done."""
        try:
            return fn()
        except requests.exceptions.ConnectionError as exc:
            raise _unavailable(exc, _engine_address()) from exc
        except requests.exceptions.Timeout as exc:
            raise RuntimeFailure(
                f"Docker did not answer within {self.settings.api_timeout:g} s while {what}",
                "The engine may be overloaded or stuck; try again, or restart Docker.",
            ) from exc
        except docker.errors.APIError as exc:
            if isinstance(exc, docker.errors.NotFound):
                raise
            raise RuntimeFailure(f"Docker refused {what}: {exc.explanation or exc}", None) from exc

    def _container(self) -> Any | None:
        """Our container, None if absent; NameTaken if the name is a container logtui did not create."""
        name = self.settings.container_name
        client = self._docker()
        found = self._call(
            "listing containers",
            lambda: client.containers.list(all=True, filters={"name": f"^/{re.escape(name)}$"}),
        )
        for c in found:
            if c.name == name:
                if (c.labels or {}).get(LABEL_MANAGED) != "true":
                    raise NameTaken(name)
                return c
        return None

    def _image(self) -> Any | None:
        return self.image(self.settings.image)

    def image(self, tag: str) -> Any | None:
        """The local image `tag` (the SDK's Image), None if absent."""
        client = self._docker()
        try:
            return self._call("looking up the image", lambda: client.images.get(tag))
        except docker.errors.NotFound:
            return None

    def _volume_exists(self) -> bool:
        client = self._docker()
        try:
            self._call("looking up the volume", lambda: client.volumes.get(self.settings.volume))
            return True
        except docker.errors.NotFound:
            return False

    def _published_port(self, container: Any) -> int | None:
        ports = (container.attrs.get("NetworkSettings") or {}).get("Ports") or {}
        for binding in ports.get(CONTAINER_PORT) or []:
            if binding.get("HostPort"):
                return int(binding["HostPort"])
        return None

    def _host_for_clients(self) -> str:
        """Where a client on this machine reaches the published port."""
        docker_host = os.environ.get("DOCKER_HOST", "")
        if docker_host.startswith(("tcp://", "ssh://", "http://", "https://")):
            # A remote engine publishes on its own host (and 127.0.0.1 there is unreachable from here).
            return urlparse(docker_host).hostname or "127.0.0.1"
        bind = self.settings.bind
        return "127.0.0.1" if bind in ("", "0.0.0.0", "::") else bind

    def _address(self, container: Any) -> str | None:
        port = self._published_port(container)
        if port is None:
            return None
        host = self._host_for_clients()
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    def _db_size(self) -> int | None:
        """The database's size when the volume's directory is readable from here (a local engine run as root
        or rootless); otherwise None rather than an exec into the container on every status poll."""
        try:
            vol = self._docker().volumes.get(self.settings.volume)
            mount = Path(vol.attrs.get("Mountpoint", ""))
            db = mount / "logs.db"
            size = db.stat().st_size
            wal = mount / "logs.db-wal"
            return size + (wal.stat().st_size if wal.exists() else 0)
        except Exception:  # not local, not permitted, not there yet: size unknown is fine
            return None

    def _probe_health(self, base_url: str, timeout: float = 1.0) -> bool:
        try:
            return httpx.get(f"{base_url}/health", timeout=timeout).status_code == 200
        except httpx.HTTPError:
            return False

    # --- the Runtime interface ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str | None:
        return self._base_url

    def usable(self) -> bool:
        """True when an engine answers and the image exists or can be built here (choose_runtime's test)."""
        return self.unusable_reason() is None

    def unusable_reason(self) -> str | None:
        """Why the "auto" choice cannot run the service in Docker here (None: it can), in one sentence."""
        try:
            if self._image() is not None:
                return None
            self._build_context()
            return None
        except DockerUnavailable as exc:
            return f"{exc.title}, so logtui runs the service itself (embedded runtime)."
        except RuntimeFailure as exc:
            return (
                f"Docker answers, but the image {self.settings.image} is not built and cannot be built here "
                f"({exc.title}), so logtui runs the service itself (embedded runtime). "
                f'To use Docker: set [docker] build_context to a logtui checkout and runtime = "docker".'
            )

    def status(self) -> RuntimeStatus:
        s = self.settings
        try:
            self._docker()
        except DockerUnavailable as exc:
            return RuntimeStatus(RuntimeState.UNREACHABLE, f"{exc.title}. {exc.hint}", image=s.image)
        try:
            image = self._image()
            try:
                container = self._container()
            except NameTaken as exc:
                state = RuntimeState.IMAGE_BUILT if image is not None else RuntimeState.IMAGE_MISSING
                return RuntimeStatus(state, f"{exc.title}. {exc.hint}", image=s.image)
            volume = s.volume if self._volume_exists() else None
        except DockerUnavailable as exc:
            return RuntimeStatus(RuntimeState.UNREACHABLE, f"{exc.title}. {exc.hint}", image=s.image)
        db_size = self._db_size() if volume else None
        if container is None:
            self._base_url = None
            if image is None:
                return RuntimeStatus(
                    RuntimeState.IMAGE_MISSING,
                    f"Image {s.image} not built yet",
                    image=s.image,
                    volume=volume,
                    db_size=db_size,
                )
            return RuntimeStatus(
                RuntimeState.IMAGE_BUILT,
                f"Image {s.image} built; no container yet",
                image=s.image,
                volume=volume,
                db_size=db_size,
            )
        st = container.attrs.get("State") or {}
        started_at = _parse_docker_time(st.get("StartedAt"))
        common: dict[str, Any] = dict(
            image=s.image,
            container_id=container.id,
            volume=volume,
            started_at=started_at,
            db_size=db_size,
        )
        status = container.status
        if status in ("running", "restarting", "paused"):
            address = self._address(container)
            self._base_url = f"http://{address}" if address else None
            port = self._published_port(container)
            if status == "running" and self._base_url and self._probe_health(self._base_url):
                state, detail = RuntimeState.HEALTHY, f"Serving on http://{address}"
                if self.port_note:
                    detail = f"{detail} ({self.port_note})"
            else:
                state, detail = RuntimeState.RUNNING, f"Container {status}; /health not answering yet"
            return RuntimeStatus(state, detail, host_port=port, address=address, **common)
        self._base_url = None
        if status == "created":
            return RuntimeStatus(RuntimeState.CREATED, "Container created, not started", **common)
        code = st.get("ExitCode")
        return RuntimeStatus(
            RuntimeState.EXITED, f"Container exited with code {code}", exit_code=code, **common
        )

    # --- build --------------------------------------------------------------------------------------------

    def _build_context(self) -> Path:
        """A checkout (Dockerfile + server sources); else, with no build_context set, the packaged files."""
        candidates: list[Path] = []
        for given in (self.settings.build_context, self._project_root):
            if given is not None:
                candidates.append(Path(given))
        explicit = bool(candidates)
        if not explicit:
            candidates += _checkout_candidates()
        for root in candidates:
            if (root / DOCKERFILE).is_file() and (root / "server" / "log_analyzer").is_dir():
                return root
        # A wrong explicit build_context is an error to report, not a reason to build something else.
        if not explicit and _packaged_sources() is not None:
            return PACKAGED_CONTEXT
        looked = ", ".join(str(c) for c in candidates[:3])
        raise DockerfileMissing(
            f"{DOCKERFILE} not found (looked in {looked})",
            "logtui builds the image from a checkout of its repository: run logtui from the checkout, or set "
            '[docker] build_context to it. Without one, use runtime = "embedded".',
        )

    def sources_digest(self, dockerfile: str = DOCKERFILE) -> str:
        """A digest of what the image is built from (Dockerfile, requirements, the service's sources).

        Stored on the image as a label, so "is the image older than its sources" compares content: a touched
        but unchanged file, or a fresh checkout, does not force a rebuild.
        """
        root = self._build_context()
        server = root / "server" / "log_analyzer"
        if not server.is_dir():
            server = _packaged_sources() or server
        named = [(dockerfile, root / dockerfile), (REQUIREMENTS, root / REQUIREMENTS)]
        named += [
            (f"server/log_analyzer/{p.relative_to(server).as_posix()}", p)
            for p in sorted(server.rglob("*.py"))
            if "__pycache__" not in p.parts
        ]
        digest = hashlib.sha256()
        for name, path in named:
            if path.is_file():
                digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
        return digest.hexdigest()

    def build(
        self,
        on_line: Callable[[str], None],
        *,
        dockerfile: str = DOCKERFILE,
        tag: str | None = None,
        role: str = "server-image",
    ) -> None:
        """Build the service's image (or, with `dockerfile`/`tag`, another image from the same sources)."""
        tag = tag or self.settings.image
        root = self._build_context()
        self._docker()  # fail fast with DockerUnavailable before announcing anything
        if not (root / dockerfile).is_file():
            raise DockerfileMissing(
                f"{dockerfile} not found in {root}", "Run logtui from a checkout of its repository."
            )
        server = None if (root / "server" / "log_analyzer").is_dir() else _packaged_sources()
        if server is None:
            on_line(f"Building {tag} from {root / dockerfile}")
            context: dict[str, Any] = {"path": str(root)}
        else:
            on_line(f"Building {tag} from the installed package ({root / dockerfile}, {server})")
            context = {"fileobj": _packaged_tar(root, server, dockerfile), "custom_context": True}
        sources = self.sources_digest(dockerfile)
        client = connect(self.settings.build_timeout)
        step = "(before the first step)"
        step_output: list[str] = []
        pending = ""
        try:
            stream = client.api.build(
                **context,
                dockerfile=dockerfile,
                tag=tag,
                decode=True,
                rm=True,
                forcerm=True,
                labels={
                    LABEL_MANAGED: "true",
                    LABEL_ROLE: role,
                    LABEL_SOURCES: sources,
                },
            )
            for chunk in stream:
                if "error" in chunk or "errorDetail" in chunk:
                    detail = chunk.get("errorDetail") or {}
                    message = (detail.get("message") or chunk.get("error") or "unknown error").strip()
                    if pending:
                        step_output.append(pending)
                    on_line(message)
                    raise BuildFailed(step, "\n".join([*step_output, message]))
                text = chunk.get("stream")
                if text is None and "status" in chunk:
                    text = " ".join(str(chunk[k]) for k in ("status", "progress") if chunk.get(k)) + "\n"
                if not text:
                    continue
                *lines, pending = (pending + text).split("\n")
                for raw_line in lines:
                    line = _ANSI.sub("", raw_line).rstrip("\r")
                    if _STEP.match(line):
                        step, step_output = line, []
                    else:
                        step_output.append(line)
                    on_line(line)
            if pending:
                on_line(_ANSI.sub("", pending))
        except docker.errors.APIError as exc:
            # The engine refused before streaming: a Dockerfile it cannot parse, a bad tag, ...
            message = str(exc.explanation or exc)
            on_line(message)
            raise BuildFailed("Dockerfile", message) from exc
        except requests.exceptions.ConnectionError as exc:
            raise _unavailable(exc, _engine_address()) from exc
        except requests.exceptions.Timeout as exc:
            raise RuntimeFailure(
                f"The build printed nothing for {self.settings.build_timeout:g} s ({step})",
                "The network may be slow (pip downloads); try again.",
            ) from exc
        finally:
            client.close()
            if "fileobj" in context:
                context["fileobj"].close()
        if self.image(tag) is None:
            raise BuildFailed(step, "The build finished but the image is not there.")

    # --- lifecycle ----------------------------------------------------------------------------------------

    def _stale(self, container: Any, image: Any) -> bool:
        """A stopped container from another image or port setting is recreated (the data is on the volume)."""
        if container.attrs.get("Image") != image.id:
            return True
        bindings = ((container.attrs.get("HostConfig") or {}).get("PortBindings") or {}).get(
            CONTAINER_PORT
        ) or [{}]
        host_ip = bindings[0].get("HostIp") or ""
        host_port = bindings[0].get("HostPort") or ""
        if not self.settings.host_port:
            # "Any port": a container pinned to the one it was given keeps it; one left to Docker's choice
            # (made by an older logtui) would get a new port on every start, so it is made again, pinned.
            return host_ip != self.settings.bind or not host_port.isdigit()
        return host_ip != self.settings.bind or host_port != str(self.settings.host_port)

    def start(self) -> None:
        with self._start_lock:
            self._start()

    def _start(self) -> None:
        self._docker()
        s = self.settings
        image = self._image()
        if image is None:
            raise ImageMissing(s.image)
        container = self._container()
        if container is not None and container.status == "paused":
            self._call("resuming the paused container", container.unpause)
            container.reload()
        if container is not None and container.status in ("running", "restarting"):
            self._refresh_url(container)
            return
        if container is not None and self._stale(container, image):
            stale = container
            if not s.host_port:
                self._last_port = self._last_port or self._published_or_bound_port(stale)
            self._call("removing the outdated container", lambda: stale.remove(force=True))
            container = None
        self.port_note = None
        try:
            container = self._start_container(image, container)
        except PortInUse as exc:
            if s.host_port or exc.port == 0:
                raise  # a port the user chose: say it is taken (or Docker's own choice failed)
            # The port this container kept is taken now: make it again on a free one, and say so.
            old = exc.port
            self._last_port = None
            self.port_note = f"port {old} was taken, so the service moved to a new port"
            container = self._start_container(image, None)
        self._last_port = self._published_port(container) or self._last_port
        self._refresh_url(container)

    def _start_container(self, image: Any, container: Any | None) -> Any:
        """Start `container`, or create and start a new one (on the remembered or a free port). Returns it
        reloaded. A busy port raises PortInUse naming it, with nothing left behind that this call made."""
        client = self._docker()
        s = self.settings
        created = volume_created = False
        if container is None:
            port = s.host_port or self._last_port or _free_port(s.bind)
            volume_created = not self._volume_exists()
            if volume_created:
                self._call(
                    "creating the data volume",
                    lambda: client.volumes.create(name=s.volume, labels={LABEL_MANAGED: "true"}),
                )
            container = self._call(
                "creating the container",
                lambda: client.containers.create(
                    image.id,
                    name=s.container_name,
                    labels={LABEL_MANAGED: "true", LABEL_ROLE: "server", "io.logtui.image": s.image},
                    ports={CONTAINER_PORT: (s.bind, port)},
                    volumes={s.volume: {"bind": DATA_DIR, "mode": "rw"}},
                    detach=True,
                    **HARDENING,
                ),
            )
            created = True
        try:
            if volume_created and self.demo_records > 0:
                self._seed_volume(image)
            self._call("starting the container", container.start)
        except RuntimeFailure as exc:
            cause = exc.__cause__
            if created:
                # Leave nothing behind: the container (and a volume) this call made go again.
                self._cleanup_failed_start(container, volume_created)
            if cause is not None and _PORT_BUSY.search(str(cause)):
                busy = s.host_port or self._published_or_bound_port(container) or 0
                if not created and not s.host_port:
                    # Our stopped container's port is taken: it goes (the data is on the volume) and the
                    # caller makes a new one elsewhere.
                    _remove_quietly(container)
                raise PortInUse(busy) from cause
            raise
        container.reload()
        return container

    def _published_or_bound_port(self, container: Any) -> int | None:
        """The port a container is published on, or pinned to while stopped."""
        port = self._published_port(container)
        if port is not None:
            return port
        bindings = ((container.attrs.get("HostConfig") or {}).get("PortBindings") or {}).get(CONTAINER_PORT)
        host_port = (bindings or [{}])[0].get("HostPort") or ""
        return int(host_port) if host_port.isdigit() else None

    def _seed_volume(self, image: Any) -> None:
        """Fill a new volume before the server first starts, in a short-lived container of the same image."""
        helper, code = self._run_volume_helper(
            image,
            "seed",
            ["python", "-c", SEED_SCRIPT, str(int(self.demo_records)), DB_IN_CONTAINER, "1"],
            "loading the first data",
        )
        try:
            if code != 0:
                output = helper.logs(stdout=True, stderr=True).decode("utf-8", "replace")
                # The progress bar redraws with \r: keep each line's last state.
                lines = [line.rsplit("\r", 1)[-1] for line in output.splitlines()]
                raise RuntimeFailure(
                    f"Loading the first data into {self.settings.volume} failed (exit code {code})",
                    "\n".join(lines[-10:]) or None,
                )
        finally:
            _remove_quietly(helper)

    def _run_volume_helper(self, image: Any, role: str, command: list[str], what: str) -> tuple[Any, int]:
        """Run `command` to its end in a short-lived, network-less container of `image` on the volume.

        Returns the exited container (the caller removes it, after copying from it if need be) and its exit
        code.
        """
        client = self._docker()
        helper = self._call(
            f"starting a {role} helper container",
            lambda: client.containers.run(
                image.id,
                command=command,
                entrypoint=[],
                name=f"{self.settings.container_name}-{role}-{uuid.uuid4().hex[:8]}",
                labels={LABEL_MANAGED: "true", LABEL_ROLE: role},
                volumes={self.settings.volume: {"bind": DATA_DIR, "mode": "rw"}},
                network_disabled=True,
                detach=True,
                **HARDENING,
            ),
        )
        try:
            result = self._call(what, lambda: helper.wait(timeout=300))
        except BaseException:
            _remove_quietly(helper)
            raise
        return helper, int(result.get("StatusCode", -1))

    def _cleanup_failed_start(self, container: Any, volume_created: bool) -> None:
        try:
            container.remove(force=True)
            if volume_created:
                self._docker().volumes.get(self.settings.volume).remove()
        except docker.errors.DockerException:
            pass

    def _refresh_url(self, container: Any) -> None:
        address = self._address(container)
        self._base_url = f"http://{address}" if address else None

    def _tail_text(self, container: Any, n: int = 20) -> str:
        try:
            raw = container.logs(stdout=True, stderr=True, tail=n)
            return raw.decode("utf-8", "replace").strip()
        except docker.errors.DockerException:
            return ""

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        pause = threading.Event()
        while True:
            container = self._container()
            if container is None:
                raise NotHealthy("The container is gone", "Start it again.")
            if container.status in ("exited", "dead"):
                code = (container.attrs.get("State") or {}).get("ExitCode")
                raise NotHealthy(
                    f"The container exited with code {code}",
                    f"Its last output:\n{self._tail_text(container)}",
                )
            self._refresh_url(container)
            if self._base_url and container.status == "running" and self._probe_health(self._base_url):
                return
            if time.monotonic() >= deadline:
                raise NotHealthy(
                    f"The server did not answer /health within {timeout:g} s",
                    f"Its last output:\n{self._tail_text(container)}",
                )
            pause.wait(0.1)

    def stop(self, timeout: float = 10) -> None:
        container = self._container()
        if container is None or container.status not in ("running", "restarting", "paused"):
            return
        self._call("stopping the container", lambda: container.stop(timeout=int(timeout)))
        self._base_url = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def remove(self) -> None:
        """Remove the container; the volume (the data) stays."""
        container = self._container()
        if container is not None:
            # The next container gets the same address (with [docker] host_port = 0).
            self._last_port = self._published_or_bound_port(container) or self._last_port
            self._call("removing the container", lambda: container.remove(force=True, v=False))
        self._base_url = None

    def delete_data(self) -> None:
        """Delete the data volume (and our container, which holds it). Irreversible: the UI asks first."""
        self.remove()
        client = self._docker()
        try:
            volume = self._call("looking up the volume", lambda: client.volumes.get(self.settings.volume))
        except docker.errors.NotFound:
            return
        try:
            self._call("deleting the data volume", volume.remove)
        except RuntimeFailure as exc:
            if "in use" in str(exc.__cause__ or ""):
                raise RuntimeFailure(
                    f"The volume {self.settings.volume} is in use by another container",
                    "logtui removed its own container; remove the other one yourself (docker ps -a --filter "
                    f"volume={self.settings.volume}).",
                ) from exc
            raise

    # --- backup -------------------------------------------------------------------------------------------

    def backup(self, dest: Path, on_progress: Callable[[int], None] | None = None) -> Path:
        """Copy the database out of the volume into `dest` (a file, or a directory to put a dated file in).

        A running container makes the copy itself (exec); otherwise a short-lived helper container from the
        same image mounts the volume. The copy leaves through the Docker API (get_archive), never a bind
        mount, so it works with a remote engine too.
        """
        dest = Path(dest)
        if dest.is_dir():
            dest = dest / f"log-analyzer-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.db"
        if not self._volume_exists():
            raise BackupFailed(
                f"There is no data volume {self.settings.volume} yet", "Start the server first."
            )
        container = self._container()
        if container is not None and container.status == "running":
            self._backup_in(container)
            try:
                self._extract(container, dest, on_progress)
            finally:
                self._call(
                    "cleaning up the backup copy", lambda: container.exec_run(["rm", "-f", _BACKUP_TMP])
                )
        else:
            helper = self._backup_helper()
            try:
                self._extract(helper, dest, on_progress)
            finally:
                _remove_quietly(helper)
        return dest

    def _backup_in(self, container: Any) -> None:
        result = self._call(
            "copying the database inside the container",
            lambda: container.exec_run(["python", "-c", _BACKUP_SCRIPT, DB_IN_CONTAINER, _BACKUP_TMP]),
        )
        self._check_backup_exit(result.exit_code, result.output)

    def _check_backup_exit(self, code: int | None, output: bytes | str) -> None:
        if code == 0:
            return
        text = output.decode("utf-8", "replace") if isinstance(output, bytes) else str(output)
        if code == 3:
            raise BackupFailed("The volume holds no database yet", "Start the server once so it creates it.")
        raise BackupFailed(f"Copying the database failed (exit code {code})", text.strip()[-2000:] or None)

    def _backup_helper(self) -> Any:
        image = self._image()
        if image is None:
            raise ImageMissing(self.settings.image)
        helper, code = self._run_volume_helper(
            image,
            "backup",
            ["python", "-c", _BACKUP_SCRIPT, DB_IN_CONTAINER, _BACKUP_TMP],
            "waiting for the backup helper",
        )
        try:
            self._check_backup_exit(code, helper.logs(stdout=True, stderr=True))
        except BaseException:
            _remove_quietly(helper)
            raise
        return helper

    def _extract(self, container: Any, dest: Path, on_progress: Callable[[int], None] | None) -> None:
        chunks, _stat = self._call("reading the backup copy", lambda: container.get_archive(_BACKUP_TMP))
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(dest.name + ".part")
        written = 0
        try:
            with tarfile.open(fileobj=_ChunkReader(chunks), mode="r|") as tar:
                member = next(iter(tar), None)
                source = tar.extractfile(member) if member is not None else None
                if source is None:
                    raise BackupFailed("The backup copy came back empty", None)
                with open(part, "wb") as out:
                    while block := source.read(1 << 20):
                        out.write(block)
                        written += len(block)
                        if on_progress:
                            on_progress(written)
            _verify_sqlite(part)
            os.replace(part, dest)
        finally:
            part.unlink(missing_ok=True)

    # --- logs ---------------------------------------------------------------------------------------------

    def logs(self, tail: int = 100, follow: bool = False) -> Iterator[str]:
        """The container's stdout/stderr lines. follow=True streams until the container stops or the returned
        stream's close() (or this runtime's close()) is called, from any thread."""
        container = self._container()
        if container is None:
            return iter(())
        if not follow:
            raw = self._call(
                "reading the container's logs",
                lambda: container.logs(stdout=True, stderr=True, tail=tail if tail >= 0 else "all"),
            )
            return iter(raw.decode("utf-8", "replace").splitlines())
        chunks = self._call(
            "following the container's logs",
            lambda: container.logs(stdout=True, stderr=True, stream=True, follow=True, tail=max(tail, 0)),
        )
        stream = LogStream(chunks, on_close=self._streams.discard)
        self._streams.add(stream)
        return stream

    def close(self) -> None:
        for stream in list(self._streams):
            stream.close()
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None


def _verify_sqlite(path: Path) -> None:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = con.execute("PRAGMA quick_check").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise BackupFailed("The backup copy is not a readable SQLite database", str(exc)) from exc
    if not row or row[0] != "ok":
        raise BackupFailed("The backup copy failed SQLite's check", str(row[0] if row else "no answer"))


def _free_port(bind: str) -> int:
    """A port free on this machine right now, for a container to keep (Docker's own pick changes on every
    start). With a remote engine this only guesses; a taken port is then caught at start and replaced."""
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((bind, 0))
        return int(sock.getsockname()[1])


def _remove_quietly(container: Any) -> None:
    """Remove a helper container; one already gone (or an engine that went away) is not worth an error."""
    try:
        container.remove(force=True)
    except docker.errors.DockerException:
        pass
