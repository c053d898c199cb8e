from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from log_analyzer.record import LogRecord

from logtui.core.client import LogClient
from logtui.core.errors import ServerFailed
from logtui.core.follow import MAX_BACKOFF, Backoff, FollowCursor, poll_new_records
from logtui.core.timerange import TimeWindow
from tests.core.tiny_http import Reply, http_server
from tests.helpers import ServerProcess


def rec(ts: str, msg: str, tag: str = "INFO") -> LogRecord:
    return LogRecord(f"2024-01-01T{ts}", tag, msg)


T10 = datetime(2024, 1, 1, 10, 0, tzinfo=UTC)


# --- pure logic --------------------------------------------------------------------------------------------


def test_cursor_from_shown_records_counts_the_shared_last_timestamp() -> None:
    cursor = FollowCursor.from_records([rec("09:59:00", "a"), rec("10:00:00", "b"), rec("10:00:00", "c")])
    assert cursor.last_timestamp == T10
    assert cursor.shown_at_last == 2
    assert cursor.next_window() == TimeWindow(T10, None)


def test_empty_view_polls_from_since() -> None:
    cursor = FollowCursor.from_records([], since=T10)
    assert cursor.last_timestamp is None
    assert cursor.next_window() == TimeWindow(T10, None)
    assert FollowCursor().next_window() == TimeWindow(None, None)
    assert cursor.accept([rec("10:00:00", "a")]) == [rec("10:00:00", "a")]


def test_accept_drops_the_already_shown_records_at_the_last_timestamp() -> None:
    cursor = FollowCursor.from_records([rec("10:00:00", "b"), rec("10:00:00", "c")])
    cursor.next_window()
    answer = [rec("10:00:00", "b"), rec("10:00:00", "c"), rec("10:00:00", "d"), rec("10:00:01", "e")]
    assert cursor.accept(answer) == [rec("10:00:00", "d"), rec("10:00:01", "e")]
    assert cursor.last_timestamp == datetime(2024, 1, 1, 10, 0, 1, tzinfo=UTC)
    assert cursor.shown_at_last == 1


def test_accept_drops_records_older_than_the_poll_asked_for() -> None:
    # A service that ignores start_time sends everything again: the older records are not new.
    cursor = FollowCursor.from_records([rec("09:59:00", "a"), rec("10:00:00", "b")])
    cursor.next_window()
    answer = [rec("09:58:00", "old"), rec("09:59:00", "a"), rec("10:00:00", "b"), rec("10:01:00", "new")]
    assert [r.message for r in cursor.accept(answer)] == ["new"]
    cursor.next_window()
    assert cursor.accept([*answer, rec("10:02:00", "newer")]) == [rec("10:02:00", "newer")]


def test_new_records_at_the_same_timestamp_add_to_the_count() -> None:
    cursor = FollowCursor.from_records([rec("10:00:00", "a")])
    cursor.next_window()
    assert cursor.accept([rec("10:00:00", "a"), rec("10:00:00", "b")]) == [rec("10:00:00", "b")]
    assert cursor.shown_at_last == 2
    cursor.next_window()
    assert cursor.accept([rec("10:00:00", "a"), rec("10:00:00", "b")]) == []
    cursor.next_window()
    got = cursor.accept([rec("10:00:00", "a"), rec("10:00:00", "b"), rec("10:00:00", "c")])
    assert got == [rec("10:00:00", "c")]
    assert cursor.shown_at_last == 3


def test_skip_spans_pages_of_one_poll_but_not_the_next_page_of_new_records() -> None:
    cursor = FollowCursor.from_records([rec("10:00:00", "a"), rec("10:00:00", "b"), rec("10:00:00", "c")])
    cursor.next_window()
    # The poll's answer comes in pages of two: the three shown records are split across pages.
    assert cursor.accept([rec("10:00:00", "a"), rec("10:00:00", "b")]) == []
    assert cursor.accept([rec("10:00:00", "c"), rec("10:00:00", "d")]) == [rec("10:00:00", "d")]
    # A further page continuing at the same timestamp holds only new records: nothing may be dropped.
    assert cursor.accept([rec("10:00:00", "e"), rec("10:00:00", "f")]) == [
        rec("10:00:00", "e"),
        rec("10:00:00", "f"),
    ]
    assert cursor.shown_at_last == 6


def test_equal_instants_in_other_spellings_count_as_shared() -> None:
    cursor = FollowCursor.from_records([LogRecord("2024-01-01T10:00:00", "INFO", "a")])
    cursor.next_window()
    assert cursor.accept([LogRecord("2024-01-01T10:00:00.000000", "INFO", "a")]) == []


def test_an_unreadable_timestamp_is_a_bad_response_not_a_crash() -> None:
    from logtui.core.errors import BadResponse

    with pytest.raises(BadResponse) as info:
        FollowCursor.from_records([LogRecord("yesterday-ish", "INFO", "m")])
    assert "'yesterday-ish'" in info.value.title and info.value.hint


def test_backoff_doubles_to_the_cap_and_resets() -> None:
    b = Backoff(base=2.0)
    assert b.delay == 2.0
    assert [b.failed() for _ in range(7)] == [4.0, 8.0, 16.0, 32.0, MAX_BACKOFF, MAX_BACKOFF, MAX_BACKOFF]
    assert b.succeeded() == 2.0
    assert b.delay == 2.0 and b.failures == 0
    slow = Backoff(base=90.0)  # a base above the cap is kept as is
    assert slow.failed() == 90.0
    assert Backoff(base=1.0, cap=5.0).failed() == 2.0


