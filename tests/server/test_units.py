"""Pure pieces checked directly: timestamp parsing/rendering, page rendering bounds, stats bucket edges."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from log_analyzer.pages import lambda_size, render_logs_page
from log_analyzer.store import LogStore, Query, Store
from log_analyzer.timefmt import TimeFormatError, parse_plain, parse_timestamp, render

from tests.server.conftest import NewStore

datetimes = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30))


@settings(max_examples=300, deadline=None)
@given(datetimes, st.booleans())
def test_fast_and_general_parsers_agree(dt: datetime, with_fraction: bool) -> None:
    text = dt.isoformat(timespec="microseconds" if with_fraction else "seconds")
    micros, fraction = parse_timestamp(text)
    assert parse_plain(text) == (micros, render(micros, fraction))
    assert render(micros, fraction) == text  # naive input round-trips exactly


@settings(max_examples=200, deadline=None)
@given(datetimes, st.integers(min_value=-23 * 60, max_value=23 * 60))
def test_offsets_convert_to_utc(dt: datetime, offset_minutes: int) -> None:
    aware = dt.replace(tzinfo=UTC).astimezone(timezone(timedelta(minutes=offset_minutes)))
    try:
        micros, _ = parse_timestamp(aware.isoformat())
    except TimeFormatError:
        return  # shifted past year 1 or 9999
    assert render(micros, None) == dt.isoformat()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-04-23T10:00:00", "2023-04-23T10:00:00"),
        ("2023-04-23T10:00:00Z", "2023-04-23T10:00:00"),
        ("2023-04-23T12:00:00+02:00", "2023-04-23T10:00:00"),
        ("2023-04-23T10:00:00.1", "2023-04-23T10:00:00.100000"),
        ("2023-04-23T10:00:00.000", "2023-04-23T10:00:00.000000"),
        ("2023-04-23 10:00:00", "2023-04-23T10:00:00"),
        ("2023-04-23", "2023-04-23T00:00:00"),
    ],
)
def test_accepted_inputs(text: str, expected: str) -> None:
    micros, fraction = parse_timestamp(text)
    assert render(micros, fraction) == expected


def test_date_alone_as_an_end_is_the_last_moment_of_the_day() -> None:
    micros, _ = parse_timestamp("2023-04-23", end_of_day=True)
    assert render(micros, None) == "2023-04-23T23:59:59.999999"


@pytest.mark.parametrize(
    "text", ["", "  ", "2023-04-31", "2023-04-23T10:61:00", "noon", "2023-04-23T10:00:00+24:00"]
)
def test_rejected_inputs_say_what_is_accepted(text: str) -> None:
    with pytest.raises(TimeFormatError) as err:
        parse_timestamp(text)
    message = str(err.value)
    assert "2023-04-23" in message or "not a real date" in message


def _store(new_store: NewStore, messages: list[str]) -> LogStore:
    store = new_store()
    base = 1_700_000_000_000_000
    store.insert([(base + i, render(base + i, True), "INFO", m) for i, m in enumerate(messages)])
    return store


def _page(store: LogStore, limit: int, max_bytes: int, lambda_mode: bool = False) -> dict[str, object]:
    rows = store.page_rows(Query(), limit=limit)
    body = render_logs_page(
        rows, limit=limit, max_bytes=max_bytes, lambda_mode=lambda_mode, make_cursor=lambda ts, i: f"{ts}:{i}"
    )
    parsed: dict[str, object] = orjson.loads(body)
    return parsed


def test_page_stops_at_the_byte_budget_and_points_past_the_last_record(
    new_store: NewStore,
) -> None:
    store = _store(new_store, [f"{i:03d} " + "x" * 1000 for i in range(100)])
    page = _page(store, limit=100, max_bytes=20_000)
    logs = page["logs"]
    assert isinstance(logs, list) and 10 <= len(logs) < 20
    assert len(orjson.dumps(page)) <= 20_000
    last_ts = parse_timestamp(logs[-1]["timestamp"])[0]
    assert page["next_cursor"] == f"{last_ts}:{len(logs)}"
    # one record larger than the budget is still sent alone, so paging always makes progress
    assert len(_page(store, limit=100, max_bytes=500)["logs"]) == 1  # type: ignore[arg-type]
    store.close()


def test_page_limit_and_last_page(new_store: NewStore) -> None:
    store = _store(new_store, [str(i) for i in range(5001)])
    page = _page(store, limit=5000, max_bytes=10_000_000)
    assert len(page["logs"]) == 5000 and page["next_cursor"] is not None  # type: ignore[arg-type]
    page = _page(store, limit=5001, max_bytes=10_000_000)
    assert len(page["logs"]) == 5001 and page["next_cursor"] is None  # type: ignore[arg-type]
    store.close()


def test_lambda_sizes_count_re_escaping(new_store: NewStore) -> None:
    assert lambda_size(b'{"a":"\\""}') > len(b'{"a":"\\""}')
    store = _store(new_store, ['"' * 1000 + "é" * 500 for _ in range(50)])
    page = _page(store, limit=50, max_bytes=30_000, lambda_mode=True)
    assert lambda_size(orjson.dumps(page)) <= 30_000
    assert page["next_cursor"] is not None
    store.close()


def test_stats_at_the_edges_of_time(new_store: NewStore) -> None:
    store = new_store()
    lo, _ = parse_timestamp("0001-01-01T00:00:00")
    hi, _ = parse_timestamp("9999-12-31", end_of_day=True)
    store.insert([(lo, render(lo), "INFO", "first"), (hi, render(hi, True), "INFO", "last")])
    result = store.stats(Query(), start=lo, end=hi, buckets=500)
    assert result.total == 2
    assert result.buckets[0].counts == {"INFO": 1} and result.buckets[-1].counts == {"INFO": 1}
    assert all(b.end <= hi + 1 for b in result.buckets)
    store.close()


def test_concurrent_writers_keep_the_count(tmp_path: Path) -> None:
    import threading

    store = Store(tmp_path / "c.db")
    base = 1_700_000_000_000_000

    def write(k: int) -> None:
        for j in range(20):
            store.insert([(base + k * 10_000 + j * 100 + i, render(base), "INFO", "m") for i in range(100)])

    def read() -> None:
        for _ in range(50):
            rows = store.page_rows(Query(), limit=100).fetchall()
            assert len(rows) <= 101

    threads = [threading.Thread(target=write, args=(k,)) for k in range(4)]
    threads += [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.count() == 4 * 20 * 100
    with sqlite3.connect(tmp_path / "c.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM logs").fetchone()[0] == 8000
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        index = conn.execute("PRAGMA index_info(logs_ts_id)").fetchall()
        assert [c[2] for c in index] == ["ts", "id"]
    store.close()


def test_database_url_settings_and_masking() -> None:
    from log_analyzer.settings import Settings, SettingsError
    from log_analyzer.store.location import mask_url, scrub

    url = "postgres://app:s%40cret@db.internal:5432/logs?sslmode=require"
    settings = Settings.from_env({"LOG_ANALYZER_DATABASE_URL": url, "LOG_ANALYZER_DB_POOL_SIZE": "4"})
    assert settings.database_url == url and settings.db_pool_size == 4
    assert settings.store_name == "postgres://app:***@db.internal:5432/logs?sslmode=require"
    assert mask_url("postgresql://app@db/logs") == "postgresql://app@db/logs"  # no password, nothing to hide
    assert scrub("auth failed for s@cret and s%40cret", url) == "auth failed for *** and ***"
    for env, fragment in [
        ({"LOG_ANALYZER_DATABASE_URL": url, "LOG_ANALYZER_DB": "x.db"}, "both set"),
        ({"LOG_ANALYZER_DATABASE_URL": "mysql://u:pw@h/db"}, "must start with postgresql://"),
        ({"LOG_ANALYZER_DATABASE_URL": "postgresql://u:pw@h:99999/db"}, "is not a valid URL"),
        ({"LOG_ANALYZER_DATABASE_URL": url, "LOG_ANALYZER_DB_POOL_SIZE": "0"}, "must be at least 1"),
        (
            {"LOG_ANALYZER_DATABASE_URL": url, "LOG_ANALYZER_DB_STATEMENT_TIMEOUT_SECONDS": "soon"},
            "not a number",
        ),
    ]:
        with pytest.raises(SettingsError) as err:
            Settings.from_env(env)
        assert fragment in str(err.value) and "pw@" not in str(err.value) and "s%40cret" not in str(err.value)
    with pytest.raises(SettingsError, match="--db"):
        settings.with_db("other.db")
