from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logtui.core.errors import LogtuiError
from logtui.core.timerange import (
    PRESETS,
    TimeParseError,
    TimeWindow,
    format_ts,
    parse_time,
    parse_ts,
    parse_window,
    preset_window,
)

NOW = datetime(2024, 5, 10, 12, 30, 15, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc, arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-04-23T10:00:00", utc(2023, 4, 23, 10, 0, 0)),
        ("2023-04-23 10:00", utc(2023, 4, 23, 10, 0)),
        ("2023-04-23T10:00:00Z", utc(2023, 4, 23, 10, 0)),
        ("2023-04-23T10:00:00.250000", datetime(2023, 4, 23, 10, 0, 0, 250000, tzinfo=UTC)),
        ("2023-04-23T12:00:00+02:00", utc(2023, 4, 23, 10, 0)),
        ("2023-04-23T05:00:00-05:00", utc(2023, 4, 23, 10, 0)),
        ("  2023-04-23T10:00  ", utc(2023, 4, 23, 10, 0)),
        ("2023-04-23", utc(2023, 4, 23)),
        ("now", NOW),
        ("NOW", NOW),
        ("now-15m", NOW - timedelta(minutes=15)),
        ("now - 15m", NOW - timedelta(minutes=15)),
        ("now+1h", NOW + timedelta(hours=1)),
        ("-2h", NOW - timedelta(hours=2)),
        ("15m", NOW - timedelta(minutes=15)),
        ("+1d", NOW + timedelta(days=1)),
        ("30s", NOW - timedelta(seconds=30)),
        ("1w", NOW - timedelta(weeks=1)),
        ("now-1h30m", NOW - timedelta(hours=1, minutes=30)),
        ("-2 hours", NOW - timedelta(hours=2)),
        ("today", utc(2024, 5, 10)),
        ("yesterday", utc(2024, 5, 9)),
    ],
)
def test_parse_time_as_start(text: str, expected: datetime) -> None:
    got = parse_time(text, now=NOW)
    assert got == expected
    assert got.tzinfo is UTC


def test_day_alone_as_end_is_its_last_instant() -> None:
    last = datetime(2023, 4, 23, 23, 59, 59, 999999, tzinfo=UTC)
    assert parse_time("2023-04-23", now=NOW, end=True) == last
    assert parse_time("today", now=NOW, end=True) == datetime(2024, 5, 10, 23, 59, 59, 999999, tzinfo=UTC)
    assert parse_time("yesterday", now=NOW, end=True) == datetime(2024, 5, 9, 23, 59, 59, 999999, tzinfo=UTC)
    # A time given explicitly is taken as typed, also as an end.
    assert parse_time("2023-04-23T10:00", now=NOW, end=True) == utc(2023, 4, 23, 10, 0)
    assert parse_time("now-1h", now=NOW, end=True) == NOW - timedelta(hours=1)


def test_now_may_be_given_in_any_zone() -> None:
    cest = timezone(timedelta(hours=2))
    assert parse_time("now", now=NOW.astimezone(cest)) == NOW
    assert parse_time("today", now=datetime(2024, 5, 10, 1, 0, tzinfo=cest)) == utc(2024, 5, 9)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("foo", "'foo' is not a time"),
        ("", "empty"),
        ("   ", "empty"),
        ("2023-13-01", "is not a date"),
        ("2023-04-23T25:00", "is not a time"),
        ("now15m", "needs a sign"),
        ("now-15x", "'x' in 'now-15x' is not a unit"),
        ("-3 fortnights", "is not a unit"),
        ("now-99999999999999d", "too far"),
        ("10", "is not a time"),
        ("tomorrow", "is not a time"),
    ],
)
def test_parse_time_errors_say_what_is_wrong_and_accepted(text: str, says: str) -> None:
    with pytest.raises(TimeParseError) as info:
        parse_time(text, now=NOW)
    err = info.value
    assert says in str(err)
    assert isinstance(err, ValueError) and isinstance(err, LogtuiError)
    assert err.title and err.hint


def test_error_message_lists_the_accepted_forms() -> None:
    with pytest.raises(TimeParseError) as info:
        parse_time("foo", now=NOW)
    assert str(info.value) == (
        "'foo' is not a time: use an ISO date/time (2023-04-23T10:00), a date (2023-04-23), now, "
        "now-15m, -2h, 15m, today or yesterday"
    )


def test_parse_window() -> None:
    w = parse_window("2023-04-23", "2023-04-23", now=NOW)
    assert w == TimeWindow(utc(2023, 4, 23), datetime(2023, 4, 23, 23, 59, 59, 999999, tzinfo=UTC))
    assert parse_window("", None, now=NOW) == TimeWindow(None, None)
    assert parse_window("-1h", "  ", now=NOW) == TimeWindow(NOW - timedelta(hours=1), None)


def test_parse_window_marks_the_bad_field() -> None:
    with pytest.raises(TimeParseError) as info:
        parse_window("bogus", "now", now=NOW)
    assert info.value.field == "start"
    with pytest.raises(TimeParseError) as info:
        parse_window("now", "bogus", now=NOW)
    assert info.value.field == "end"
    with pytest.raises(TimeParseError) as info:
        parse_window("now", "-1h", now=NOW)
    assert info.value.field == "end"
    assert "before the start" in str(info.value)


