"""SQLite stores made before rollups and the text index are upgraded in place on first open, with progress;
an upgrade that fails part-way leaves the old store exactly as it was."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from log_analyzer.store import Query, SqliteStore
from log_analyzer.timefmt import render

from tests.helpers import ServerProcess

# The schema of the previous version, as it created it (server/log_analyzer/store.py before this change).
V1_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS logs (
        id INTEGER PRIMARY KEY,
        ts INTEGER NOT NULL,
        ts_text TEXT NOT NULL,
        tag TEXT NOT NULL COLLATE NOCASE,
        message TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS logs_ts_id ON logs (ts, id)",
    "CREATE INDEX IF NOT EXISTS logs_ts_tag ON logs (ts, tag)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value NOT NULL)",
    "INSERT OR IGNORE INTO meta (key, value) VALUES ('record_count', (SELECT COUNT(*) FROM logs))",
)
BASE = 1_700_000_000_000_000
N = 50_000


def make_v1_store(path: Path, n: int = N) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        for stmt in V1_SCHEMA:
            conn.execute(stmt)
        conn.execute("INSERT INTO meta (key, value) VALUES ('cursor_secret', 'old-secret')")
        rows = [
            (
                BASE + i * 7_000_000,
                render(BASE + i * 7_000_000),
                ("INFO", "warn", "WARN")[i % 3],
                f"msg {i} Ärger",
            )
            for i in range(n)
        ]
        conn.executemany("INSERT INTO logs (ts, ts_text, tag, message) VALUES (?, ?, ?, ?)", rows)
        conn.execute("UPDATE meta SET value = ? WHERE key = 'record_count'", (n,))


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_upgrade_builds_rollups_and_index_with_progress(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    make_v1_store(db)
    reports: list[tuple[int, int]] = []
    store = SqliteStore(db, upgrade_progress=lambda done, total: reports.append((done, total)))
    try:
        assert store.upgraded == N
        assert reports[0] == (0, N) and reports[-1] == (N, N) and len(reports) > 2
        assert store.meta("cursor_secret") == "old-secret"  # cursors issued before the upgrade stay valid
        assert store.count() == N
        stats = store.stats(Query(), start=BASE, end=BASE + (N - 1) * 7_000_000, buckets=60)
        assert stats.total == N and stats.tags == {"INFO": 16_667, "WARN": N - 16_667}
        rows = store.page_rows(Query(q="MSG 4999 ä"), limit=10).fetchall()
        assert [r[3] for r in rows] == ["msg 4999 Ärger"]
    finally:
        store.close()
    again: list[tuple[int, int]] = []
    SqliteStore(db, upgrade_progress=lambda d, t: again.append((d, t))).close()
    assert again == [], "an upgraded store is not upgraded again"


def test_an_interrupted_upgrade_leaves_the_old_store_usable(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    make_v1_store(db)
    before = tables(db)

    def interrupt(done: int, total: int) -> None:
        if done > total // 2:
            raise KeyboardInterrupt  # the user pressing Ctrl-C half-way through

    with pytest.raises(KeyboardInterrupt):
        SqliteStore(db, upgrade_progress=interrupt)
    assert tables(db) == before  # no rollups, no text index, no schema_version: the old version's store
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM logs").fetchone()[0] == N
        assert conn.execute("SELECT value FROM meta WHERE key = 'record_count'").fetchone()[0] == N
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() is None
    store = SqliteStore(db)  # and the next open upgrades it completely
    try:
        assert store.upgraded == N and store.count() == N
    finally:
        store.close()


def test_cli_and_service_report_the_upgrade(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    make_v1_store(db, n=30_000)
    done = subprocess.run(
        [sys.executable, "-m", "log_analyzer.cli", "prune", "--days", "36500", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (
        "upgrading the store" in done.stderr and "upgraded the store: 30,000 records indexed" in done.stderr
    )
    served = tmp_path / "served.db"
    make_v1_store(served, n=30_000)
    server = ServerProcess(served).start()
    try:
        log = server.log_path.read_text()
        assert "upgrading the store in place: indexing 30000 records" in log
        assert "30000 of 30000 records indexed" in log
        assert httpx.get(f"{server.url}/stats").json()["total"] == 30_000
    finally:
        server.stop()
