"""The status bar says which store the target reports in /health (sqlite, postgresql), never a password."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.core.tiny_http import fixed, http_server
from tests.helpers import ServerProcess
from tests.pg import PASSWORD, PASSWORD_IN_URL, PgCluster
from tests.ui.helpers import SIZE, logs_screen, make_app, settle


async def test_status_bar_names_the_sqlite_store(course_server: ServerProcess) -> None:
    app = make_app(url=course_server.url, start="2023-04-23", end="2023-04-23")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "server 0.1.0 · sqlite" in logs_screen(app).status_bar.text


@pytest.fixture
def pg_server(pg_cluster: PgCluster, tmp_path: Path) -> Iterator[ServerProcess]:
    env = {"LOG_ANALYZER_DATABASE_URL": pg_cluster.new_database()}
    server = ServerProcess(tmp_path / "pg.db", env=env, seed=True).start()
    yield server
    server.stop()


async def test_status_bar_names_the_postgresql_store(pg_server: ServerProcess) -> None:
    app = make_app(url=pg_server.url, start="2023-04-23", end="2023-04-23")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        assert "server 0.1.0 · postgresql" in screen.status_bar.text
        assert screen.log_view.loaded_count == 22
        assert PASSWORD not in screen.status_bar.text and PASSWORD_IN_URL not in screen.status_bar.text


async def test_a_service_from_before_backend_is_read_from_storage() -> None:
    from logtui.core.client import LogClient

    # /health as the previous version answered it: "storage", no "backend"
    body = (
        '{"status":"ok","version":"0.0.9","storage":"sqlite","records":0,'
        '"first_timestamp":null,"last_timestamp":null}'
    )
    with http_server({"/health": fixed(200, "application/json", body)}) as url:
        client = LogClient(url)
        try:
            health = await client.health()
        finally:
            await client.aclose()
    assert health.backend == health.storage == "sqlite"
