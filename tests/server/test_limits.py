"""Issue 10: every Lambda answer fits the 6 MB result limit whatever the text, /stats is bounded, a page's
memory is bounded whatever the data. The Lambda handler is driven in-process with function-URL events."""

from __future__ import annotations

import json
import random
import threading
import tracemalloc
from pathlib import Path

import orjson
import pytest
from log_analyzer import lambda_handler
from log_analyzer.pages import TRUNCATED, lambda_cost, lambda_size, render_logs_page
from log_analyzer.settings import LAMBDA_MAX_RESPONSE_BYTES, Settings
from log_analyzer.stats_limit import MAX_STATS_TAGS, OTHER
from log_analyzer.store import Query, Store
from log_analyzer.timefmt import render

from tests.server.test_lambda import LAMBDA_BUFFERED_LIMIT, FakeContext, url_event

BASE = 1_700_000_000_000_000


def _fill(db: Path, messages: list[str], tag: str = "INFO") -> None:
    store = Store(db)
    store.insert([(BASE + i, render(BASE + i, True), tag, m) for i, m in enumerate(messages)])
    store.close()


def _handler(db: Path, **overrides: object):  # type: ignore[no-untyped-def]
    settings = Settings.from_env({"LOG_ANALYZER_DB": str(db)}, lambda_mode=True)
    if overrides:
        from dataclasses import replace

        settings = replace(settings, **overrides)  # type: ignore[arg-type]
    return lambda_handler.make_handler(settings)


def _all_pages(handler, limit: int = 10_000) -> tuple[list[dict[str, str]], list[int]]:  # type: ignore[no-untyped-def]
    records: list[dict[str, str]] = []
    sizes: list[int] = []
    cursor = None
    while True:
        params = [("limit", str(limit))] + ([("cursor", cursor)] if cursor else [])
        result = handler(url_event("GET", "/logs", params), FakeContext())
        assert result["statusCode"] == 200, result
        # what the runtime puts on the wire: the result serialised with json.dumps (ensure_ascii)
        sizes.append(len(json.dumps(result)))
        body = json.loads(result["body"])
        assert body["logs"], "every page makes progress"
        records += body["logs"]
        cursor = body["next_cursor"]
        if cursor is None:
            return records, sizes


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("Ж" * 12_000, 100),  # the case: 7.2 MB in one result before
        ("😀" * 65_536, 30),  # the largest message there can be: 12 bytes per character once escaped
        ('"\\\x01\n' * 16_384, 60),  # quotes, backslashes and control characters, escaped twice
    ],
)
def test_lambda_pages_fit_the_result_limit_whatever_the_text(tmp_path: Path, text: str, count: int) -> None:
    db = tmp_path / "l.db"
    _fill(db, [f"{i:03d}{text}" for i in range(count)])
    records, sizes = _all_pages(_handler(db))
    assert [r["message"][:3] for r in records] == [f"{i:03d}" for i in range(count)]
    assert all(r["message"][3:] == text for r in records), "nothing is truncated at the default limit"
    assert max(sizes) <= LAMBDA_MAX_RESPONSE_BYTES < LAMBDA_BUFFERED_LIMIT
    assert len(sizes) > 1


def test_a_record_too_large_for_any_page_is_truncated_with_a_marker(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    _fill(db, ["😀" * 65_536, "small"])
    handler = _handler(db, max_response_bytes=200_000)
    records, sizes = _all_pages(handler)
    assert max(sizes) <= 200_000
    assert [r["message"] for r in records][1] == "small"
    first = records[0]["message"]
    assert first.startswith("😀" * 1000) and "truncated by the server" in first
    assert "65536 characters" in first or "of 65536" in first
    assert TRUNCATED.split("{")[0] in first


def test_stats_name_the_top_tags_and_sum_the_rest(tmp_path: Path) -> None:
    """90,000 distinct tags made a 6.3 MB /stats answer."""
    db = tmp_path / "s.db"
    store = Store(db)
    rows = [(BASE + i, render(BASE + i), f"T{i:05d}", "m") for i in range(90_000)]
    rows += [(BASE + i, render(BASE + i), "BUSY", "m") for i in range(500)]
    store.insert(rows)
    store.close()
    result = _handler(db)(url_event("GET", "/stats", [("buckets", "500")]), FakeContext())
    assert result["statusCode"] == 200
    assert len(json.dumps(result)) <= LAMBDA_MAX_RESPONSE_BYTES
    body = json.loads(result["body"])
    assert body["total"] == 90_500
    assert len(body["tags"]) == MAX_STATS_TAGS + 1
    assert body["tags"]["BUSY"] == 501 - 1  # the most frequent tag is named
    assert sum(body["tags"].values()) == 90_500
    assert body["other_tags"] == 90_001 - MAX_STATS_TAGS
    assert sum(sum(b["counts"].values()) for b in body["buckets"]) == 90_500
    assert all(set(b["counts"]) <= set(body["tags"]) for b in body["buckets"])
    assert OTHER in body["tags"]


def test_a_page_of_the_largest_records_holds_memory_near_its_budget(tmp_path: Path) -> None:
    """200 messages of 64 Ki emoji took 204 MB at limit 200 (about 0.9 GB at the default limit)."""
    _fill(tmp_path / "m.db", ["😀" * 65_536] * 200)
    store = Store(tmp_path / "m.db")
    for lambda_mode, budget in ((True, LAMBDA_MAX_RESPONSE_BYTES), (False, 8 * 1024 * 1024)):
        rows = store.page_rows(Query(), limit=1000)
        tracemalloc.start()
        body = render_logs_page(
            rows, limit=1000, max_bytes=budget, lambda_mode=lambda_mode, make_cursor=lambda ts, i: "c"
        )
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        page = orjson.loads(body)
        assert page["next_cursor"] == "c" and 1 <= len(page["logs"]) < 200
        # the rows in flight never add up to more than the budget, plus the page itself and its encodings
        assert peak < 5 * budget, (lambda_mode, peak)
    store.close()


def test_reader_connections_close_when_their_threads_end(tmp_path: Path) -> None:
    """Finished worker threads kept their connection (and its 256 MB map) open forever."""
    _fill(tmp_path / "c.db", ["x"] * 10)
    store = Store(tmp_path / "c.db")
    for _ in range(3):
        threads = [threading.Thread(target=store.count) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert store.open_readers() == 0
    store.count()  # this thread's reader stays while the thread lives
    assert store.open_readers() == 1
    store.close()
    assert store.open_readers() == 0


def test_the_counted_lambda_size_equals_the_runtime_encoding() -> None:
    """lambda_cost counts byte classes instead of building the escaped text; it must agree exactly."""
    rng = random.Random(10)
    alphabet = ["a", '"', "\\", "\x01", "\n", "\x7f", "é", "Ж", "€", "😀", "\u2028", "\ufeff", "\U0010ffff"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        encoded = orjson.dumps([{"timestamp": "2024-01-01T00:00:00", "tag": "INFO", "message": text}])
        assert lambda_cost(encoded) == lambda_size(encoded), text
