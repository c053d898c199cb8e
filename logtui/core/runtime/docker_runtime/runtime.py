"""DockerRuntime: the Runtime interface over the engine, the build, the container's life, its data and its
output.

Blocking by design (the SDK is): call from threads. Every API call carries a timeout
(`DockerSettings.api_timeout`, builds `build_timeout` per read); the only open-ended call is
`logs(follow=True)`, whose stream any thread can end with `.close()` (or `DockerRuntime.close()`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from docker.models.images import Image

from logtui.core.errors import BuildFailed, DockerfileMissing, DockerUnavailable, RuntimeFailure
from logtui.core.runtime.base import HEALTH_TIMEOUT, DockerSettings, RuntimeStatus
from logtui.core.runtime.docker_runtime.build import DOCKERFILE, BuildContext, build_image, find_build_context
from logtui.core.runtime.docker_runtime.engine import Engine
from logtui.core.runtime.docker_runtime.lifecycle import Lifecycle
from logtui.core.runtime.docker_runtime.streams import ContainerLogs
from logtui.core.runtime.docker_runtime.volume_data import VolumeData


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
        self.choice_note: str | None = None
        self._engine = Engine(self.settings, probe_timeout)
        self._data = VolumeData(self._engine)
        # demo_records > 0: a new data volume gets the course's sample plus this many demo records before the
        # server first starts (choose_runtime passes DEFAULT_DEMO_RECORDS, as the embedded runtime uses); 0
        # leaves it to the image, which loads the course's sample alone into an empty store.
        self._life = Lifecycle(self._engine, self._data, demo_records)
        self._logs = ContainerLogs(self._engine)

    @property
    def demo_records(self) -> int:
        return self._life.demo_records

    @property
    def base_url(self) -> str | None:
        return self._life.base_url

    def unusable_reason(self) -> str | None:
        """Why the "auto" choice cannot run the service in Docker here (None: it can), in one sentence."""
        try:
            if self._engine.image() is not None:
                return None
            self.build_context()
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
        return self._life.status()

    # --- build ----------------------------------------------------------------------------------------------

    def build_context(self) -> BuildContext:
        return find_build_context(self.settings, self._project_root)

    def image(self, tag: str) -> Image | None:
        """The local image `tag` (the SDK's Image), None if absent."""
        return self._engine.image(tag)

    def sources_digest(self, dockerfile: str = DOCKERFILE) -> str:
        """A digest of what the image is built from (see BuildContext.sources_digest)."""
        return self.build_context().sources_digest(dockerfile)

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
        context = self.build_context()
        self._engine.client()  # fail fast with DockerUnavailable before announcing anything
        if not (context.root / dockerfile).is_file():
            raise DockerfileMissing(
                f"{dockerfile} not found in {context.root}", "Run logtui from a checkout of its repository."
            )
        step = build_image(self.settings, context, on_line, dockerfile=dockerfile, tag=tag, role=role)
        if self._engine.image(tag) is None:
            raise BuildFailed(step, "The build finished but the image is not there.")

    # --- lifecycle ------------------------------------------------------------------------------------------

    def start(self) -> None:
        self._life.start()

    def wait_healthy(self, timeout: float = HEALTH_TIMEOUT) -> None:
        self._life.wait_healthy(timeout)

    def stop(self, timeout: float = 10) -> None:
        self._life.stop(timeout)

    def restart(self) -> None:
        self.stop()
        self.start()

    def remove(self) -> None:
        """Remove the container; the volume (the data) stays."""
        self._life.remove()

    def delete_data(self) -> None:
        """Delete the data volume (and our container, which holds it). Irreversible: the UI asks first."""
        self._life.delete_data()

    # --- data and output ------------------------------------------------------------------------------------

    def backup(self, dest: Path, on_progress: Callable[[int], None] | None = None) -> Path:
        return self._data.backup(dest, on_progress)

    def logs(self, tail: int = 100, follow: bool = False) -> Iterator[str]:
        """The container's stdout/stderr lines. follow=True streams until the container stops or the returned
        stream's close() (or this runtime's close()) is called, from any thread."""
        container = self._engine.container()
        if container is None:
            return iter(())
        return self._logs.follow(container, tail) if follow else self._logs.read(container, tail)

    def close(self) -> None:
        self._logs.close()
        self._engine.close()
