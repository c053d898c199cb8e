"""A real registry on loopback: Debian's `docker-registry` package (the CNCF distribution registry), started
per module with its own storage directory and a free 127.0.0.1 port. The Docker engine treats 127.0.0.0/8 as
an insecure (plain HTTP) registry by default, so no TLS is needed.

Skips when the binary is missing, and fails instead under LOGTUI_REQUIRE_DOCKER=1 (.ci/run installs it)."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from logtui.core.publish import IMAGES
from logtui.core.runtime.base import DockerSettings
from logtui.core.runtime.docker_runtime import DockerRuntime
from tests.conftest import docker_required
from tests.helpers import free_port, stop_process, wait_until

REPO_ROOT = Path(__file__).resolve().parents[2]
REGISTRY_USER = "logtui"
REGISTRY_PASSWORD = "push-secret-0123"


@dataclass
class Registry:
    host: str  # 127.0.0.1:port, as it appears in image references
    url: str
    log: Path
    auth: tuple[str, str] | None = None


def _registry_binary() -> str:
    found = shutil.which("docker-registry") or (
        "/usr/bin/docker-registry" if Path("/usr/bin/docker-registry").exists() else None
    )
    if found is None:
        reason = "Debian's docker-registry is not installed (apt-get install docker-registry)"
        if docker_required():
            pytest.fail(f"LOGTUI_REQUIRE_DOCKER=1 but {reason}")
        pytest.skip(reason)
    return found


def _start(root: Path, *, htpasswd: Path | None = None) -> Iterator[Registry]:
    binary = _registry_binary()
    port = free_port()
    (root / "storage").mkdir(parents=True)
    auth = f"auth:\n  htpasswd:\n    realm: logtui-test\n    path: {htpasswd}\n" if htpasswd else ""
    config = root / "config.yml"
    config.write_text(
        "version: 0.1\n"
        "log:\n  level: warn\n"
        f"storage:\n  filesystem:\n    rootdirectory: {root / 'storage'}\n  delete:\n    enabled: true\n"
        f"http:\n  addr: 127.0.0.1:{port}\n" + auth
    )
    log = root / "registry.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([binary, "serve", str(config)], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"docker-registry exited: {log.read_text(errors='replace')}")
        try:
            return httpx.get(f"{url}/v2/", timeout=1.0).status_code in (200, 401)
        except httpx.HTTPError:
            return False

    try:
        wait_until(answers, timeout=30, what=f"docker-registry on {url}")
        yield Registry(
            f"127.0.0.1:{port}", url, log, (REGISTRY_USER, REGISTRY_PASSWORD) if htpasswd else None
        )
    finally:
        stop_process(proc)


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    yield from _start(tmp_path_factory.mktemp("registry"))


@pytest.fixture(scope="module")
def auth_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """The same registry wanting a user and password (htpasswd, bcrypt as the registry requires)."""
    bcrypt = pytest.importorskip("bcrypt")
    root = tmp_path_factory.mktemp("auth-registry")
    htpasswd = root / "htpasswd"
    hashed = bcrypt.hashpw(REGISTRY_PASSWORD.encode(), bcrypt.gensalt(rounds=5)).decode()
    htpasswd.write_text(f"{REGISTRY_USER}:{hashed}\n")
    yield from _start(root, htpasswd=htpasswd)


@pytest.fixture(scope="module")
def runtime(docker_client: Any) -> Iterator[DockerRuntime]:
    """A runtime with its own image tag, so this module builds, tags and removes only what it made."""
    name = f"logtui-push-test-{uuid.uuid4().hex[:8]}"
    settings = DockerSettings(image=f"{name}:test", container_name=name, volume=name)
    rt = DockerRuntime(settings, REPO_ROOT)
    yield rt
    rt.close()
    for kind in IMAGES.values():
        try:
            docker_client.images.remove(kind.local_tag(rt), force=True)
        except Exception:  # already gone
            pass
