"""Issue 10: settings checked with ranges at start (auth fails closed), the durability setting, ingest that
keeps text and can resume, and the smaller request checks. Commands run as real child processes."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from log_analyzer.settings import Settings, SettingsError
from log_analyzer.store import Store

from tests.helpers import ServerProcess, free_port
from tests.server.conftest import assert_error
from tests.server.test_cli import cli, rows


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        (
            {"LOG_ANALYZER_READ_REQUIRES_KEY": "1"},
            "LOG_ANALYZER_READ_REQUIRES_KEY=1 but LOG_ANALYZER_API_KEY",
        ),
        ({"LOG_ANALYZER_API_KEY": ""}, "LOG_ANALYZER_API_KEY is set but empty"),
        ({"LOG_ANALYZER_API_KEY": "  "}, "LOG_ANALYZER_API_KEY is set but empty"),
        ({"LOG_ANALYZER_API_KEY": "", "LOG_ANALYZER_READ_REQUIRES_KEY": "1"}, "LOG_ANALYZER_API_KEY"),
        ({"LOG_ANALYZER_RETENTION_DAYS": "inf"}, "LOG_ANALYZER_RETENTION_DAYS=inf is out of range"),
        ({"LOG_ANALYZER_RETENTION_DAYS": "1e9"}, "LOG_ANALYZER_RETENTION_DAYS=1e+09 is out of range"),
        ({"LOG_ANALYZER_RETENTION_DAYS": "nan"}, "LOG_ANALYZER_RETENTION_DAYS=nan is out of range"),
        ({"LOG_ANALYZER_PRUNE_INTERVAL_SECONDS": "0.001"}, "LOG_ANALYZER_PRUNE_INTERVAL_SECONDS"),
        ({"LOG_ANALYZER_BUSY_TIMEOUT_SECONDS": "-1"}, "LOG_ANALYZER_BUSY_TIMEOUT_SECONDS"),
        ({"LOG_ANALYZER_SYNC": "sometimes"}, "LOG_ANALYZER_SYNC='sometimes' is not a durability level"),
        ({"LOG_ANALYZER_ALLOWED_HOSTS": "http://x.example/"}, "LOG_ANALYZER_ALLOWED_HOSTS"),
    ],
)
def test_bad_settings_refuse_to_start_with_one_line(
    tmp_path: Path, env: dict[str, str], fragment: str
) -> None:
    r = cli("serve", "--port", str(free_port()), "--db", str(tmp_path / "x.db"), env=env)
    assert r.returncode == 2, r.stderr
    assert fragment in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    # the Lambda handler builds its settings the same way: a cold start fails with the same sentence
    with pytest.raises(SettingsError, match=fragment.split("=")[0]):
        Settings.from_env(env, lambda_mode=True)


@pytest.mark.parametrize("days", ["inf", "1e9", "nan", "0"])
def test_prune_days_out_of_range_is_one_line(tmp_path: Path, days: str) -> None:
    r = cli("prune", "--days", days, "--db", str(tmp_path / "p.db"))
    assert r.returncode == 2 and "--days" in r.stderr and "out of range" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize(("value", "pragma"), [("full", 2), ("normal", 1), ("", 2)])
def test_durability_setting_reaches_the_connections(tmp_path: Path, value: str, pragma: int) -> None:
    settings = Settings.from_env({"LOG_ANALYZER_SYNC": value, "LOG_ANALYZER_DB": str(tmp_path / "d.db")})
    store = Store(settings.db_path, sync=settings.sync, busy_timeout=settings.busy_timeout_seconds)
    assert store._reader.execute("PRAGMA synchronous").fetchone()[0] == pragma
    assert store._writer.execute("PRAGMA synchronous").fetchone()[0] == pragma
    store.close()


# -- ingest ------------------------------------------------------------------------------------------------


def test_ingest_keeps_the_message_byte_for_byte_and_accepts_a_bom(tmp_path: Path) -> None:
    src = tmp_path / "bom.log"
    src.write_bytes(
        b"\xef\xbb\xbf2024-08-01 00:00:01 INFO first line after a BOM\n"
        b"2024-08-01 00:00:02 WARN a    b\n"
        b"2024-08-01T00:00:03 INFO  tab\there  trailing  \r\n"
        b"2024-08-01 00:00:04 DEBUG\n"
    )
    db = tmp_path / "i.db"
    r = cli("ingest", str(src), "--db", str(db))
    assert r.returncode == 0, r.stderr
    assert rows(db) == [
        ("2024-08-01T00:00:01", "INFO", "first line after a BOM"),
        ("2024-08-01T00:00:02", "WARN", "a    b"),
        ("2024-08-01T00:00:03", "INFO", "tab\there  trailing  "),
        ("2024-08-01T00:00:04", "DEBUG", ""),
    ]


def test_ingest_skip_existing_stores_every_line_once(tmp_path: Path) -> None:
    src = tmp_path / "in.log"
    lines = [f"2024-08-01T00:00:{i % 60:02d} INFO line {i}\n" for i in range(120)]
    lines += ["2024-08-01T00:00:00 INFO repeated\n"] * 3  # a file may repeat a line: each repeat is kept
    src.write_text("".join(lines))
    db = tmp_path / "s.db"
    half = tmp_path / "half.log"
    half.write_text("".join(lines[:50] + lines[-1:]))  # an interrupted first run: 50 lines and 1 repeat
    assert cli("ingest", str(half), "--db", str(db), "--batch", "10").returncode == 0
    r = cli("ingest", str(src), "--db", str(db), "--batch", "10", "--skip-existing")
    assert r.returncode == 0, r.stderr
    assert "ingested 72 records" in r.stderr and "skipped 51 already stored" in r.stderr
    got = rows(db)
    assert len(got) == 123
    assert got.count(("2024-08-01T00:00:00", "INFO", "repeated")) == 3
    again = cli("ingest", str(src), "--db", str(db), "--skip-existing")
    assert "ingested 0 records" in again.stderr and len(rows(db)) == 123
    # without the flag, a second run stores everything again (a file is not assumed to be new lines only)
    assert cli("ingest", str(half), "--db", str(db)).returncode == 0
    assert len(rows(db)) == 123 + 51


# -- smaller request checks ----------------------------------------------------------------------------------


def test_a_start_past_microseconds_rounds_up(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory()
    server.post([{"timestamp": "2024-01-01T00:00:00", "tag": "INFO", "message": "on the second"}])
    got = httpx.get(f"{server.url}/logs", params={"start_time": "2024-01-01T00:00:00.0000001"}).json()
    assert got["logs"] == []
    got = httpx.get(f"{server.url}/logs", params={"start_time": "2024-01-01T00:00:00.0000000"}).json()
    assert len(got["logs"]) == 1
    got = httpx.get(f"{server.url}/logs", params={"end_time": "2024-01-01T00:00:00.0000009"}).json()
    assert len(got["logs"]) == 1


def test_repeated_single_value_params_are_refused(http: httpx.Client) -> None:
    r = http.get("/logs?limit=abc&limit=5")
    body = assert_error(r, 400, "limit")
    assert "given 2 times" in str(body["detail"])
    assert_error(http.get("/stats?buckets=5&buckets=6"), 400, "buckets")
    assert http.get("/logs?tag=INFO&tag=ERROR").status_code == 200  # tag is repeatable


def test_an_unencoded_plus_in_an_offset_hints_at_percent_2b(http: httpx.Client) -> None:
    r = http.get("/logs?start_time=2023-04-23T10:00:00+02:00")
    body = assert_error(r, 400, "start_time")
    assert "%2B" in str(body["detail"])
    assert http.get("/logs?start_time=2023-04-23T10:00:00%2B02:00").status_code == 200


def test_a_batch_with_many_bad_records_counts_them_all(http: httpx.Client) -> None:
    good = {"timestamp": "2024-05-01T00:00:00", "tag": "INFO", "message": "ok"}
    bad = {"timestamp": "2024-05-01T00:00:00", "tag": "NOT A TAG", "message": "x"}
    r = http.post("/logs", json={"logs": [bad] * 300 + [good] * 700})
    body = assert_error(r, 422, "logs[0].tag")
    assert "300 of 1000 records are invalid" in str(body["detail"])
    assert len(body["errors"]) == 50  # type: ignore[arg-type]


def test_an_invalid_utf8_body_says_so(http: httpx.Client) -> None:
    content = b'{"timestamp": "2024-05-01T00:00:00", "tag": "INFO", "message": "caf\xe9"}'
    r = http.post("/logs", content=content, headers={"content-type": "application/json"})
    body = assert_error(r, 400, "body")
    assert "not UTF-8" in str(body["detail"]) and "0xe9" in str(body["detail"])
    assert "surrogates" not in str(body["detail"])


def test_lifespan_store_uses_the_busy_timeout(tmp_path: Path) -> None:
    store = Store(tmp_path / "b.db", busy_timeout=1.5)
    assert store._writer.execute("PRAGMA busy_timeout").fetchone()[0] == 1500
    store.close()
    with sqlite3.connect(tmp_path / "b.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
