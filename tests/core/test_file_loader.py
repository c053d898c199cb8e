"""Loading real files into a real SQLite store: formats, tracebacks, untimed lines, gzip, stdin, re-opening
(only what was appended), and following a file while it grows, is truncated and is rotated."""

from __future__ import annotations

import gzip
import io
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from logtui.core.file_loader import FileLoader, SourceError, expand_sources
from logtui.core.local_store import LocalStore, LocalStoreError
from tests.helpers import wait_until


def rows(db: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT ts_text, tag, message FROM logs ORDER BY id").fetchall()


def load(db: Path, *files: Path | str, follow: bool = False, **kw: object) -> FileLoader:
    loader = FileLoader(expand_sources([str(f) for f in files]), db, follow=follow, **kw).start()  # type: ignore[arg-type]
    return loader


def load_all(db: Path, *files: Path | str) -> FileLoader:
    loader = load(db, *files)
    assert loader.wait_loaded(60)
    loader.stop()
    assert loader.progress().error is None
    return loader


def store_count(db: Path) -> int:
    store = LocalStore(db)
    try:
        return store.count()
    finally:
        store.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "store" / "logs.db"


def test_mixed_formats_traceback_and_untimed_lines(tmp_path: Path, db: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text(
        "INFO:root:before any time (takes the file's time)\n"
        "2023-04-23 10:00:00,000 - app - INFO - starting\n"
        "2023-04-23 10:00:01,000 - app - ERROR - failed\n"
        "Traceback (most recent call last):\n"
        '  File "app.py", line 3, in <module>\n'
        "    main()\n"
        "ValueError: bad value\n"
        "WARNING:root:no time here\n"
        "\n"
        '{"time": "2023-04-23T10:00:02Z", "level": "debug", "msg": "json"}\n'
        "2023-04-23T10:00:03 PAYMENT no newline at the end"
    )
    os.utime(log, (1_682_240_400, 1_682_240_400))  # 09:00:00
    loader = load_all(db, log)
    assert rows(db) == [
        ("2023-04-23T09:00:00", "INFO", "INFO:root:before any time (takes the file's time)"),
        ("2023-04-23T10:00:00.000000", "INFO", "app - INFO - starting"),
        (
            "2023-04-23T10:00:01.000000",
            "ERROR",
            "app - ERROR - failed\nTraceback (most recent call last):\n"
            '  File "app.py", line 3, in <module>\n    main()\nValueError: bad value',
        ),
        ("2023-04-23T10:00:01", "WARNING", "WARNING:root:no time here"),
        ("2023-04-23T10:00:02", "DEBUG", "json"),
        ("2023-04-23T10:00:03", "PAYMENT", "no newline at the end"),
    ]
    progress = loader.progress()
    assert (progress.lines, progress.records, progress.no_time, progress.continued) == (11, 6, 2, 4)
    assert "2 without a time" in progress.summary()


def test_gzip_and_stdin(tmp_path: Path, db: Path) -> None:
    gz = tmp_path / "old.log.gz"
    with gzip.open(gz, "wt") as f:
        f.writelines(f"2023-04-23T10:00:{i:02d} INFO gz {i}\n" for i in range(50))
    stdin = io.BytesIO(b"2023-04-23T11:00:00 ERROR from stdin\n")
    loader = FileLoader(expand_sources([str(gz), "-"]), db, follow=True, stdin=stdin).start()
    assert loader.wait_loaded(30)
    progress = loader.progress()
    loader.stop()
    assert progress.error is None and progress.following == 0  # a .gz is never followed
    got = rows(db)
    assert len(got) == 51
    assert ("2023-04-23T11:00:00", "ERROR", "from stdin") in got
    assert ("2023-04-23T10:00:49", "INFO", "gz 49") in got
    # A .gz opened again is recognised: nothing is stored twice.
    load_all(db, gz)
    assert len(rows(db)) == 51


def test_reopening_reads_only_what_was_appended(tmp_path: Path, db: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("".join(f"2023-04-23T10:00:{i:02d} INFO first {i}\n" for i in range(10)))
    load_all(db, log)
    with log.open("a") as f:
        f.write("2023-04-23T10:01:00 WARN appended\n  with a continuation\n")
    loader = load_all(db, log)
    assert loader.progress().lines == 2
    assert any("reading what was appended" in n for n in loader.progress().notes)
    got = rows(db)
    assert len(got) == 11
    assert got[-1] == ("2023-04-23T10:01:00", "WARN", "appended\n  with a continuation")
    # Nothing new: nothing read, nothing stored.
    assert load_all(db, log).progress().lines == 0
    assert len(rows(db)) == 11


def test_a_replaced_file_is_read_again_from_its_start(tmp_path: Path, db: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("2023-04-23T10:00:00 INFO old\n" * 5)
    load_all(db, log)
    log.write_text("2023-04-23T11:00:00 INFO new content, longer than before......\n" * 6)
    loader = load_all(db, log)
    assert any("changed since it was loaded" in n for n in loader.progress().notes)
    assert len(rows(db)) == 11


def test_follow_picks_up_appends_truncation_and_rotation(tmp_path: Path, db: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("2023-04-23T10:00:00 INFO one\n")
    loader = load(db, log, follow=True, poll_interval=0.02)
    try:
        assert loader.wait_loaded(30)
        assert loader.progress().following == 1

        def count() -> int:
            return len(rows(db))

        with log.open("a") as f:
            f.write("2023-04-23T10:00:01 INFO two\n")
            f.flush()
            f.write("2023-04-23T10:00:02 INFO three (half a line")
            f.flush()
            wait_until(lambda: count() == 2, 30, "the appended line")
            f.write(", then the rest)\n")
        wait_until(lambda: count() == 3, 30, "the completed line")
        assert rows(db)[-1][2] == "three (half a line, then the rest)"

        # copytruncate: the file is emptied in place and written again from the start
        with log.open("w") as f:
            f.write("2023-04-23T10:00:03 INFO after truncation\n")
        wait_until(lambda: count() == 4, 30, "the line written after truncation")
        assert any("truncated" in n for n in loader.progress().notes)

        # rename + create: the last lines of the old file, then the new one from its start
        with log.open("a") as f:
            f.write("2023-04-23T10:00:04 INFO last of the old file\n")
        log.rename(tmp_path / "app.log.1")
        log.write_text("2023-04-23T10:00:05 INFO first of the new file\n")
        wait_until(lambda: count() == 6, 30, "the rotated file")
        assert any("rotated" in n for n in loader.progress().notes)
    finally:
        loader.stop()
    assert [r[2] for r in rows(db)] == [
        "one",
        "two",
        "three (half a line, then the rest)",
        "after truncation",
        "last of the old file",
        "first of the new file",
    ]


@pytest.mark.slow
def test_a_million_lines(tmp_path: Path, db: Path) -> None:
    log = tmp_path / "big.log"
    with log.open("w") as f:
        for i in range(0, 1_000_000, 1000):
            f.writelines(
                f"2023-04-23T10:{(j // 60000) % 60:02d}:{(j // 1000) % 60:02d}.{j % 1000:03d} "
                f"{'ERROR' if j % 97 == 0 else 'INFO'} request {j} served\n"
                for j in range(i, i + 1000)
            )
    loader = load(db, log)
    assert loader.wait_first_batch(60)
    assert loader.wait_loaded(300)
    loader.stop()
    progress = loader.progress()
    assert progress.error is None
    assert (progress.lines, progress.records, progress.bytes_read) == (
        1_000_000,
        1_000_000,
        log.stat().st_size,
    )
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*), COUNT(DISTINCT message) FROM logs").fetchone() == (
            1_000_000,
            1_000_000,
        )
        assert conn.execute("SELECT COUNT(*) FROM logs WHERE tag = 'ERROR'").fetchone()[0] == 10310
    # the count the service's /health reads (kept by the same transactions as the rows)
    assert store_count(db) == 1_000_000


def test_bad_arguments_say_which_and_why(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no file matches"):
        expand_sources([str(tmp_path / "*.log")])
    with pytest.raises(SourceError, match="is a directory"):
        expand_sources([str(tmp_path)])
    with pytest.raises(SourceError, match="no such file"):
        expand_sources([str(tmp_path / "missing.log")])
    (tmp_path / "a.log").write_text("x\n")
    (tmp_path / "b.log").write_text("y\n")
    assert [s.name for s in expand_sources([str(tmp_path / "*.log"), str(tmp_path / "a.log")])] == [
        str(tmp_path / "a.log"),
        str(tmp_path / "b.log"),
    ]


def test_a_store_that_is_not_sqlite_is_refused_and_left_alone(tmp_path: Path) -> None:
    not_db = tmp_path / "notes.txt"
    not_db.write_text("my notes\n" * 100)
    with pytest.raises(LocalStoreError, match="not an SQLite"):
        LocalStore(not_db)
    assert not_db.read_text() == "my notes\n" * 100


@pytest.fixture
def unreadable(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "secret.log"
    path.write_text("x\n")
    path.chmod(0)
    yield path
    path.chmod(0o600)


def test_an_unreadable_file_is_named(unreadable: Path) -> None:
    if os.access(unreadable, os.R_OK):
        pytest.skip("running as root: permissions do not stop reading")
    with pytest.raises(SourceError, match="not readable"):
        expand_sources([str(unreadable)])


def test_a_loader_killed_mid_file_carries_on_exactly_where_the_store_says(tmp_path: Path, db: Path) -> None:
    """SIGKILL of `logtui FILE` (no terminal: it loads and exits) part-way, then the same command again:
    every line stored exactly once (each batch commits with the file's checkpoint)."""
    import signal
    import subprocess
    import sys

    log = tmp_path / "big.log"
    n = 300_000
    with log.open("w") as f:
        f.writelines(f"2023-04-23T10:00:00.{i:06d} INFO line {i}\n" for i in range(n))
    command = [sys.executable, "-m", "logtui", str(log), "--store", str(db)]
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stored() -> int:
        try:
            with sqlite3.connect(db, timeout=30) as conn:
                return int(conn.execute("SELECT COUNT(*) FROM logs").fetchone()[0])
        except sqlite3.OperationalError:
            return 0

    try:
        wait_until(lambda: stored() >= 20_000, 60, "the first batches")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert stored() < n, "the kill came after the end of the file"
    second = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert "reading what was appended" in second.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*), COUNT(DISTINCT message) FROM logs").fetchone() == (n, n)
    assert store_count(db) == n


def test_bytes_that_are_not_utf8_are_kept_as_replacement_characters(tmp_path: Path, db: Path) -> None:
    log = tmp_path / "latin1.log"
    log.write_bytes(b"2023-04-23T10:00:00 INFO caf\xe9 ol\xe9\n2023-04-23T10:00:01 INFO fine\n")
    load_all(db, log)
    assert [r[2] for r in rows(db)] == ["caf\ufffd ol\ufffd", "fine"]


def test_a_file_another_loader_is_reading_into_the_store_is_not_read_twice(tmp_path: Path, db: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("".join(f"2023-04-23T10:00:{i:02d} INFO line {i}\n" for i in range(20)))
    first = load(db, log, follow=True, poll_interval=0.05)
    try:
        assert first.wait_loaded(30)
        second = load_all(db, log)  # a second logtui on the same file and store, while the first follows it
        assert any("another logtui is loading it" in n for n in second.progress().notes)
        assert second.progress().lines == 0
    finally:
        first.stop()
    assert len(rows(db)) == 20
    # Once the first has let go, the file is the next loader's again (and nothing new was appended).
    third = load_all(db, log)
    assert not any("another logtui" in n for n in third.progress().notes)
    assert len(rows(db)) == 20
