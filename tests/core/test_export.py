from __future__ import annotations

import asyncio
import csv
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from log_analyzer.record import LogRecord

from logtui.core.client import LogClient
from logtui.core.errors import ExportFailed, ServerFailed
from logtui.core.export import default_export_name, export_window
from logtui.core.timerange import TimeWindow
from tests.core.tiny_http import Reply, http_server
from tests.helpers import OriginalServer, ServerProcess

DAY = TimeWindow(datetime(2023, 4, 23, tzinfo=UTC), datetime(2023, 4, 23, 23, 59, 59, tzinfo=UTC))


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An empty folder for exports (tmp_path also holds the XDG dirs and server databases)."""
    d = tmp_path / "exports"
    d.mkdir()
    return d


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


async def test_csv_export_of_the_course_window_pages_through_everything(
    course_server: ServerProcess, out: Path
) -> None:
    dest = out / "out.csv"
    progress: list[tuple[int, int | None]] = []
    async with LogClient(course_server.url) as client:
        n = await export_window(
            client, DAY, dest=dest, fmt="csv", page_size=5, on_progress=lambda a, b: progress.append((a, b))
        )
        expected = (await client.logs(DAY)).records
    assert n == 22
    rows = read_csv(dest)
    assert rows[0] == ["timestamp", "tag", "message"]
    assert [LogRecord(*r) for r in rows[1:]] == expected
    assert progress == [(0, 22), (5, 22), (10, 22), (15, 22), (20, 22), (22, 22)]
    assert names(out) == ["out.csv"]


async def test_jsonl_export_with_filters(course_server: ServerProcess, out: Path) -> None:
    dest = out / "errors.jsonl"
    async with LogClient(course_server.url) as client:
        assert await export_window(client, DAY, tags=["ERROR"], dest=dest, fmt="jsonl") == 1
        assert await export_window(client, DAY, q="test log", dest=out / "info.jsonl", fmt="jsonl") == 21
    lines = dest.read_text().splitlines()
    assert [json.loads(line) for line in lines] == [
        {"timestamp": "2023-04-23T10:22:00", "tag": "ERROR", "message": "Test error"}
    ]


async def test_awkward_messages_round_trip(server_factory: Callable[..., ServerProcess], out: Path) -> None:
    server = server_factory()
    records = [
        LogRecord("2024-03-01T00:00:00", "INFO", 'comma, "quotes" and\nnewline'),
        LogRecord("2024-03-01T00:00:01", "WARNING", "unicode ✓ é 日本"),
        LogRecord("2024-03-01T00:00:02", "ERROR", '{"json": [1, 2]}'),
    ]
    async with LogClient(server.url) as client:
        await client.post_logs(records)
        await export_window(client, TimeWindow(), dest=out / "a.csv", fmt="csv")
        await export_window(client, TimeWindow(), dest=out / "a.jsonl", fmt="jsonl")
    assert [LogRecord(*r) for r in read_csv(out / "a.csv")[1:]] == records
    jsonl = [LogRecord.from_json(json.loads(x)) for x in (out / "a.jsonl").read_text().splitlines()]
    assert jsonl == records


async def test_cancelled_export_leaves_no_file_and_keeps_the_old_one(
    server_factory: Callable[..., ServerProcess], out: Path
) -> None:
    server = server_factory()
    async with LogClient(server.url) as client:
        await client.post_logs(
            [LogRecord(f"2024-03-01T00:{i // 60:02d}:{i % 60:02d}", "INFO", f"m{i}") for i in range(500)]
        )
        dest = out / "keep.csv"
        dest.write_text("previous export\n")
        task: asyncio.Task[int] | None = None

        def cancel_after_first_page(written: int, total: int | None) -> None:
            assert total == 500
            if written > 0 and task is not None:
                task.cancel()

        task = asyncio.create_task(
            export_window(client, TimeWindow(), dest=dest, page_size=100, on_progress=cancel_after_first_page)
        )
        with pytest.raises(asyncio.CancelledError):
            await task
    assert dest.read_text() == "previous export\n"
    assert names(out) == ["keep.csv"]


async def test_a_failure_mid_export_leaves_nothing(out: Path) -> None:
    first = {"timestamp": "2024-01-01T00:00:00", "tag": "INFO", "message": "page one"}
    calls = 0

    def logs(method: str, path: str, query: dict[str, list[str]]) -> Reply:
        # Page one arrives with a cursor; the service fails on page two.
        nonlocal calls
        calls += 1
        if "cursor" not in query:
            return 200, "application/json", json.dumps({"logs": [first], "next_cursor": "c2"}).encode()
        return 500, "application/json", b'{"detail": "disk I/O error"}'

    with http_server({"/logs": logs}) as url:
        async with LogClient(url) as client:
            with pytest.raises(ServerFailed, match="disk I/O error"):
                await export_window(client, TimeWindow(), dest=out / "x.jsonl", fmt="jsonl", total=2)
    assert calls == 2
    assert names(out) == []


async def test_export_from_the_course_original_service(
    out: Path, original_factory: Callable[..., OriginalServer]
) -> None:
    records = [{"timestamp": "2023-04-23T10:00:00", "tag": "INFO", "message": "Test log"}]
    progress: list[tuple[int, int | None]] = []
    server = original_factory(records)
    async with LogClient(server.url) as client:
        n = await export_window(
            client, DAY, dest=out / "o.csv", on_progress=lambda a, b: progress.append((a, b))
        )
        # an open window too: the original service requires both ends, logtui sends them
        assert await export_window(client, TimeWindow(), dest=out / "all.csv") == 1
    assert n == 1
    assert progress == [(0, None), (1, None)]  # no /stats there: the total is unknown
    assert read_csv(out / "o.csv")[1] == ["2023-04-23T10:00:00", "INFO", "Test log"]


async def test_bad_destinations_fail_before_anything_is_written(
    course_server: ServerProcess, out: Path
) -> None:
    async with LogClient(course_server.url) as client:
        with pytest.raises(ExportFailed, match="does not exist"):
            await export_window(client, DAY, dest=out / "missing" / "x.csv")
        with pytest.raises(ExportFailed, match="is a folder"):
            await export_window(client, DAY, dest=out)
        with pytest.raises(ExportFailed, match="not an export format"):
            await export_window(client, DAY, dest=out / "x.xml", fmt="xml")  # type: ignore[arg-type]
    assert names(out) == []


def test_default_export_name() -> None:
    assert default_export_name(DAY, "csv") == "logs_20230423T000000_20230423T235959.csv"
    first_year = TimeWindow(datetime(1, 1, 1, tzinfo=UTC), None)
    assert default_export_name(first_year, "jsonl", now=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == (
        "logs_00010101T000000_20260102T030405.jsonl"
    )
    now = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert default_export_name(TimeWindow(), "jsonl", now=now) == "logs_beginning_20240102T030405.jsonl"
