"""The display zone: converting, formatting and reading typed times in UTC, an IANA zone and "local".

Zones are fixed by the test (IANA names, or TZ for "local"), never the machine's own.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logtui.core.display_zone import DisplayZone, ZoneSettingError
from logtui.core.timerange import TimeParseError, TimeWindow, parse_time, parse_window

PARIS = DisplayZone.from_setting("Europe/Paris")
KOLKATA = DisplayZone.from_setting("Asia/Kolkata")
UTC_Z = DisplayZone.from_setting("UTC")
LOCAL = DisplayZone.from_setting("local")
NOW = datetime(2024, 5, 10, 23, 30, 15, tzinfo=UTC)  # already 11 May in Paris (CEST, UTC+2)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc, arg-type]


def test_settings_accept_utc_local_and_iana_names_in_any_case_and_refuse_the_rest() -> None:
    assert DisplayZone.from_setting("utc") == UTC_Z and UTC_Z.is_utc
    assert DisplayZone.from_setting(" LOCAL ").is_local
    assert PARIS.name == "Europe/Paris"
    for bad in ("Mars/Olympus", "", "Europe", "../etc/passwd", "/etc/localtime"):
        with pytest.raises(ZoneSettingError, match="UTC"):
            DisplayZone.from_setting(bad)
        with pytest.raises(ZoneSettingError, match="UTC"):
            DisplayZone(bad)
    # Made directly, a zone is the same as from the setting (never silently the machine's local zone).
    assert DisplayZone("Europe/Paris").format_wire("2023-04-23T10:00:00") == "2023-04-23T12:00:00"


def test_toggle_goes_between_utc_and_the_configured_zone_or_local() -> None:
    assert UTC_Z.toggled(PARIS) == PARIS
    assert PARIS.toggled(PARIS) == UTC_Z
    assert UTC_Z.toggled(UTC_Z) == LOCAL
    assert LOCAL.toggled(UTC_Z) == UTC_Z


def test_wire_timestamps_are_rewritten_in_the_zone_with_the_same_shape() -> None:
    assert PARIS.format_wire("2023-04-23T10:00:00") == "2023-04-23T12:00:00"
    assert PARIS.format_wire("2023-04-23T10:00:00.250000") == "2023-04-23T12:00:00.250000"
    assert PARIS.format_wire("2023-01-23 10:00:00.123") == "2023-01-23 11:00:00.123"
    assert KOLKATA.format_wire("2023-04-23T23:45:00Z") == "2023-04-24T05:15:00"
    assert PARIS.format_wire("2023-04-23T10:00:00.5") == "2023-04-23T12:00:00.5"
    # Same length as sent, so rows with and without microseconds stay aligned as in UTC.
    for ts in ("2023-04-23T10:00:00", "2023-04-23T10:00:00.000001", "2023-04-23T10:00:00.12"):
        assert len(PARIS.format_wire(ts)) == len(ts)
    # UTC display and unparseable text: exactly what the service sent.
    assert UTC_Z.format_wire("2023-04-23T10:00:00.5") == "2023-04-23T10:00:00.5"
    assert PARIS.format_wire("yesterday-ish") == "yesterday-ish"


def test_instants_a_zone_cannot_hold_stay_in_utc() -> None:
    assert KOLKATA.format_wire("9999-12-31T23:00:00") == "9999-12-31T23:00:00"
    assert KOLKATA.localize(datetime.max.replace(tzinfo=UTC)).tzinfo is UTC
    # In the inputs such an instant carries its offset, so it still reads back as itself.
    last = datetime.max.replace(microsecond=0, tzinfo=UTC)
    assert KOLKATA.format_input(last) == "9999-12-31T23:59:59+00:00"
    assert parse_time(KOLKATA.format_input(last), now=NOW, zone=KOLKATA) == last
    assert KOLKATA.format_input(datetime(2023, 4, 23, 10)) == "2023-04-23T15:30:00"  # naive = UTC


def test_inputs_round_trip_and_repeated_hours_carry_their_offset() -> None:
    moment = utc(2023, 4, 23, 10, 0, 0)
    assert PARIS.format_input(moment) == "2023-04-23T12:00:00"
    assert UTC_Z.format_input(moment) == "2023-04-23T10:00:00"
    # 29 Oct 2023, Paris: 02:30 happens twice (CEST, then CET). The second one must say which it is.
    first, second = utc(2023, 10, 29, 0, 30), utc(2023, 10, 29, 1, 30)
    assert PARIS.format_input(first) == "2023-10-29T02:30:00"
    assert PARIS.format_input(second) == "2023-10-29T02:30:00+01:00"
    for moment in (first, second):
        assert parse_time(PARIS.format_input(moment), now=NOW, zone=PARIS) == moment


@given(st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2200, 1, 1)))
def test_any_instant_shown_in_the_inputs_reads_back_as_itself(naive: datetime) -> None:
    moment = naive.replace(tzinfo=UTC)
    for zone in (PARIS, KOLKATA, UTC_Z):
        assert parse_time(zone.format_input(moment), now=NOW, zone=zone) == moment


def test_typed_times_without_an_offset_are_read_in_the_zone() -> None:
    assert parse_time("2023-04-23T12:00", now=NOW, zone=PARIS) == utc(2023, 4, 23, 10, 0)
    assert parse_time("2023-01-23 12:00", now=NOW, zone=PARIS) == utc(2023, 1, 23, 11, 0)
    # An offset wins over the zone; "now" and relative times are the same instant everywhere.
    assert parse_time("2023-04-23T12:00Z", now=NOW, zone=PARIS) == utc(2023, 4, 23, 12, 0)
    assert parse_time("now-15m", now=NOW, zone=PARIS) == NOW - timedelta(minutes=15)
    # A day is the zone's day: 23 April in Paris starts at 22:00 UTC the day before.
    assert parse_time("2023-04-23", now=NOW, zone=PARIS) == utc(2023, 4, 22, 22, 0)
    assert parse_time("2023-04-23", now=NOW, zone=PARIS, end=True) == datetime(
        2023, 4, 23, 21, 59, 59, 999999, tzinfo=UTC
    )
    # At 23:30 UTC on 10 May it is already 11 May in Paris.
    assert parse_time("today", now=NOW, zone=PARIS) == utc(2024, 5, 10, 22, 0)
    assert parse_time("yesterday", now=NOW, zone=UTC_Z) == utc(2024, 5, 9)


def test_a_time_a_zone_cannot_reach_is_a_clear_error_on_its_field() -> None:
    with pytest.raises(TimeParseError, match="out of range") as info:
        parse_window("0001-01-01T00:00", None, now=NOW, zone=KOLKATA)
    assert info.value.field == "start"


def test_an_end_before_the_start_is_reported_in_the_zone_typed() -> None:
    with pytest.raises(TimeParseError, match=r"end \(2023-04-23T11:00:00\) is before the start"):
        parse_window("2023-04-23T12:00", "2023-04-23T11:00", now=NOW, zone=PARIS)


def test_window_labels_are_in_the_zone() -> None:
    window = TimeWindow(utc(2023, 4, 23, 10, 0), utc(2023, 4, 23, 10, 22))
    assert window.label() == "2023-04-23 10:00:00 → 10:22:00"
    assert window.label(PARIS) == "2023-04-23 12:00:00 → 12:22:00"
    late = TimeWindow(utc(2023, 4, 23, 21, 0), utc(2023, 4, 23, 23, 0))
    assert late.label(PARIS) == "2023-04-23 23:00:00 → 2023-04-24 01:00:00"
    assert TimeWindow(utc(2023, 4, 23, 21, 0), None).label(PARIS) == "2023-04-23 23:00:00 → latest"


def test_range_bar_label_names_the_zone() -> None:
    assert UTC_Z.label(NOW) == "UTC"
    assert PARIS.label(NOW) == "Europe/Paris"
    assert PARIS.abbreviation(NOW) == "CEST"
    assert PARIS.abbreviation(utc(2024, 1, 10)) == "CET"


@pytest.mark.usefixtures("local_is_new_york")
def test_local_follows_the_systems_zone_and_its_summer_time() -> None:
    assert LOCAL.label(NOW) == "local (EDT)"
    assert LOCAL.label(utc(2024, 1, 10)) == "local (EST)"
    assert LOCAL.format_wire("2024-05-10T12:00:00") == "2024-05-10T08:00:00"
    assert LOCAL.format_wire("2024-01-10T12:00:00") == "2024-01-10T07:00:00"
    assert parse_time("2024-01-10T07:00", now=NOW, zone=LOCAL) == utc(2024, 1, 10, 12, 0)
    assert parse_time("2024-05-10", now=NOW, zone=LOCAL) == utc(2024, 5, 10, 4, 0)
    # 3 Nov 2024, New York: 01:30 happens twice; the second keeps its offset and reads back.
    second = utc(2024, 11, 3, 6, 30)
    assert LOCAL.format_input(second) == "2024-11-03T01:30:00-05:00"
    assert parse_time(LOCAL.format_input(second), now=NOW, zone=LOCAL) == second