# --- against a real server ---------------------------------------------------------------------------------


async def test_follow_shows_each_record_once_with_equal_timestamps(
    server_factory: Callable[..., ServerProcess],
) -> None:
    server = server_factory()
    async with LogClient(server.url) as client:
        await client.post_logs([rec("10:00:00", "first"), rec("10:00:00", "second")])
        cursor = FollowCursor()
        shown = await poll_new_records(client, cursor)
        assert [r.message for r in shown] == ["first", "second"]

        # Nothing new: the poll overlaps the last timestamp but must not repeat it.
        assert await poll_new_records(client, cursor) == []

        # More records at the very same timestamp, then later ones.
        await client.post_logs([rec("10:00:00", "third"), rec("10:00:01", "fourth")])
        got = await poll_new_records(client, cursor)
        assert [r.message for r in got] == ["third", "fourth"]
        shown += got

        await client.post_logs([rec("10:00:01", "fifth"), rec("10:00:01", "sixth")])
        await client.post_logs([rec("10:00:01", "seventh")])
        got = await poll_new_records(client, cursor)
        shown += got
        assert [r.message for r in got] == ["fifth", "sixth", "seventh"]
        assert await poll_new_records(client, cursor) == []

        # Everything the server holds was shown exactly once, in order.
        everything = [r async for page in client.iter_pages(TimeWindow()) for r in page.records]
        assert shown == everything


async def test_follow_burst_across_pages_and_the_max_records_cap(
    server_factory: Callable[..., ServerProcess],
) -> None:
    server = server_factory()
    async with LogClient(server.url) as client:
        await client.post_logs([rec("10:00:00", "seen")])
        cursor = FollowCursor.from_records([rec("10:00:00", "seen")])
        # 250 records sharing one timestamp: pages of 100 split them, the skip must not eat any.
        burst = [rec("10:00:00", f"b{i}") for i in range(250)] + [rec("10:00:05", f"c{i}") for i in range(50)]
        await client.post_logs(burst)
        first = await poll_new_records(client, cursor, page_size=100, max_records=150)
        assert 150 <= len(first) < 300
        rest = await poll_new_records(client, cursor, page_size=100)
        assert first + rest == burst


async def test_follow_respects_filters(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory()
    async with LogClient(server.url) as client:
        await client.post_logs([rec("10:00:00", "e1", "ERROR"), rec("10:00:00", "i1")])
        cursor = FollowCursor()
        assert [r.message for r in await poll_new_records(client, cursor, tags=["ERROR"])] == ["e1"]
        await client.post_logs([rec("10:00:00", "e2", "ERROR"), rec("10:00:00", "i2")])
        assert [r.message for r in await poll_new_records(client, cursor, tags=["ERROR"])] == ["e2"]


async def test_a_poll_failing_part_way_leaves_the_cursor_as_it_was() -> None:
    first = {"timestamp": "2024-01-01T10:00:01", "tag": "INFO", "message": "page one"}
    fail = True

    def logs(method: str, path: str, query: dict[str, list[str]]) -> Reply:
        if "cursor" not in query:
            return 200, "application/json", json.dumps({"logs": [first], "next_cursor": "c2"}).encode()
        if fail:
            return 503, "application/json", b'{"detail": "try later"}'
        return 200, "application/json", b'{"logs": [], "next_cursor": null}'

    cursor = FollowCursor.from_records([rec("10:00:00", "shown")])
    with http_server({"/logs": logs}) as url:
        async with LogClient(url) as client:
            with pytest.raises(ServerFailed):
                await poll_new_records(client, cursor)
            assert (cursor.last_timestamp, cursor.shown_at_last) == (T10, 1)
            fail = False
            assert [r.message for r in await poll_new_records(client, cursor)] == ["page one"]
    assert cursor.last_timestamp == datetime(2024, 1, 1, 10, 0, 1, tzinfo=UTC)


@pytest.mark.parametrize("base", [0.5, 2.0])
def test_backoff_never_goes_below_base(base: float) -> None:
    b = Backoff(base=base)
    for _ in range(20):
        assert base <= b.failed() <= max(base, MAX_BACKOFF)


# --- property: whatever the arrival pattern and page size, each record is shown once -----------------------


@settings(max_examples=300, deadline=None)
@given(
    batches=st.lists(st.lists(st.integers(min_value=0, max_value=3), max_size=8), max_size=10),
    page_size=st.integers(min_value=1, max_value=5),
)
def test_every_record_is_shown_exactly_once(batches: list[list[int]], page_size: int) -> None:
    # The store behaves as the service does: records never arrive older than the newest one (the follow
    # contract), equal timestamps keep insertion order, windows include their start.
    store: list[LogRecord] = []
    shown: list[LogRecord] = []
    cursor = FollowCursor()
    clock = 0
    for batch in batches:
        for step in batch:
            clock += step  # 0 = same timestamp as the previous record
            store.append(rec(f"10:{clock // 60:02d}:{clock % 60:02d}", f"m{len(store)}"))
        window = cursor.next_window()
        answer = [r for r in store if window.contains(datetime.fromisoformat(r.timestamp + "+00:00"))]
        for i in range(0, len(answer), page_size):
            shown += cursor.accept(answer[i : i + page_size])
    assert shown == store
