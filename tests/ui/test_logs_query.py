"""The logs screen's pure pieces (no Textual): the window a stepped query asks for, and the histogram counted
from records for a target without /stats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from log_analyzer.record import LogRecord

from logtui.core.timerange import TimeWindow
from logtui.ui.screens.logs_query import LogQuery, stats_from_records

T0 = datetime(2023, 4, 23, 10, 0, tzinfo=UTC)


def rec(minute: int, tag: str = "INFO") -> LogRecord:
    return LogRecord(f"2023-04-23T10:{minute:02d}:00", tag, "m")


def test_a_stepped_query_leaves_out_its_end_and_says_so() -> None:
    window = TimeWindow(T0, T0 + timedelta(minutes=15))
    plain = LogQuery(window)
    assert plain.request_window == window
    stepped = plain.with_window(window, end_excluded=True)
    assert stepped.request_window == TimeWindow(T0, T0 + timedelta(minutes=15, microseconds=-1))
    assert stepped.label().endswith("(end excluded)")
    assert stepped.with_window(window).request_window == window  # a new window is whole again
    open_end = stepped.with_window(TimeWindow(T0, None), end_excluded=True)
    assert open_end.request_window == TimeWindow(T0, None)


def test_counted_stats_put_every_record_in_a_bucket_inside_the_window() -> None:
    records = [rec(0), rec(1, "ERROR"), rec(10), rec(22, "WARN")]
    stats = stats_from_records(records, TimeWindow(T0, T0 + timedelta(minutes=22)), buckets=11)
    assert stats is not None and stats.counted_here
    assert stats.total == 4 and stats.tags == {"INFO": 2, "ERROR": 1, "WARN": 1}
    assert len(stats.buckets) == 11
    assert stats.buckets[0].counts == {"INFO": 1, "ERROR": 1}
    assert stats.buckets[-1].counts == {"WARN": 1}
    assert stats.buckets[-1].end == T0 + timedelta(minutes=22)  # exactly the window's end
    assert sum(b.total for b in stats.buckets) == 4


def test_counted_stats_of_an_open_window_span_the_records() -> None:
    stats = stats_from_records([rec(5), rec(7)], TimeWindow(), buckets=60)
    assert stats is not None and stats.window == TimeWindow(
        T0 + timedelta(minutes=5), T0 + timedelta(minutes=7)
    )
    single = stats_from_records([rec(5)], TimeWindow(), buckets=60)
    assert single is not None and single.total == 1 and sum(b.total for b in single.buckets) == 1


def test_no_records_or_unreadable_timestamps() -> None:
    empty = stats_from_records([], TimeWindow(), buckets=60)
    assert empty is not None and empty.total == 0 and empty.buckets == ()
    odd = [LogRecord("23/Apr/2023:10:00:00", "INFO", "apache style")]
    assert stats_from_records(odd, TimeWindow(), buckets=60) is None
