"""Building the service's image: where its build context comes from, and reading the build's output."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypedDict, cast

import docker.errors
import requests

from logtui.core.errors import BuildFailed, DockerfileMissing
from logtui.core.runtime.base import LABEL_MANAGED, LABEL_ROLE, DockerSettings
from logtui.core.runtime.docker_runtime.engine import connect, translate

DOCKERFILE = "docker/Dockerfile"
#: The digest of the sources an image was built from (see `sources_digest`), a label on the image.
LABEL_SOURCES = "io.logtui.sources"
REQUIREMENTS = "docker/requirements-server.txt"
#: Where an installed logtui (a wheel, no checkout) carries the image's build files: the packaging copies
#: docker/Dockerfile and docker/requirements-server.txt to logtui/_docker/docker/; the service's sources
#: come from the installed log_analyzer package.
PACKAGED_CONTEXT = Path(__file__).resolve().parents[3] / "_docker"

_STEP = re.compile(r"^Step \d+/\d+ : ")
# The classic builder wraps a step's stderr in colour codes; the UI shows plain text.
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def checkout_candidates() -> list[Path]:
    """Where a checkout of logtui may be: above this file (editable install), or around the working dir."""
    here = Path(__file__).resolve()
    return [*list(here.parents)[:7], Path.cwd(), *Path.cwd().parents]


def packaged_sources(packaged: Path | None = None) -> Path | None:
    """The installed log_analyzer package, when the packaged build files are there too."""
    packaged = packaged or PACKAGED_CONTEXT
    if not all((packaged / name).is_file() for name in (DOCKERFILE, REQUIREMENTS)):
        return None
    spec = importlib.util.find_spec("log_analyzer")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    return Path(locations[0]) if locations else None


def is_checkout(root: Path) -> bool:
    return (root / DOCKERFILE).is_file() and (root / "server" / "log_analyzer").is_dir()


@dataclass(frozen=True)
class BuildContext:
    """What the engine builds from: a checkout's directory, or (`server` set) the packaged build files plus
    the installed service's sources, sent as a tar."""

    root: Path
    server: Path | None = None

    def describe(self, image: str, dockerfile: str = DOCKERFILE) -> str:
        if self.server is None:
            return f"Building {image} from {self.root / dockerfile}"
        return f"Building {image} from the installed package ({self.root / dockerfile}, {self.server})"

    def sources_digest(self, dockerfile: str = DOCKERFILE) -> str:
        """A digest of what the image is built from (Dockerfile, requirements, the service's sources).

        Stored on the image as a label, so "is the image older than its sources" compares content: a touched
        but unchanged file, or a fresh checkout, does not force a rebuild.
        """
        server = self.root / "server" / "log_analyzer"
        if not server.is_dir():
            server = self.server or packaged_sources() or server
        named = [(dockerfile, self.root / dockerfile), (REQUIREMENTS, self.root / REQUIREMENTS)]
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

    def tar(self, dockerfile: str = DOCKERFILE) -> IO[bytes]:
        """The packaged context as the checkout would send it: the two build files and
        server/log_analyzer/ (as .dockerignore: no bytecode, no databases)."""
        assert self.server is not None, "a checkout is sent as a directory"
        buf = tempfile.SpooledTemporaryFile(max_size=32 << 20)  # the caller closes it
        with tarfile.open(fileobj=buf, mode="w") as tar:
            for name in (dockerfile, REQUIREMENTS):
                tar.add(self.root / name, arcname=name)
            for path in sorted(self.server.rglob("*")):
                if not path.is_file() or "__pycache__" in path.parts or path.suffix in (".pyc", ".db"):
                    continue
                tar.add(path, arcname=f"server/log_analyzer/{path.relative_to(self.server).as_posix()}")
        buf.seek(0)
        return buf


