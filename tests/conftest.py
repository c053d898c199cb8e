"""Shared fixtures. Every test runs with XDG dirs under tmp_path: nothing touches the developer's config."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers import OriginalServer, ServerProcess
from tests.pg import PgCluster, PostgresUnavailable


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    for var, sub in (
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_STATE_HOME", "state"),
    ):
        (home / sub).mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(var, str(home / sub))
    return home


@pytest.fixture(scope="session")
def course_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A real server with the course's seed sample (22 records on 2023-04-23). Read-only: don't write."""
    db = tmp_path_factory.mktemp("course") / "logs.db"
    server = ServerProcess(db, seed=True).start()
    yield server
    server.stop()


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Start fresh servers (empty store unless seed=True) that this test may write to."""
    started: list[ServerProcess] = []

    def make(*, seed: bool = False, env: dict[str, str] | None = None, name: str = "logs") -> ServerProcess:
        server = ServerProcess(tmp_path / f"{name}-{len(started)}.db", env=env, seed=seed).start()
        started.append(server)
        return server

    yield make
    for s in started:
        s.stop()


@pytest.fixture
def original_factory(tmp_path: Path) -> Iterator[Callable[..., OriginalServer]]:
    """Start the course's original service (tests/course_app.py: GET /logs only, both times required) under
    uvicorn, holding `records`; the test may insert more while it runs."""
    started: list[OriginalServer] = []

    def make(records: list[dict[str, str]]) -> OriginalServer:
        server = OriginalServer(tmp_path / f"original-{len(started)}.db", records).start()
        started.append(server)
        return server

    yield make
    for s in started:
        s.stop()


def postgres_required() -> bool:
    return os.environ.get("LOG_ANALYZER_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """A throw-away PostgreSQL server for the session (tests.pg); skips without PostgreSQL (or fails under
    LOG_ANALYZER_REQUIRE_POSTGRES=1). Each user makes its own database with new_database()."""
    try:
        cluster = PgCluster().start()
    except PostgresUnavailable as exc:
        if postgres_required():
            pytest.fail(f"LOG_ANALYZER_REQUIRE_POSTGRES=1 but {exc}")
        pytest.skip(str(exc))
    yield cluster
    cluster.close()


def docker_required() -> bool:
    return os.environ.get("LOGTUI_REQUIRE_DOCKER") == "1"


@pytest.fixture(scope="session")
def docker_client():  # type: ignore[no-untyped-def]
    """A client for a real Docker engine; skips (or fails under LOGTUI_REQUIRE_DOCKER=1) when none answers."""
    import docker

    try:
        client = docker.from_env(timeout=10)
        client.ping()
    except Exception as exc:  # any failure to reach the engine means "no engine here"
        reason = f"no Docker engine answers ({type(exc).__name__}: {exc}); start one or set DOCKER_HOST"
        if docker_required():
            pytest.fail(f"LOGTUI_REQUIRE_DOCKER=1 but {reason}")
        pytest.skip(reason)
    yield client
    client.close()


@pytest.fixture
def local_is_new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The OS's local zone set for this test only (POSIX: TZ + tzset), so "local" means a known zone."""
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is POSIX-only: the local zone cannot be set from a test here")
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
    assert os.environ.get("TZ") != "America/New_York"
