"""`logtui collect` on real containers: every line of a container printing numbered lines is stored exactly
once, through a SIGKILL of the collector mid-stream, a restart of the container, and a store that stalls."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from logtui.core.collector import CollectError, Collector, parse_docker_time
from tests.helpers import wait_until

pytestmark = pytest.mark.docker

IMAGE = "python:3.11-slim"
REPO = Path(__file__).resolve().parents[2]

#: Prints `<run> <i>` for i < N, `rate` lines a second, every 5th on stderr (every 15th says WARNING there),
#: where <run> tells the container's runs apart.
#: It runs inside the container: its sleep paces the producer, the tests wait on the store, never on time.
PRINTER = r"""
import os, sys, time
n, rate = int(sys.argv[1]), float(sys.argv[2])
run = time.time_ns()
start = time.monotonic()
for i in range(n):
    stream = sys.stderr if i % 5 == 0 else sys.stdout
    level = " WARNING" if i % 15 == 0 else ""
    stream.write(f"{run} {i}{level}\n")
    stream.flush()
    ahead = (i + 1) / rate - (time.monotonic() - start)
    if ahead > 0:
        time.sleep(ahead)
"""


@pytest.fixture
def printer(docker_client: Any) -> Iterator[Any]:
    """Makes containers (unique names, removed afterwards) running PRINTER."""
    made: list[Any] = []

    def make(n: int, rate: float) -> Any:
        try:
            docker_client.images.get(IMAGE)
        except Exception:
            pytest.skip(f"the image {IMAGE} is not present on this engine")
        container = docker_client.containers.run(
            IMAGE,
            ["python", "-u", "-c", PRINTER, str(n), str(rate)],
            name=f"logtui-collect-test-{uuid.uuid4().hex[:10]}",
            detach=True,
        )
        made.append(container)
        return container

    yield make
    for container in made:
        container.remove(force=True)


def stored(db: Path) -> list[tuple[str, str]]:
    if not db.exists():
        return []
    with sqlite3.connect(db, timeout=30) as conn:
        try:
            return conn.execute("SELECT tag, message FROM logs ORDER BY id").fetchall()
        except sqlite3.OperationalError:
            return []  # the collector has not created the table yet


def collect_cli(db: Path, name: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.Popen(
        [sys.executable, "-m", "logtui", "collect", name, "--store", str(db), "--every", "0"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def check_exactly_once(rows: list[tuple[str, str]], name: str, runs: int, n: int) -> None:
    seen: dict[str, set[int]] = {}
    for tag, message in rows:
        prefix, run, number, *rest = message.split(" ")
        assert prefix == f"[{name}]"
        i = int(number)
        assert i not in seen.setdefault(run, set()), f"line {run} {i} stored twice"
        seen[run].add(i)
        expected = "WARNING" if i % 15 == 0 else "ERROR" if i % 5 == 0 else "INFO"
        assert tag == expected, message
        assert rest == (["WARNING"] if i % 15 == 0 else [])
    assert len(seen) == runs
    for numbers in seen.values():
        assert numbers == set(range(n))


def test_sigkill_and_container_restart_lose_nothing_and_store_nothing_twice(
    printer: Any, tmp_path: Path
) -> None:
    n = 8000
    container = printer(n, 1000)  # eight seconds of output: the kill lands mid-stream even on a slow machine
    db = tmp_path / "own.db"
    first = collect_cli(db, container.name)
    try:
        wait_until(lambda: len(stored(db)) >= 500, 60, "the first lines")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert len(stored(db)) < n, "the kill came too late to be mid-stream"
    second = collect_cli(db, container.name)
    try:
        wait_until(lambda: len(stored(db)) >= n, 60, "every line after the restart of the collector")
        container.wait(timeout=60)
        container.start()  # the same container again: a second run of numbered lines
        wait_until(lambda: len(stored(db)) >= 2 * n, 60, "the container's second run")
    finally:
        second.send_signal(signal.SIGTERM)
        _, err = second.communicate(timeout=30)
    assert second.returncode == 0, err.decode()
    check_exactly_once(stored(db), container.name, 2, n)
    # Started again with nothing new to read: nothing is added.
    third = Collector(db, [container.name]).start()
    try:
        container.wait(timeout=60)
        assert not third.wait_stored(1, timeout=2)
    finally:
        third.stop()
    assert len(stored(db)) == 2 * n


def test_a_stalled_store_applies_back_pressure_and_loses_nothing(printer: Any, tmp_path: Path) -> None:
    n = 6000
    container = printer(n, 20_000)
    db = tmp_path / "own.db"
    collector = Collector(db, [container.name], queue_chunks=4).start()
    blocker = sqlite3.connect(db, timeout=30, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the store: the collector's commits wait
        wait_until(lambda: collector.stats().queued >= 4, 60, "the queue to fill up")
        assert collector.stats().queued <= 4  # bounded: the readers wait instead of piling lines up
        blocker.execute("ROLLBACK")
        assert collector.wait_stored(n, 60)
    finally:
        blocker.close()
        collector.stop()
    check_exactly_once(stored(db), container.name, 1, n)


def test_a_container_collected_by_another_collector_into_the_store_is_refused(
    printer: Any, tmp_path: Path
) -> None:
    container = printer(100, 100)
    db = tmp_path / "own.db"
    first = Collector(db, [container.name]).start()
    try:
        with pytest.raises(CollectError, match="already being collected"):
            Collector(db, [container.name]).start()
        assert first.wait_stored(100, 60)
    finally:
        first.stop()
    check_exactly_once(stored(db), container.name, 1, 100)


def test_an_unknown_container_is_named(docker_client: Any, tmp_path: Path) -> None:
    with pytest.raises(CollectError, match="no container named 'logtui-no-such-container'"):
        Collector(tmp_path / "x.db", ["logtui-no-such-container"], client=docker_client).start()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "logtui",
            "collect",
            "logtui-no-such-container",
            "--store",
            str(tmp_path / "x.db"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "no container named 'logtui-no-such-container'" in result.stderr
    assert "Traceback" not in result.stderr


def test_container_line_tags() -> None:
    from logtui.core.collector import line_tag
    from logtui.core.line_formats import LineParser

    parser = LineParser()
    cases = [
        ('{"level": "warning", "msg": "x"}', "stdout", "WARNING"),
        ("ts=1 level=debug msg=x", "stderr", "DEBUG"),
        ('10.0.0.1 - - [23/Apr/2023:10:00:00 +0000] "GET /error HTTP/1.1" 200 5', "stdout", "INFO"),
        ('10.0.0.1 - - [23/Apr/2023:10:00:00 +0000] "GET / HTTP/1.1" 502 5', "stdout", "ERROR"),
        ("2023-04-23 10:00:00 INFO started", "stderr", "INFO"),
        ("plain words", "stderr", "ERROR"),
        ("plain words", "stdout", "INFO"),
    ]
    for text, stream, tag in cases:
        assert line_tag(parser, text, stream) == tag, text


def test_docker_timestamps() -> None:
    assert parse_docker_time("2023-04-23T10:00:00.5Z") == 1_682_244_000_500_000_000
    assert parse_docker_time("2023-04-23T10:00:00.123456789Z") == 1_682_244_000_123_456_789
    assert parse_docker_time("2023-04-23T12:00:00+02:00") == 1_682_244_000_000_000_000
    assert parse_docker_time("not a time") is None
