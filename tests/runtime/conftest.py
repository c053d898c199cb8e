"""Fixtures for the runtime tests: a server image built once per session, and per-test container/volume names
with a random suffix, so nothing here ever touches a user's real `log-analyzer` container or volume."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker.errors
import pytest

import docker
from logtui.core.runtime.base import DockerSettings
from logtui.core.runtime.docker_runtime import DockerRuntime

REPO = Path(__file__).resolve().parents[2]


def remove_test_objects(client: Any, settings: DockerSettings) -> None:
    """Force-remove the test's container(s) and volume by their unique names (test-owned, label or not)."""
    name = settings.container_name
    for c in client.containers.list(all=True, filters={"name": name}):
        if c.name == name or c.name.startswith((f"{name}-backup-", f"{name}-seed-")):
            c.remove(force=True)
    try:
        client.volumes.get(settings.volume).remove(force=True)
    except docker.errors.NotFound:
        pass


@pytest.fixture(scope="session")
def build_lines() -> list[str]:
    return []


@pytest.fixture(scope="session")
def server_image(docker_client: Any, build_lines: list[str]) -> Iterator[str]:
    """docker/Dockerfile built through DockerRuntime.build under a tag unique to this session."""
    tag = f"log-analyzer:test-{uuid.uuid4().hex[:8]}"
    settings = DockerSettings(
        image=tag, build_context=REPO, container_name=f"logtui-build-{uuid.uuid4().hex[:8]}"
    )
    runtime = DockerRuntime(settings)
    runtime.build(build_lines.append)
    runtime.close()
    yield tag
    # noprune keeps the parent layers as the build cache for the next session.
    try:
        docker_client.images.remove(tag, force=True, noprune=True)
    except docker.errors.APIError:
        pass


@pytest.fixture
def docker_settings(docker_client: Any, server_image: str) -> Iterator[DockerSettings]:
    suffix = uuid.uuid4().hex[:10]
    settings = DockerSettings(
        image=server_image,
        build_context=REPO,
        container_name=f"logtui-test-{suffix}",
        volume=f"logtui-test-{suffix}-data",
    )
    yield settings
    remove_test_objects(docker_client, settings)


@pytest.fixture
def runtime(docker_settings: DockerSettings) -> Iterator[DockerRuntime]:
    rt = DockerRuntime(docker_settings)
    yield rt
    rt.close()


@pytest.fixture(scope="session")
def build_client(docker_client: Any) -> Iterator[Any]:
    """A client with a build-sized timeout (pip inside a build can be silent for a while)."""
    client = docker.from_env(timeout=600)  # type: ignore[attr-defined]
    yield client
    client.close()