def test_window_width_and_stepping() -> None:
    w = TimeWindow(utc(2023, 4, 23, 10), utc(2023, 4, 23, 11))
    assert w.width == timedelta(hours=1)
    assert w.shifted(-1) == TimeWindow(utc(2023, 4, 23, 9), utc(2023, 4, 23, 10))
    assert w.shifted(+1) == TimeWindow(utc(2023, 4, 23, 11), utc(2023, 4, 23, 12))
    assert w.shifted(+1).shifted(-1) == w
    assert w.shifted(2).start == utc(2023, 4, 23, 12)
    open_ended = TimeWindow(utc(2023, 4, 23, 10), None)
    assert open_ended.width is None
    assert open_ended.shifted(1) == open_ended
    assert not open_ended.bounded and w.bounded


def test_window_normalises_zones_and_rejects_reversed_ends() -> None:
    cest = timezone(timedelta(hours=2))
    assert TimeWindow(datetime(2023, 4, 23, 12, tzinfo=cest), None).start == utc(2023, 4, 23, 10)
    assert TimeWindow(datetime(2023, 4, 23, 10), None).start == utc(2023, 4, 23, 10)
    with pytest.raises(ValueError):
        TimeWindow(utc(2023, 4, 23, 11), utc(2023, 4, 23, 10))


def test_window_params_use_the_wire_format() -> None:
    w = TimeWindow(utc(2023, 4, 23, 10), datetime(2023, 4, 23, 23, 59, 59, 999999, tzinfo=UTC))
    assert w.to_params() == {"start_time": "2023-04-23T10:00:00", "end_time": "2023-04-23T23:59:59.999999"}
    assert TimeWindow(None, utc(2023, 4, 23)).to_params() == {"end_time": "2023-04-23T00:00:00"}
    assert TimeWindow().to_params() == {}


def test_window_contains_both_ends() -> None:
    w = TimeWindow(utc(2023, 4, 23, 10), utc(2023, 4, 23, 11))
    assert w.contains(utc(2023, 4, 23, 10)) and w.contains(utc(2023, 4, 23, 11))
    assert not w.contains(utc(2023, 4, 23, 11, 0, 1))
    assert TimeWindow().contains(utc(1999, 1, 1))


def test_label() -> None:
    assert (
        TimeWindow(utc(2023, 4, 23, 10), utc(2023, 4, 23, 10, 22)).label() == "2023-04-23 10:00:00 → 10:22:00"
    )
    assert TimeWindow(utc(2023, 4, 23, 10), None).label() == "2023-04-23 10:00:00 → latest"
    assert TimeWindow(None, utc(2023, 4, 24)).label() == "beginning → 2023-04-24 00:00:00"
    extremes = TimeWindow(utc(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC))
    assert extremes.label() == "0001-01-01 00:00:00 → 9999-12-31 23:59:59"


def test_presets() -> None:
    assert list(PRESETS) == ["15m", "1h", "6h", "24h", "7d", "all"]
    assert preset_window("15m", NOW) == TimeWindow(NOW - timedelta(minutes=15), NOW)
    assert preset_window("7d", NOW).width == timedelta(days=7)
    assert preset_window("all", NOW) == TimeWindow(None, None)
    with pytest.raises(ValueError, match="presets are 15m, 1h"):
        preset_window("2y", NOW)


def test_preset_windows_are_whole_seconds_and_keep_this_second() -> None:
    now = NOW.replace(microsecond=429_546)
    window = preset_window("1h", now)
    assert window.end == NOW + timedelta(seconds=1)
    assert window.start == window.end - timedelta(hours=1)
    assert window.contains(now)
    assert format_ts(window.start) == "2024-05-10T11:30:16"


def test_format_and_parse_ts_round_trip() -> None:
    assert format_ts(utc(2023, 4, 23, 10)) == "2023-04-23T10:00:00"
    assert format_ts(datetime(2023, 4, 23, 10, 0, 0, 5, tzinfo=UTC)) == "2023-04-23T10:00:00.000005"
    assert format_ts(datetime(2023, 4, 23, 12, tzinfo=timezone(timedelta(hours=2)))) == "2023-04-23T10:00:00"
    for s in ("2023-04-23T10:00:00", "2023-04-23T10:00:00.123456"):
        assert format_ts(parse_ts(s)) == s
    assert parse_ts("2023-04-23T10:00:00") == utc(2023, 4, 23, 10)


@settings(max_examples=300, deadline=None)
@given(
    dt=st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9998, 12, 30), timezones=st.just(UTC)),
    offset_minutes=st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_any_instant_survives_the_wire_format_and_typing_it_back(dt: datetime, offset_minutes: int) -> None:
    assert parse_ts(format_ts(dt)) == dt
    assert parse_time(format_ts(dt), now=NOW) == dt
    typed_with_offset = dt.astimezone(timezone(timedelta(minutes=offset_minutes))).isoformat()
    assert parse_time(typed_with_offset, now=NOW) == dt


@given(
    start=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    width=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=400)),
    steps=st.integers(min_value=-5, max_value=5),
)
def test_stepping_keeps_the_width_and_is_reversible(start: datetime, width: timedelta, steps: int) -> None:
    w = TimeWindow(start, start + width)
    moved = w.shifted(steps)
    assert moved.width == width
    assert moved.shifted(-steps) == w


def test_both_ends_turns_open_ends_into_instants_for_the_original_service() -> None:
    assert TimeWindow().to_params() == {}
    assert TimeWindow().to_params(both_ends=True) == {
        "start_time": "1970-01-01T00:00:00",
        "end_time": "9999-12-31T23:59:59",
    }
    start = datetime(2023, 4, 23, 10, 0, tzinfo=UTC)
    assert TimeWindow(start, None).to_params(both_ends=True) == {
        "start_time": "2023-04-23T10:00:00",
        "end_time": "9999-12-31T23:59:59",
    }
