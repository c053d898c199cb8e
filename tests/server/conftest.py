"""Fixtures for the service tests: real servers on loopback, run once per backend.

`backend` is a module-scoped parameter: every module that starts servers through these fixtures runs on an
SQLite file and on a real PostgreSQL server (a throw-away cluster for the session, a new database per store).
Without PostgreSQL the `postgresql` runs skip with the reason; with LOG_ANALYZER_REQUIRE_POSTGRES=1 they fail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from log_analyzer.settings import Settings
from log_analyzer.store import LogStore, open_store

from tests.helpers import ServerProcess
from tests.pg import PgCluster

BACKENDS = ("sqlite", "postgresql")
#: a fresh store's settings: {} for SQLite (the server's --db file), the database URL for PostgreSQL
StoreEnv = Callable[[], dict[str, str]]
#: opens a fresh in-process store of the module's backend
NewStore = Callable[[], "LogStore"]


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def fresh_store(backend: str, request: pytest.FixtureRequest) -> StoreEnv:
    if backend == "sqlite":
        return dict
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    return lambda: {"LOG_ANALYZER_DATABASE_URL": cluster.new_database()}


def _seeded_server(
    tmp_path_factory: pytest.TempPathFactory, fresh_store: StoreEnv, name: str
) -> Iterator[ServerProcess]:
    server = ServerProcess(tmp_path_factory.mktemp(name) / "logs.db", env=fresh_store(), seed=True).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def course_server(tmp_path_factory: pytest.TempPathFactory, fresh_store: StoreEnv) -> Iterator[ServerProcess]:
    """A real server with the course's seed sample (22 records on 2023-04-23). Read-only: don't write."""
    yield from _seeded_server(tmp_path_factory, fresh_store, "course")


@pytest.fixture
def server_factory(tmp_path: Path, fresh_store: StoreEnv) -> Iterator[Callable[..., ServerProcess]]:
    """Start fresh servers (empty store unless seed=True) that this test may write to."""
    started: list[ServerProcess] = []

    def make(*, seed: bool = False, env: dict[str, str] | None = None, name: str = "logs") -> ServerProcess:
        path = tmp_path / f"{name}-{len(started)}.db"
        server = ServerProcess(path, env={**fresh_store(), **(env or {})}, seed=seed).start()
        started.append(server)
        return server

    yield make
    for s in started:
        s.stop()


@pytest.fixture(scope="module")
def module_server(tmp_path_factory: pytest.TempPathFactory, fresh_store: StoreEnv) -> Iterator[ServerProcess]:
    """A seeded server this module's tests may write to (for an exact store, use server_factory)."""
    yield from _seeded_server(tmp_path_factory, fresh_store, "server")


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


@pytest.fixture
def new_store(tmp_path: Path, fresh_store: StoreEnv) -> Iterator[NewStore]:
    """Open fresh stores of this module's backend in-process (closed after the test)."""
    opened: list[LogStore] = []

    def make() -> LogStore:
        url = fresh_store().get("LOG_ANALYZER_DATABASE_URL")
        store = open_store(Settings(db_path=tmp_path / f"store-{len(opened)}.db", database_url=url))
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()
