"""Follow mode against a real, writable server: records posted while following appear once each, the view
keeps pinned (or counts "N new" when scrolled away), and polling backs off while the target is down and
recovers by itself."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx

from tests.helpers import ServerProcess
from tests.ui.helpers import SIZE, http_target, logs_screen, make_app, settle, wait_for, write_config


def _records(minute: int, seconds: list[int], tag: str = "INFO") -> list[dict[str, str]]:
    return [
        {"timestamp": f"2023-04-23T11:{minute:02d}:{s:02d}", "tag": tag, "message": f"live {minute}:{s} #{i}"}
        for i, s in enumerate(seconds)
    ]


async def _post(url: str, records: list[dict[str, str]]) -> None:
    async with httpx.AsyncClient() as http:
        resp = await http.post(f"{url}/logs", json={"logs": records})
        assert resp.status_code == 201, resp.text


def _fast_follow_config(tmp_path: Path, server: ServerProcess) -> Path:
    return write_config(tmp_path / "c.toml", http_target("live", server.url), follow_interval=0.5)


async def test_records_posted_while_following_appear_once_each(
    server_factory: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    server = server_factory()
    app = make_app(profile="live", config_path=_fast_follow_config(tmp_path, server), start="2023-04-23")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        assert "the store is empty" in screen.notice.text
        await pilot.press("f")
        await settle(pilot)
        assert screen.live.active
        assert screen.current_query.window.end is None  # following opens the end
        await _post(server.url, _records(0, [1, 2, 3]))
        await wait_for(pilot, lambda: screen.log_view.loaded_count >= 3, what="the first live records")
        # two more sharing the last timestamp, then one later: the shared second must not duplicate
        await _post(server.url, _records(0, [3, 3, 4]))
        await wait_for(pilot, lambda: screen.log_view.loaded_count >= 6, what="the second batch")
        await wait_for(pilot, lambda: "last poll" in str(screen.query_one("#live").content), what="poll note")
        messages = [screen.log_view.record_at(i).message for i in range(screen.log_view.loaded_count)]
        assert len(messages) == len(set(messages)) == 6
        assert screen.log_view.record_at(5).timestamp == "2023-04-23T11:00:04"
        assert screen.notice.text == ""
        await pilot.press("f")
        assert not screen.live.active
        assert str(screen.query_one("#live").content) == ""


async def test_picking_a_window_stops_following(
    server_factory: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    server = server_factory()
    app = make_app(profile="live", config_path=_fast_follow_config(tmp_path, server), start="2023-04-23")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        await pilot.press("f")
        await settle(pilot)
        assert screen.live.active
        await pilot.press("2")  # a window picked by hand may end in the past: following stops
        await settle(pilot)
        assert not screen.live.active
        assert screen.current_query.preset == "1h"


async def test_scrolled_away_counts_new_records_and_n_jumps(
    server_factory: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    server = server_factory()
    await _post(server.url, [r for m in range(3) for r in _records(m, list(range(60)))])  # 180 records
    app = make_app(profile="live", config_path=_fast_follow_config(tmp_path, server), start="2023-04-23")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        await pilot.press("f")
        await settle(pilot)
        assert screen.log_view.loaded_count == 180
        await pilot.press("home")  # scroll away from the bottom
        await _post(server.url, _records(5, [0, 1, 2, 3, 4]))
        await wait_for(pilot, lambda: screen.live.new_waiting_count == 5, what="5 new")
        assert "5 new (n to jump)" in str(screen.query_one("#live").content)
        await pilot.press("n")
        await pilot.pause()
        assert screen.live.new_waiting_count == 0
        assert screen.log_view.new_count == 0


async def test_polling_backs_off_while_down_and_recovers(
    server_factory: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    server = server_factory()
    app = make_app(profile="live", config_path=_fast_follow_config(tmp_path, server), start="2023-04-23")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        await pilot.press("f")
        await settle(pilot)
        server.stop()
        await wait_for(pilot, lambda: screen.live.backoff.failures >= 2, what="two failed polls")
        note = str(screen.query_one("#live").content)
        assert "poll failed" in note and "refused the connection" in note
        assert screen.live.backoff.delay > 0.5  # backing off
        assert screen.error_panel.text == ""  # a failed poll is not a failed query: the view stays
        server.start()  # same port, same store
        await _post(server.url, _records(0, [7]))
        await wait_for(pilot, lambda: screen.log_view.loaded_count == 1, limit=90, what="recovery")
        await wait_for(pilot, lambda: screen.live.backoff.failures == 0, what="backoff reset")
        assert "last poll" in str(screen.query_one("#live").content)


async def test_switching_target_stops_following(
    server_factory: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    live, other = server_factory(name="live"), server_factory(name="other", seed=True)
    config = write_config(
        tmp_path / "c.toml",
        http_target("live", live.url),
        http_target("other", other.url),
        follow_interval=0.5,
    )
    app = make_app(profile="live", config_path=config, start="2023-04-23")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        await pilot.press("f")
        await settle(pilot)
        assert "following" in str(screen.query_one("#range-preset").content)
        app.open_target(app.config.get_target("other"))
        await settle(pilot)
        assert not screen.live.active
        assert str(screen.query_one("#range-preset").content) == "UTC"
        assert str(screen.query_one("#live").content) == ""
        assert screen.log_view.loaded_count == 22
