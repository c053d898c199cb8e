"""API-key auth on a real server: writes need the key when one is set, reads too when asked."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.helpers import ServerProcess

KEY = "s3cret-key-for-tests"
REC = {"timestamp": "2024-01-01T00:00:00", "tag": "INFO", "message": "hi"}


def test_writes_need_the_key(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory(env={"LOG_ANALYZER_API_KEY": KEY})
    r = httpx.post(f"{server.url}/logs", json=REC)
    assert r.status_code == 401
    assert "Authorization: Bearer" in r.json()["detail"]
    assert r.headers["www-authenticate"] == "Bearer"
    r = httpx.post(f"{server.url}/logs", json=REC, headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and "wrong" in r.json()["detail"]
    r = httpx.post(f"{server.url}/logs", json=REC, headers={"Authorization": f"Basic {KEY}"})
    assert r.status_code == 401
    assert httpx.get(f"{server.url}/health").json()["records"] == 0
    r = httpx.post(f"{server.url}/logs", json=REC, headers={"Authorization": f"Bearer {KEY}"})
    assert r.status_code == 201
    # reads stay open unless LOG_ANALYZER_READ_REQUIRES_KEY=1
    assert httpx.get(f"{server.url}/logs").json()["logs"] == [REC]
    assert httpx.get(f"{server.url}/stats").status_code == 200
    # the key never reaches the server's log
    assert KEY not in server.db_path.with_suffix(".server.log").read_text()


def test_reads_need_the_key_when_configured(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory(
        env={"LOG_ANALYZER_API_KEY": KEY, "LOG_ANALYZER_READ_REQUIRES_KEY": "1"}, seed=True
    )
    for path in ("/logs", "/stats"):
        r = httpx.get(f"{server.url}{path}")
        assert r.status_code == 401, path
        assert "read logs" in r.json()["detail"]
        ok = httpx.get(f"{server.url}{path}", headers={"Authorization": f"Bearer {KEY}"})
        assert ok.status_code == 200
    # health stays open so container health checks work without the key
    assert httpx.get(f"{server.url}/health").status_code == 200


def test_bad_boolean_env_is_a_clear_startup_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    env = {**os.environ, "LOG_ANALYZER_READ_REQUIRES_KEY": "maybe"}
    proc = subprocess.run(
        [sys.executable, "-m", "log_analyzer.cli", "serve", "--db", str(tmp_path / "x.db")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "LOG_ANALYZER_READ_REQUIRES_KEY='maybe' is not a boolean" in proc.stderr
    assert "Traceback" not in proc.stderr
