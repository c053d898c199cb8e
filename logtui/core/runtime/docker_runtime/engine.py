"""Reaching the Docker engine, and the one place where the SDK's errors become logtui's typed errors."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from typing import TypeVar

import docker.errors
import requests
from docker.context import ContextAPI
from docker.models.containers import Container
from docker.models.images import Image

import docker
from logtui.core.errors import DockerUnavailable, NameTaken, RuntimeFailure
from logtui.core.runtime.base import LABEL_MANAGED, DockerSettings

T = TypeVar("T")

# Every container logtui creates: the server needs no Linux capabilities (it runs as a non-root user on port
# 8000), so drop them all, and let nothing inside gain privileges through setuid binaries.
CAP_DROP = ["ALL"]
SECURITY_OPT = ["no-new-privileges"]

#: What the SDK raises when the engine cannot be reached or refuses a call (a socket closed under a stream
#: raises OSError or ValueError from the HTTP layer).
SDK_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    ValueError,
    requests.RequestException,
    docker.errors.DockerException,
)


def engine_address() -> str:
    return os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


def unavailable(exc: BaseException, where: str) -> DockerUnavailable:
    """No engine answers at `where`: say how to start one or point at another."""
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


def translate(
    exc: BaseException,
    doing: str,
    waited: float,
    *,
    timeout_title: str | None = None,
    timeout_hint: str | None = None,
) -> RuntimeFailure | None:
    """The logtui error for an SDK failure met while `doing`; None when it is not the SDK's or is a NotFound
    (a lookup's answer, which the caller reads).

    `waited` is the timeout that ran out on a Timeout; `timeout_title`/`timeout_hint` word it for calls whose
    silence means something else (a build step that prints nothing).
    """
    if isinstance(exc, requests.exceptions.ConnectionError):
        return unavailable(exc, engine_address())
    if isinstance(exc, requests.exceptions.Timeout):
        return RuntimeFailure(
            timeout_title or f"Docker did not answer within {waited:g} s while {doing}",
            timeout_hint or "The engine may be overloaded or stuck; try again, or restart Docker.",
        )
    if isinstance(exc, docker.errors.NotFound):
        return None
    if isinstance(exc, docker.errors.APIError):
        return RuntimeFailure(f"Docker refused {doing}: {exc.explanation or exc}", None)
    return None


def connect(timeout: float) -> docker.DockerClient:
    """A client for the engine named by DOCKER_HOST (and DOCKER_TLS_VERIFY / DOCKER_CERT_PATH), else the
    default socket, else the Docker CLI's current context (Docker Desktop puts its socket there).
    Raises DockerUnavailable.
    """
    where = engine_address()
    try:
        return docker.from_env(timeout=int(max(1, timeout)))
    except Exception as exc:  # the SDK raises DockerException, requests errors or OSError for a dead engine
        first = exc
    if not os.environ.get("DOCKER_HOST"):
        try:
            ctx = ContextAPI.get_current_context()
            host = getattr(ctx, "Host", None)
            if host and host != where:
                return docker.DockerClient(base_url=host, timeout=int(max(1, timeout)), version="auto")
        except Exception:  # no usable context either: report the first failure
            pass
    raise unavailable(first, where) from first


class Engine:
    """One lazily opened client, shared by every part of the runtime, and the lookups they all make.

    logtui only touches containers carrying its label: a container with our name and no label is someone
    else's (NameTaken, nothing changed).
    """

    def __init__(self, settings: DockerSettings, probe_timeout: float | None = None) -> None:
        self.settings = settings
        self._probe_timeout = probe_timeout
        self._client: docker.DockerClient | None = None
        self._lock = threading.Lock()

    def client(self) -> docker.DockerClient:
        with self._lock:
            if self._client is None:
                self._client = connect(self._probe_timeout or self.settings.api_timeout)
                if self._probe_timeout is not None:
                    # The short probe timeout only decides "is there an engine"; real calls get the full one.
                    self._client.api.timeout = int(self.settings.api_timeout)
            return self._client

    def call(self, doing: str, fn: Callable[[], T]) -> T:
        """Run one SDK call; a failure becomes a typed error that says what was being done (NotFound passes
        through for the caller to read)."""
        try:
            return fn()
        except (requests.RequestException, docker.errors.DockerException) as exc:
            err = translate(exc, doing, self.settings.api_timeout)
            if err is None:
                raise
            raise err from exc

    def container(self) -> Container | None:
        """Our container, None if absent; NameTaken if the name is a container logtui did not create."""
        name = self.settings.container_name
        client = self.client()
        found = self.call(
            "listing containers",
            lambda: client.containers.list(all=True, filters={"name": f"^/{re.escape(name)}$"}),
        )
        for c in found:
            if c.name == name:
                if (c.labels or {}).get(LABEL_MANAGED) != "true":
                    raise NameTaken(name)
                return c
        return None

    def image(self, tag: str | None = None) -> Image | None:
        """The local image `tag` (default: the settings' image), None if absent."""
        client = self.client()
        wanted = tag or self.settings.image
        try:
            return self.call("looking up the image", lambda: client.images.get(wanted))
        except docker.errors.NotFound:
            return None

    def volume_exists(self) -> bool:
        client = self.client()
        try:
            self.call("looking up the volume", lambda: client.volumes.get(self.settings.volume))
            return True
        except docker.errors.NotFound:
            return False

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None


def remove_quietly(container: Container) -> None:
    """Remove a helper container; one already gone (or an engine that went away) is not worth an error."""
    try:
        container.remove(force=True)
    except docker.errors.DockerException:
        pass
