"""The `log-analyzer` commands, run as real child processes."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from log_analyzer.store.location import mask_url

from tests.helpers import ServerProcess, free_port, stop_process, wait_until
from tests.pg import PASSWORD, PASSWORD_IN_URL


def cli(
    *args: str, env: dict[str, str] | None = None, stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "log_analyzer.cli", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        input=stdin.decode() if stdin is not None else None,
    )


def rows(db: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT ts_text, tag, message FROM logs ORDER BY ts, id").fetchall()


def test_serve_prints_uvicorn_lines_and_access_log(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory()
    httpx.get(f"{server.url}/logs", params={"limit": 1})
    log = server.db_path.with_suffix(".server.log")
    wait_until(lambda: '"GET /logs?limit=1 HTTP/1.1" 200' in log.read_text(), 10, "the access-log line")
    text = log.read_text()
    assert f"Uvicorn running on http://127.0.0.1:{server.port}" in text
    assert "Application startup complete." in text


def test_serve_keeps_successful_health_checks_out_of_the_access_log(
    server_factory: Callable[..., ServerProcess],
) -> None:
    """QA C3: Docker's HEALTHCHECK and logtui's status probe filled the service output with GET /health."""
    server = server_factory()
    assert httpx.get(f"{server.url}/health").status_code == 200
    assert httpx.get(f"{server.url}/logs", params={"nope": 1}).status_code == 400
    httpx.get(f"{server.url}/logs", params={"limit": 2})
    log = server.db_path.with_suffix(".server.log")
    # The /health requests came first; once the later /logs line is written, theirs would have been too.
    wait_until(lambda: '"GET /logs?limit=2 HTTP/1.1" 200' in log.read_text(), 10, "the access-log line")
    text = log.read_text()
    assert "GET /health" not in text
    assert '"GET /logs?nope=1 HTTP/1.1" 400' in text, "other requests, failures included, are still logged"


def test_serve_takes_the_port_from_PORT(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "log_analyzer.cli", "serve", "--db", str(tmp_path / "p.db")],
            env={**os.environ, "PORT": str(port)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:

        def up() -> bool:
            assert proc.poll() is None, log.read_text()
            try:
                return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(up, 30, "serve on $PORT")
    finally:
        stop_process(proc)
    assert f"Uvicorn running on http://127.0.0.1:{port}" in log.read_text()


def test_bad_port_env_is_a_clear_error(tmp_path: Path) -> None:
    r = cli("serve", "--db", str(tmp_path / "x.db"), env={"PORT": "eighty"})
    assert r.returncode == 2
    assert "PORT='eighty'" in r.stderr and "Traceback" not in r.stderr
    r = cli("serve", "--port", "70000")
    assert r.returncode == 2 and "not a port number" in r.stderr


def test_seed_loads_the_course_sample(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    r = cli("seed", "--db", str(db))
    assert r.returncode == 0, r.stderr
    got = rows(db)
    assert len(got) == 22
    assert got[0] == ("2023-04-23T10:00:00", "INFO", "Test log")
    assert got[-1] == ("2023-04-23T10:22:00", "ERROR", "Test error")


def test_seed_twice_adds_nothing_the_second_time(tmp_path: Path) -> None:
    """QA S4: a second `seed` loaded the 22 records again (every "Test log" twice)."""
    db = tmp_path / "s.db"
    first = cli("seed", "--db", str(db))
    assert first.returncode == 0, first.stderr
    assert "loaded the seed sample: 22 records" in first.stderr
    again = cli("seed", "--db", str(db))
    assert again.returncode == 0, again.stderr
    assert "already" in again.stderr and "nothing added" in again.stderr
    assert len(rows(db)) == 22
    with sqlite3.connect(db) as conn:
        assert (
            conn.execute(
                "SELECT SUM(n) FROM rollups WHERE level = (SELECT MAX(level) FROM rollups)"
            ).fetchone()[0]
            == 22
        )


def test_seed_adds_only_the_missing_sample_records(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    lines = (
        b"2023-04-23T10:00:00 INFO Test log\n"
        b"2023-04-23T10:22:00 ERROR Test error\n"
        b"2023-04-23T10:05:00 INFO other\n"
    )
    assert cli("ingest", "-", "--db", str(db), stdin=lines).returncode == 0
    r = cli("seed", "--db", str(db))
    assert r.returncode == 0, r.stderr
    assert (
        "loaded 20 of the seed sample's 22 records" in r.stderr and "other 2 were already there" in r.stderr
    )
    got = rows(db)
    assert len(got) == 23
    assert got.count(("2023-04-23T10:00:00", "INFO", "Test log")) == 1
    assert ("2023-04-23T10:05:00", "INFO", "other") in got


def test_seed_demo_generates_realistic_records(tmp_path: Path) -> None:
    db = tmp_path / "d.db"
    r = cli("seed", "--demo", "20000", "--days", "3", "--db", str(db))
    assert r.returncode == 0, r.stderr
    assert "generated 20000 demo records" in r.stderr
    with sqlite3.connect(db) as conn:
        assert (
            conn.execute(
                "SELECT SUM(n) FROM rollups WHERE level = (SELECT MAX(level) FROM rollups)"
            ).fetchone()[0]
            == 20000
        )
        tags = dict(conn.execute("SELECT tag, COUNT(*) FROM logs GROUP BY tag").fetchall())
        lo, hi = conn.execute("SELECT min(ts), max(ts) FROM logs").fetchone()
        json_msgs = conn.execute("SELECT COUNT(*) FROM logs WHERE message LIKE '{%'").fetchone()[0]
        fractions = conn.execute("SELECT COUNT(*) FROM logs WHERE ts_text LIKE '%.%'").fetchone()[0]
    assert set(tags) == {"DEBUG", "INFO", "WARN", "ERROR"}
    assert tags["INFO"] > tags["ERROR"] > 0
    assert 2.9 * 86_400e6 < hi - lo <= 3 * 86_400e6
    # the newest record is "now" (within a second, seconds-only stamps are truncated), so a fresh demo store
    # always has something in the last hour
    assert time.time() * 1e6 - hi < 60e6
    assert 0 < json_msgs < 20000 and 0 < fractions < 20000


def test_ingest_keeps_good_lines_and_reports_bad_ones(tmp_path: Path) -> None:
    src = tmp_path / "in.log"
    src.write_bytes(
        b'{"timestamp": "2024-01-01T00:00:00", "tag": "INFO", "message": "json line"}\n'
        b"2024-01-01T00:00:01.250Z WARN plain line with  spaces\n"
        b"\n"
        b"# a comment\n"
        b"2024-01-01 00:00:02 ERROR space-separated date\n"
        b"garbage\n"
        b"2024-02-30T00:00:00 INFO impossible date\n"
        b'{"timestamp": "2024-01-01T00:00:03", "tag": "INFO"}\n'
        b"2024-01-01T00:00:04 INFO \xff\xfe not utf-8\n"
        b"2024-01-01T00:00:05 DEBUG\n"
    )
    db = tmp_path / "i.db"
    r = cli("ingest", str(src), "--db", str(db), "--batch", "2")
    assert r.returncode == 1  # some lines were skipped
    assert rows(db) == [
        ("2024-01-01T00:00:00", "INFO", "json line"),
        ("2024-01-01T00:00:01.250000", "WARN", "plain line with  spaces"),
        ("2024-01-01T00:00:02", "ERROR", "space-separated date"),
        ("2024-01-01T00:00:05", "DEBUG", ""),
    ]
    for n in (6, 7, 8, 9):
        assert f"in.log:{n}: skipped" in r.stderr, r.stderr
    assert "in.log:8: skipped: message: is required but missing" in r.stderr
    assert "ingested 4 records" in r.stderr and "skipped 4 bad lines" in r.stderr
    assert "ingesting in.log [" in r.stderr  # the progress bar


def test_ingest_stdin_and_missing_file(tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    r = cli("ingest", "-", "--db", str(db), stdin=b"2024-01-01T00:00:00 INFO from stdin\n")
    assert r.returncode == 0, r.stderr
    assert rows(db) == [("2024-01-01T00:00:00", "INFO", "from stdin")]
    r = cli("ingest", str(tmp_path / "nope.log"), "--db", str(db))
    assert r.returncode == 2 and "no such file" in r.stderr


def test_prune_deletes_only_old_records(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    assert cli("seed", "--db", str(db)).returncode == 0  # 2023: old
    assert cli("seed", "--demo", "100", "--days", "1", "--db", str(db)).returncode == 0  # the last day
    r = cli("prune", "--db", str(db))
    assert r.returncode == 2 and "LOG_ANALYZER_RETENTION_DAYS" in r.stderr
    r = cli("prune", "--db", str(db), env={"LOG_ANALYZER_RETENTION_DAYS": "30"})
    assert r.returncode == 0, r.stderr
    assert "pruned 22 records" in r.stderr
    assert len(rows(db)) == 100
    with sqlite3.connect(db) as conn:
        assert (
            conn.execute(
                "SELECT SUM(n) FROM rollups WHERE level = (SELECT MAX(level) FROM rollups)"
            ).fetchone()[0]
            == 100
        )
    r = cli("prune", "--db", str(db), env={"LOG_ANALYZER_RETENTION_DAYS": "-1"})
    assert r.returncode == 2 and "LOG_ANALYZER_RETENTION_DAYS" in r.stderr


def test_background_pruner_and_seed_on_empty(server_factory: Callable[..., ServerProcess]) -> None:
    # The seed sample is from 2023, so with a 30-day retention the pruner removes all of it right after
    # the server loads it: both startup behaviours in one run.
    server = server_factory(env={"LOG_ANALYZER_SEED_ON_EMPTY": "1", "LOG_ANALYZER_RETENTION_DAYS": "30"})
    wait_until(lambda: httpx.get(f"{server.url}/health").json()["records"] == 0, 20, "the pruner")
    log = server.db_path.with_suffix(".server.log").read_text()
    assert "loaded the 22-record seed sample" in log or "seed sample" in log
    assert "pruned 22 records" in log


def test_seed_on_empty_only_when_empty(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory(env={"LOG_ANALYZER_SEED_ON_EMPTY": "1"})
    assert httpx.get(f"{server.url}/health").json()["records"] == 22
    server.stop()
    again = ServerProcess(server.db_path, env=server.env).start()
    try:
        assert httpx.get(f"{again.url}/health").json()["records"] == 22
    finally:
        again.stop()


def test_serve_says_which_database_it_serves(server_factory: Callable[..., ServerProcess]) -> None:
    fresh = server_factory()
    log = fresh.db_path.with_suffix(".server.log").read_text()
    where = str(fresh.db_path)
    if url := fresh.env.get("LOG_ANALYZER_DATABASE_URL"):
        where = mask_url(url)
        assert PASSWORD_IN_URL not in log and PASSWORD not in log and ":***@" in where
    assert f"serving {where} (a new, empty database)" in log
    seeded = server_factory(seed=True)
    log = seeded.db_path.with_suffix(".server.log").read_text()
    where = mask_url(seeded.env.get("LOG_ANALYZER_DATABASE_URL", str(seeded.db_path)))
    assert f"serving {where} (22 records, 2023-04-23T10:00:00 → 2023-04-23T10:22:00)" in log


def test_unusable_database_paths_are_one_clear_line(tmp_path: Path) -> None:
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("hello, I am not a database\n" * 100)
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    cases = {
        tmp_path: "it is a directory",
        not_sqlite: "it is not an SQLite database",
        blocker / "sub" / "x.db": "cannot open the database",
    }
    for db, reason in cases.items():
        for args in (("serve", "--port", str(free_port())), ("seed",), ("prune", "--days", "1")):
            r = cli(*args, "--db", str(db))
            assert r.returncode == 2, (args, db, r.stderr)
            assert reason in r.stderr and str(db) in r.stderr, r.stderr
            assert "Traceback" not in r.stderr
    assert not_sqlite.read_text().startswith("hello")  # untouched


def test_ingest_a_directory_says_so(tmp_path: Path) -> None:
    r = cli("ingest", str(tmp_path), "--db", str(tmp_path / "x.db"))
    assert r.returncode == 2 and "is a directory" in r.stderr


def test_python_dash_m_log_analyzer_runs_the_cli(tmp_path: Path) -> None:
    """QA S5: `python -m log_analyzer` said "No module named log_analyzer.__main__"."""
    r = subprocess.run(
        [sys.executable, "-m", "log_analyzer", "--version"], capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("log-analyzer ")
    db = tmp_path / "m.db"
    r = subprocess.run(
        [sys.executable, "-m", "log_analyzer", "seed", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert len(rows(db)) == 22
