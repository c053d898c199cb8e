"""The server container's life: create, start, wait for /health, stop, remove, and its status.

The port is published on 127.0.0.1 unless the settings say otherwise; `remove()` keeps the data volume, only
`delete_data()` deletes it.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
import threading
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from urllib.parse import urlparse

import docker.errors
import httpx
from docker.models.containers import Container
from docker.models.images import Image

from logtui.core.errors import DockerUnavailable, NameTaken, NotHealthy, PortInUse, RuntimeFailure
from logtui.core.runtime.base import (
    HEALTH_TIMEOUT,
    LABEL_MANAGED,
    LABEL_ROLE,
    ImageMissing,
    RuntimeState,
    RuntimeStatus,
)
from logtui.core.runtime.docker_runtime.engine import CAP_DROP, SECURITY_OPT, Engine, remove_quietly
from logtui.core.runtime.docker_runtime.volume_data import DATA_DIR, VolumeData

CONTAINER_PORT = "8000/tcp"

_PORT_BUSY = re.compile(r"port is already allocated|address already in use", re.IGNORECASE)


def parse_docker_time(text: str | None) -> datetime | None:
    if not text or text.startswith("0001-"):
        return None
    # RFC 3339 with nanoseconds: keep microseconds for datetime.
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?", text)
    if not m:
        return None
    micro = (m.group(2) or "0")[:6].ljust(6, "0")
    return datetime.fromisoformat(f"{m.group(1)}.{micro}").replace(tzinfo=UTC)


def published_or_bound_port(container: Container) -> int | None:
    """The port a container is published on, or pinned to while stopped."""
    port = published_port(container)
    if port is not None:
        return port
    host_port = _binding(container)[1]
    return int(host_port) if host_port.isdigit() else None


def _binding(container: Container) -> tuple[str, str]:
    """(host address, host port) the container was created to publish on, as Docker keeps them ("" unset)."""
    bindings = ((container.attrs.get("HostConfig") or {}).get("PortBindings") or {}).get(CONTAINER_PORT)
    first = (bindings or [{}])[0]
    return first.get("HostIp") or "", first.get("HostPort") or ""


#: the variables logtui sets on the container (a change in any of them means a new container)
_SERVICE_ENV = ("LOG_ANALYZER_ALLOWED_HOSTS", "LOG_ANALYZER_API_KEY", "LOG_ANALYZER_READ_REQUIRES_KEY")


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def free_port(bind: str) -> int:
    """A port free on this machine right now, for a container to keep (Docker's own pick changes on every
    start). With a remote engine this only guesses; a taken port is then caught at start and replaced."""
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((bind, 0))
        return int(sock.getsockname()[1])


def published_port(container: Container) -> int | None:
    ports = (container.attrs.get("NetworkSettings") or {}).get("Ports") or {}
    for binding in ports.get(CONTAINER_PORT) or []:
        if binding.get("HostPort"):
            return int(binding["HostPort"])
    return None


def probe_health(base_url: str, timeout: float = 1.0) -> bool:
    try:
        return httpx.get(f"{base_url}/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


class Lifecycle:
    def __init__(self, engine: Engine, data: VolumeData, demo_records: int) -> None:
        self._engine = engine
        self._data = data
        self.demo_records = demo_records
        # start() from two workers at once (the app's start-up and the container screen) must not both
        # create the container (or both fill a new volume): the second waits and finds it running.
        self._start_lock = threading.Lock()
        self.base_url: str | None = None
        #: The host port our container was last published on, so a container made again (after Remove or
        #: a new image) keeps the address the user bookmarked when [docker] host_port is 0 ("any").
        self._last_port: int | None = None
        #: Said once in the status after a start had to move to a new port because the old one was taken.
        self.port_note: str | None = None

    # --- addresses ------------------------------------------------------------------------------------------

    def _host_for_clients(self) -> str:
        """Where a client on this machine reaches the published port."""
        docker_host = os.environ.get("DOCKER_HOST", "")
        if docker_host.startswith(("tcp://", "ssh://", "http://", "https://")):
            # A remote engine publishes on its own host (and 127.0.0.1 there is unreachable from here).
            return urlparse(docker_host).hostname or "127.0.0.1"
        bind = self._engine.settings.bind
        return "127.0.0.1" if bind in ("", "0.0.0.0", "::") else bind

    def _service_env(self) -> dict[str, str]:
        """What the container is told beyond its image's defaults.

        A keyless service answers only loopback Host names (DNS-rebinding protection): when logtui reaches it
        by another name — a remote engine's host, or a bind address of this machine's network — that name
        must be allowed, or every read is a 403. With [docker] token_env, the key from that variable guards
        writes and reads (the local target sends the same variable's value)."""
        env: dict[str, str] = {}
        host = self._host_for_clients()
        if not _is_loopback(host):
            env["LOG_ANALYZER_ALLOWED_HOSTS"] = f"[{host}]" if ":" in host else host
        name = self._engine.settings.token_env
        if name:
            key = os.environ.get(name, "").strip()
            if not key:
                raise RuntimeFailure(
                    f"[docker] token_env names {name}, which is not set",
                    f"Export {name}=<a long random key> and start the service again, or remove token_env "
                    "from the config to run it without a key (on 127.0.0.1 only).",
                )
            env["LOG_ANALYZER_API_KEY"] = key
            env["LOG_ANALYZER_READ_REQUIRES_KEY"] = "1"
        return env

    def _address(self, container: Container) -> str | None:
        port = published_port(container)
        if port is None:
            return None
        host = self._host_for_clients()
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    def _refresh_url(self, container: Container) -> str | None:
        """base_url from where the container is published now; returns the address (host:port)."""
        address = self._address(container)
        self.base_url = f"http://{address}" if address else None
        return address

    def _db_size(self) -> int | None:
        """The database's size when the volume's directory is readable from here (a local engine run as root
        or rootless); otherwise None rather than an exec into the container on every status poll."""
        try:
            vol = self._engine.client().volumes.get(self._engine.settings.volume)
            mount = Path(vol.attrs.get("Mountpoint", ""))
            db = mount / "logs.db"
            size = db.stat().st_size
            wal = mount / "logs.db-wal"
            return size + (wal.stat().st_size if wal.exists() else 0)
        except Exception:  # not local, not permitted, not there yet: size unknown is fine
            return None

    # --- status ---------------------------------------------------------------------------------------------

    def status(self) -> RuntimeStatus:
        s = self._engine.settings
        try:
            self._engine.client()
        except DockerUnavailable as exc:
            return RuntimeStatus(RuntimeState.UNREACHABLE, f"{exc.title}. {exc.hint}", image=s.image)
        try:
            image = self._engine.image()
            try:
                container = self._engine.container()
            except NameTaken as exc:
                state = RuntimeState.IMAGE_BUILT if image is not None else RuntimeState.IMAGE_MISSING
                return RuntimeStatus(state, f"{exc.title}. {exc.hint}", image=s.image)
            volume = s.volume if self._engine.volume_exists() else None
        except DockerUnavailable as exc:
            return RuntimeStatus(RuntimeState.UNREACHABLE, f"{exc.title}. {exc.hint}", image=s.image)
        db_size = self._db_size() if volume else None
        if container is None:
            self.base_url = None
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
        of_container = partial(
            RuntimeStatus,
            image=s.image,
            container_id=container.id,
            volume=volume,
            started_at=parse_docker_time(st.get("StartedAt")),
            db_size=db_size,
        )
        status = container.status
        if status in ("running", "restarting", "paused"):
            address = self._refresh_url(container)
            if status == "running" and self.base_url and probe_health(self.base_url):
                state, detail = RuntimeState.HEALTHY, f"Serving on http://{address}"
                if self.port_note:
                    detail = f"{detail} ({self.port_note})"
            else:
                state, detail = RuntimeState.RUNNING, f"Container {status}; /health not answering yet"
            return of_container(state, detail, host_port=published_port(container), address=address)
        self.base_url = None
        if status == "created":
            return of_container(RuntimeState.CREATED, "Container created, not started")
        code = st.get("ExitCode")
        return of_container(RuntimeState.EXITED, f"Container exited with code {code}", exit_code=code)

    # --- start ----------------------------------------------------------------------------------------------

    def _stale(self, container: Container, image: Image, env: dict[str, str]) -> bool:
        """A stopped container from another image, port or address setting is recreated (the data is on the
        volume)."""
        s = self._engine.settings
        if container.attrs.get("Image") != image.id:
            return True
        given = (container.attrs.get("Config") or {}).get("Env") or []
        told = {k: v for k, _, v in (e.partition("=") for e in given) if k in _SERVICE_ENV}
        if told != env:
            return True
        host_ip, host_port = _binding(container)
        if not s.host_port:
            # "Any port": a container pinned to the one it was given keeps it; one left to Docker's choice
            # (made by an older logtui) would get a new port on every start, so it is made again, pinned.
            return host_ip != s.bind or not host_port.isdigit()
        return host_ip != s.bind or host_port != str(s.host_port)

    def start(self) -> None:
        with self._start_lock:
            self._start()

    def _start(self) -> None:
        engine = self._engine
        engine.client()
        s = engine.settings
        image = engine.image()
        if image is None:
            raise ImageMissing(s.image)
        env = self._service_env()  # a key that is not set fails here, before anything is changed
        container = engine.container()
        if container is not None and container.status == "paused":
            engine.call("resuming the paused container", container.unpause)
            container.reload()
        if container is not None and container.status in ("running", "restarting"):
            self._refresh_url(container)
            return
        if container is not None and self._stale(container, image, env):
            stale = container
            if not s.host_port:
                self._last_port = self._last_port or published_or_bound_port(stale)
            engine.call("removing the outdated container", lambda: stale.remove(force=True))
            container = None
        self.port_note = None
        try:
            container = self._start_container(image, container, env)
        except PortInUse as exc:
            if s.host_port or exc.port == 0:
                raise  # a port the user chose: say it is taken (or Docker's own choice failed)
            # The port this container kept is taken now: make it again on a free one, and say so.
            old = exc.port
            self._last_port = None
            self.port_note = f"port {old} was taken, so the service moved to a new port"
            container = self._start_container(image, None, env)
        self._last_port = published_port(container) or self._last_port
        self._refresh_url(container)

    def _start_container(self, image: Image, container: Container | None, env: dict[str, str]) -> Container:
        """Start `container`, or create and start a new one (on the remembered or a free port). Returns it
        reloaded. A busy port raises PortInUse naming it, with nothing left behind that this call made."""
        engine = self._engine
        client = engine.client()
        s = engine.settings
        created = volume_created = False
        if container is None:
            port = s.host_port or self._last_port or free_port(s.bind)
            volume_created = not engine.volume_exists()
            if volume_created:
                engine.call(
                    "creating the data volume",
                    lambda: client.volumes.create(name=s.volume, labels={LABEL_MANAGED: "true"}),
                )
            container = engine.call(
                "creating the container",
                lambda: client.containers.create(
                    image,
                    name=s.container_name,
                    labels={LABEL_MANAGED: "true", LABEL_ROLE: "server", "io.logtui.image": s.image},
                    ports={CONTAINER_PORT: (s.bind, port)},
                    volumes={s.volume: {"bind": DATA_DIR, "mode": "rw"}},
                    environment=env,
                    detach=True,
                    cap_drop=CAP_DROP,
                    security_opt=SECURITY_OPT,
                ),
            )
            created = True
        try:
            if volume_created and self.demo_records > 0:
                self._data.seed(image, self.demo_records)
            engine.call("starting the container", container.start)
        except RuntimeFailure as exc:
            cause = exc.__cause__
            if created:
                # Leave nothing behind: the container (and a volume) this call made go again.
                self._cleanup_failed_start(container, volume_created)
            if cause is not None and _PORT_BUSY.search(str(cause)):
                busy = s.host_port or published_or_bound_port(container) or 0
                if not created and not s.host_port:
                    # Our stopped container's port is taken: it goes (the data is on the volume) and the
                    # caller makes a new one elsewhere.
                    remove_quietly(container)
                raise PortInUse(busy) from cause
            raise
        container.reload()
        return container

    def _cleanup_failed_start(self, container: Container, volume_created: bool) -> None:
        try:
            container.remove(force=True)
            if volume_created:
                self._engine.client().volumes.get(self._engine.settings.volume).remove()
        except docker.errors.DockerException:
            pass

    # --- health ---------------------------------------------------------------------------------------------

    def _tail_text(self, container: Container, n: int = 20) -> str:
        try:
            raw = container.logs(stdout=True, stderr=True, tail=n)
            return raw.decode("utf-8", "replace").strip()
        except docker.errors.DockerException:
            return ""

    def wait_healthy(self, timeout: float = HEALTH_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        pause = threading.Event()
        while True:
            container = self._engine.container()
            if container is None:
                raise NotHealthy("The container is gone", "Start it again.")
            if container.status in ("exited", "dead"):
                code = (container.attrs.get("State") or {}).get("ExitCode")
                raise NotHealthy(
                    f"The container exited with code {code}",
                    f"Its last output:\n{self._tail_text(container)}",
                )
            self._refresh_url(container)
            if self.base_url and container.status == "running" and probe_health(self.base_url):
                return
            if time.monotonic() >= deadline:
                raise NotHealthy(
                    f"The server did not answer /health within {timeout:g} s",
                    f"Its last output:\n{self._tail_text(container)}",
                )
            pause.wait(0.1)

    # --- stop and remove ------------------------------------------------------------------------------------

    def stop(self, timeout: float = 10) -> None:
        container = self._engine.container()
        if container is None or container.status not in ("running", "restarting", "paused"):
            return
        self._engine.call("stopping the container", lambda: container.stop(timeout=int(timeout)))
        self.base_url = None

    def remove(self) -> None:
        """Remove the container; the volume (the data) stays."""
        container = self._engine.container()
        if container is not None:
            # The next container gets the same address (with [docker] host_port = 0).
            self._last_port = published_or_bound_port(container) or self._last_port
            self._engine.call("removing the container", lambda: container.remove(force=True, v=False))
        self.base_url = None

    def delete_data(self) -> None:
        """Delete the data volume (and our container, which holds it). Irreversible: the UI asks first."""
        self.remove()
        client = self._engine.client()
        volume_name = self._engine.settings.volume
        try:
            volume = self._engine.call("looking up the volume", lambda: client.volumes.get(volume_name))
        except docker.errors.NotFound:
            return
        try:
            self._engine.call("deleting the data volume", volume.remove)
        except RuntimeFailure as exc:
            if "in use" in str(exc.__cause__ or ""):
                raise RuntimeFailure(
                    f"The volume {volume_name} is in use by another container",
                    "logtui removed its own container; remove the other one yourself (docker ps -a --filter "
                    f"volume={volume_name}).",
                ) from exc
            raise
