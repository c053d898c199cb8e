"""Fixtures for the service tests: real servers on loopback, each with its own SQLite file."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.helpers import ServerProcess


@pytest.fixture(scope="module")
def module_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A seeded server this module's tests may write to (for an exact store, use server_factory)."""
    server = ServerProcess(tmp_path_factory.mktemp("server") / "logs.db", seed=True).start()
    yield server
    server.stop()


@pytest.fixture
def http(module_server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=module_server.url, timeout=30) as client:
        yield client


def assert_error(response: httpx.Response, status: int, parameter: str) -> dict[str, object]:
    """A contract error: JSON body with a sentence naming `parameter`, and `errors` listing it."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and parameter in body["detail"], body
    assert parameter in [e["parameter"] for e in body["errors"]], body
    assert "Traceback" not in response.text
    return body