def find_build_context(
    settings: DockerSettings,
    project_root: Path | None = None,
    *,
    candidates: Callable[[], list[Path]] | None = None,
    packaged: Path | None = None,
) -> BuildContext:
    """A checkout (Dockerfile + server sources); else, with no build_context set, the packaged files.

    Raises DockerfileMissing. `candidates` and `packaged` default to where an install really looks.
    """
    packaged = packaged or PACKAGED_CONTEXT
    roots = [Path(given) for given in (settings.build_context, project_root) if given is not None]
    explicit = bool(roots)
    if not explicit:
        roots += (candidates or checkout_candidates)()
    for root in roots:
        if is_checkout(root):
            return BuildContext(root)
    # A wrong explicit build_context is an error to report, not a reason to build something else.
    if not explicit:
        server = packaged_sources(packaged)
        if server is not None:
            return BuildContext(packaged, server)
    looked = ", ".join(str(c) for c in roots[:3])
    raise DockerfileMissing(
        f"{DOCKERFILE} not found (looked in {looked})",
        "logtui builds the image from a checkout of its repository: run logtui from the checkout, or set "
        '[docker] build_context to it. Without one, use runtime = "embedded".',
    )


class _ErrorDetail(TypedDict, total=False):
    message: str


class BuildChunk(TypedDict, total=False):
    """One decoded JSON object of the engine's build stream."""

    stream: str
    status: str
    progress: str
    error: str
    errorDetail: _ErrorDetail


class BuildOutput:
    """Turns the engine's build stream into plain lines, remembering the current step and its output so a
    failure can say where it happened and what that step printed."""

    def __init__(self, on_line: Callable[[str], None]) -> None:
        self._on_line = on_line
        self.step = "(before the first step)"
        self._step_output: list[str] = []
        self._pending = ""

    def feed(self, chunk: BuildChunk) -> None:
        """One decoded chunk of the stream; raises BuildFailed on the engine's error chunk."""
        if "error" in chunk or "errorDetail" in chunk:
            detail = chunk.get("errorDetail") or _ErrorDetail()
            message = (detail.get("message") or chunk.get("error") or "unknown error").strip()
            if self._pending:
                self._step_output.append(self._pending)
            self._on_line(message)
            raise BuildFailed(self.step, "\n".join([*self._step_output, message]))
        text = chunk.get("stream")
        if text is None and "status" in chunk:
            text = " ".join(str(p) for p in (chunk.get("status"), chunk.get("progress")) if p) + "\n"
        if not text:
            return
        *lines, self._pending = (self._pending + text).split("\n")
        for raw_line in lines:
            line = _ANSI.sub("", raw_line).rstrip("\r")
            if _STEP.match(line):
                self.step, self._step_output = line, []
            else:
                self._step_output.append(line)
            self._on_line(line)

    def finish(self) -> None:
        if self._pending:
            self._on_line(_ANSI.sub("", self._pending))
            self._pending = ""


def _decoded(stream: Iterable[object]) -> Iterator[BuildChunk]:
    for chunk in stream:
        if isinstance(chunk, dict):
            yield cast(BuildChunk, chunk)


def build_image(
    settings: DockerSettings,
    context: BuildContext,
    on_line: Callable[[str], None],
    *,
    dockerfile: str = DOCKERFILE,
    tag: str | None = None,
    role: str = "server-image",
) -> str:
    """Build `tag` (default `settings.image`) from `context` and `dockerfile`, streaming its lines to
    `on_line` (blocks for the build). Returns the last step the build reached (for a caller that finds no
    image afterwards)."""
    tag = tag or settings.image
    on_line(context.describe(tag, dockerfile))
    sources = context.sources_digest(dockerfile)
    fileobj = context.tar(dockerfile) if context.server is not None else None
    client = connect(settings.build_timeout)
    output = BuildOutput(on_line)
    try:
        stream = client.api.build(
            path=None if fileobj is not None else str(context.root),
            fileobj=fileobj,
            custom_context=fileobj is not None,
            dockerfile=dockerfile,
            tag=tag,
            decode=True,
            rm=True,
            forcerm=True,
            labels={LABEL_MANAGED: "true", LABEL_ROLE: role, LABEL_SOURCES: sources},
        )
        for chunk in _decoded(stream):
            output.feed(chunk)
        output.finish()
    except docker.errors.APIError as exc:
        # The engine refused before streaming: a Dockerfile it cannot parse, a bad tag, ...
        message = str(exc.explanation or exc)
        on_line(message)
        raise BuildFailed("Dockerfile", message) from exc
    except requests.RequestException as exc:
        err = translate(
            exc,
            "building the image",
            settings.build_timeout,
            timeout_title=f"The build printed nothing for {settings.build_timeout:g} s ({output.step})",
            timeout_hint="The network may be slow (pip downloads); try again.",
        )
        if err is None:
            raise
        raise err from exc
    finally:
        client.close()
        if fileobj is not None:
            fileobj.close()
    return output.step
