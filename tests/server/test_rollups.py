"""/stats from rollups equals a GROUP BY over the raw rows, after any sequence of inserts and prunes.

Runs on both backends against real stores. Timestamps cluster around minute, hour, day and 32-day slot edges
(and before 1970, where floor and truncating division differ), so whole slots, partial edges and the end
instant of a window are all exercised.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from log_analyzer.store import LogStore, Query
from log_analyzer.store.common import LEVELS, bucket_width
from log_analyzer.timefmt import render

from tests.server.conftest import NewStore

BASE = 1_700_006_400_000_000  # a 32-day slot edge
UNITS = (1, 1_000_000, *LEVELS)
TAGS = ("INFO", "info", "Warn", "ERROR", "debug")

offsets = st.builds(
    lambda k, unit, jitter: k * unit + jitter,
    st.integers(-40, 40),
    st.sampled_from(UNITS),
    st.integers(-2, 2),
)
stamps = offsets.map(lambda o: BASE + o) | offsets.map(lambda o: -BASE // 1000 + o)
records = st.lists(st.tuples(stamps, st.sampled_from(TAGS)), min_size=1, max_size=40)
operations = st.lists(
    st.one_of(st.tuples(st.just("insert"), records), st.tuples(st.just("prune"), stamps)),
    min_size=1,
    max_size=6,
)
windows = st.lists(
    st.tuples(
        stamps, stamps, st.integers(1, 70) | st.just(500), st.sampled_from([(), ("INFO",), ("WARN", "ERROR")])
    ),
    min_size=1,
    max_size=4,
)


def reference(store: LogStore, start: int, end: int, buckets: int, tags: tuple[str, ...]) -> dict[str, Any]:
    """The plain GROUP BY over the rows, with the old (pre-rollup) bucketing."""
    width = bucket_width(start, end, buckets)
    sql = "SELECT ts, upper(tag) FROM logs WHERE ts >= {p} AND ts <= {p}"
    if store.backend == "sqlite":
        with sqlite3.connect(store.path) as conn:  # type: ignore[attr-defined]
            rows = conn.execute(sql.format(p="?"), (start, end)).fetchall()
    else:
        with psycopg.connect(store._url) as conn:  # type: ignore[attr-defined]  # the test's own database
            rows = conn.execute(sql.format(p="%s").encode(), (start, end)).fetchall()
    per_bucket: list[dict[str, int]] = [{} for _ in range(buckets)]
    totals: dict[str, int] = {}
    for ts, tag in rows:
        if tags and tag not in tags:
            continue
        counts = per_bucket[min((ts - start) // width, buckets - 1)]
        counts[tag] = counts.get(tag, 0) + 1
        totals[tag] = totals.get(tag, 0) + 1
    return {"total": sum(totals.values()), "tags": totals, "buckets": per_bucket}


@pytest.fixture
def store(new_store: NewStore) -> LogStore:
    return new_store()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations, checks=windows)
def test_stats_equal_a_group_by_over_the_rows(store: LogStore, ops: list[Any], checks: list[Any]) -> None:
    # the store carries over between examples: every example continues some longer history
    for kind, arg in ops:
        if kind == "insert":
            store.insert([(ts, render(ts), tag, f"m{ts}") for ts, tag in arg])
        else:
            store.prune_before(arg)
    for a, b, buckets, tags in checks:
        start, end = min(a, b), max(a, b)
        got = store.stats(Query(tags=tags), start=start, end=end, buckets=buckets)
        want = reference(store, start, end, buckets, tags)
        assert got.total == want["total"]
        assert got.tags == want["tags"]
        assert [b.counts for b in got.buckets] == want["buckets"]
    everything = reference(store, -(2**62), 2**62, 1, ())
    assert store.bounds().records == everything["total"]
