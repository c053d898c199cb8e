"""Each way a target can fail is shown (title + hint) in the error panel, the app keeps running, and `r`
retries. Real sockets throughout: a closed port, a .invalid name, a socket that never answers, a real server
wanting an API key, small http.servers for what a log-analyzer never sends (HTML, 413/502), and the course's
original /logs-only service."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from logtui.core.config import TargetKind
from tests.core.tiny_http import course_original_logs, fixed, http_server, silent_server
from tests.helpers import OriginalServer, ServerProcess, free_port
from tests.ui.helpers import (
    COURSE,
    SIZE,
    http_target,
    logs_screen,
    make_app,
    settle,
    shown_messages,
    wait_for,
    write_config,
)


async def _error_text(url: str) -> str:
    app = make_app(url=url, start="2023-04-23", end="2023-04-23")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        assert app.is_running
        assert screen.log_view.loaded_count == 0
        text = screen.error_panel.text
        assert "Press r to retry." in text
        # retry is one key and fails the same way, still without crashing
        await pilot.press("r")
        await settle(pilot)
        assert screen.error_panel.text == text
        return text


async def test_refused_connection() -> None:
    port = free_port()
    text = await _error_text(f"http://127.0.0.1:{port}")
    assert f"127.0.0.1:{port} refused the connection" in text
    assert "start the service" in text


async def test_dns_failure() -> None:
    text = await _error_text("http://no-such-host.invalid:8000")
    assert "Cannot resolve the host name 'no-such-host.invalid'" in text


async def test_html_page_instead_of_json() -> None:
    page = fixed(200, "text/html", "<html><body>Welcome to nginx</body></html>")
    with http_server({"/health": page, "/logs": page, "/stats": page}) as url:
        text = await _error_text(url)
    assert "text/html" in text and "not JSON" in text
    assert "not at a log-analyzer" in text


@pytest.mark.parametrize("status", [413, 502])
async def test_too_large_hints_at_page_size(status: int) -> None:
    body = fixed(status, "application/json", '{"message": "Internal server error"}')
    health = fixed(200, "application/json", '{"status": "ok", "version": "0.1.0", "records": 22}')
    with http_server({"/health": health, "/logs": body, "/stats": body}) as url:
        text = await _error_text(url)
    assert f"answered {status}" in text
    assert "lower page_size" in text


async def test_tls_to_a_plain_http_port() -> None:
    with http_server({}) as url:
        text = await _error_text(url.replace("http://", "https://"))
    assert "TLS handshake" in text


async def test_timeout_from_a_profile_setting(tmp_path: Path) -> None:
    with silent_server() as url:
        config = write_config(tmp_path / "c.toml", http_target("hung", url, timeout=0.5))
        app = make_app(profile="hung", config_path=config)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            text = logs_screen(app).error_panel.text
            assert "did not answer within 0.5 s" in text
            assert "Press r to retry." in text


async def test_refused_then_retry_once_the_service_is_up(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "late.db", seed=True)  # its port is chosen, nothing listens yet
    app = make_app(url=server.url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        assert "refused the connection" in screen.error_panel.text
        server.start()
        try:
            await pilot.press("r")
            await settle(pilot)
            assert screen.error_panel.text == ""
            assert screen.log_view.loaded_count == 22
        finally:
            server.stop()


async def test_401_with_key_hint_then_retry_after_exporting_the_key(
    server_factory: Callable[..., ServerProcess], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = server_factory(
        seed=True, env={"LOG_ANALYZER_API_KEY": "s3cret-key", "LOG_ANALYZER_READ_REQUIRES_KEY": "1"}
    )
    monkeypatch.delenv("LOGTUI_TEST_TOKEN", raising=False)
    config = write_config(
        tmp_path / "c.toml", http_target("guarded", server.url, token_env="LOGTUI_TEST_TOKEN")
    )
    app = make_app(profile="guarded", config_path=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        text = screen.error_panel.text
        assert "refused access (401" in text
        assert "export LOGTUI_TEST_TOKEN=<key>" in text
        monkeypatch.setenv("LOGTUI_TEST_TOKEN", "s3cret-key")
        await pilot.press("r")
        await settle(pilot)
        assert screen.error_panel.text == ""
        assert screen.log_view.loaded_count == 22
        # the token is never on screen
        assert "s3cret-key" not in screen.status_bar.text
        assert "s3cret-key" not in app.export_screenshot()


def test_url_kind_is_guessed_from_the_host() -> None:
    from logtui.ui.target_choice import target_from_url

    assert target_from_url("https://abc.lambda-url.eu-west-1.on.aws/").kind is TargetKind.LAMBDA
    assert target_from_url("https://abc.eu-west-1.awsapprunner.com").kind is TargetKind.APPRUNNER
    assert target_from_url("http://[::1]:8777").name == "localhost"
    assert target_from_url("http://[fe80::1]:8777").name == "fe80..1"


async def test_the_courses_original_api_still_works(original_factory: Callable[..., OriginalServer]) -> None:
    # The course's app as students have it (more in test_app_original_api.py).
    server = original_factory(COURSE)
    app = make_app(url=server.url, start="2023-04-23T10:00:00", end="2023-04-23T10:05:00")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        assert screen.error_panel.text == ""
        assert shown_messages(app) == [f"2023-04-23T10:0{m}:00 INFO" for m in range(6)]
        # Issue 11: the whole window is loaded, so logtui counts the histogram itself, and says so.
        assert screen.histogram.state == "stats" and screen.histogram.stats is not None
        assert screen.histogram.stats.counted_here and screen.histogram.stats.total == 6
        assert "original API" in screen.status_bar.text
        assert screen.counts_text.startswith("6 loaded")
        # an empty window cannot be explained by where the data is; j asks for everything instead
        await pilot.press("left_square_bracket", "left_square_bracket", "left_square_bracket")
        await settle(pilot)
        assert screen.log_view.loaded_count == 0
        assert "no /stats" in screen.notice.text
        await pilot.press("j")
        await settle(pilot)
        assert screen.log_view.loaded_count == 22


async def test_a_failing_stats_leaves_the_rows_and_says_why_there_is_no_histogram() -> None:
    health = fixed(200, "application/json", '{"status": "ok", "version": "0.1.0", "records": 22}')
    broken = fixed(500, "application/json", '{"detail": "database is locked"}')
    with http_server({"/health": health, "/logs": course_original_logs(COURSE), "/stats": broken}) as url:
        app = make_app(url=url, start="2023-04-23T10:00:00", end="2023-04-23T10:05:00")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = logs_screen(app)
            assert screen.log_view.loaded_count == 6
            assert screen.error_panel.text == ""
            assert screen.histogram.state == "unavailable"
            assert "failed with 500" in screen.histogram.message


async def test_a_plain_web_server_is_not_called_the_original_api() -> None:
    with http_server({"/": fixed(200, "text/html", "<html>hello</html>")}) as url:  # 404 everywhere else
        app = make_app(url=url)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = logs_screen(app)
            assert "not a log-analyzer?" in screen.status_bar.text
            assert "original API" not in screen.status_bar.text
            assert "has no /logs" in screen.error_panel.text


async def test_url_with_token_env_reads_a_guarded_server(
    server_factory: Callable[..., ServerProcess], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = server_factory(
        seed=True, env={"LOG_ANALYZER_API_KEY": "k-123", "LOG_ANALYZER_READ_REQUIRES_KEY": "1"}
    )
    monkeypatch.setenv("LOGTUI_TEST_TOKEN", "k-123")
    app = make_app(url=server.url, token_env="LOGTUI_TEST_TOKEN")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert logs_screen(app).log_view.loaded_count == 22
        assert "k-123" not in app.export_screenshot()


async def test_while_a_target_is_slow_the_screen_says_where_it_is_knocking() -> None:
    with silent_server() as url:
        app = make_app(url=url, timeout=3.0)
        async with app.run_test(size=SIZE) as pilot:
            screen = logs_screen(app)
            port = url.rsplit(":", 1)[1]
            await wait_for(pilot, lambda: "Connecting to" in screen.notice.text, workers=False, what="notice")
            assert f"127.0.0.1:{port}… (timeout 3 s)" in screen.notice.text
            assert screen.log_view.placeholder == "Loading…"
            assert screen.histogram.state == "loading"
            await settle(pilot)
            assert screen.notice.text == ""
            assert "did not answer within 3 s" in screen.error_panel.text
            assert screen.histogram.state == "unavailable"


async def test_docker_runtime_without_an_engine_shows_its_state(monkeypatch: pytest.MonkeyPatch) -> None:
    # A real situation, not a fake: the explicit Docker runtime pointed at an address where no engine listens.
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    app = make_app(runtime="docker")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = logs_screen(app)
        assert "Could not open local" in screen.error_panel.text
        assert "docker · unreachable" in screen.status_bar.text
        assert "starting" not in screen.status_bar.text


async def test_stats_without_buckets_does_not_break_the_screen() -> None:
    health = fixed(200, "application/json", '{"status": "ok", "version": "9", "records": 22}')
    stats = fixed(
        200, "application/json", '{"total": 6, "tags": {"INFO": 6}, "bucket_seconds": 0, "buckets": []}'
    )
    with http_server({"/health": health, "/logs": course_original_logs(COURSE), "/stats": stats}) as url:
        app = make_app(url=url, start="2023-04-23T10:00:00", end="2023-04-23T10:05:00")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = logs_screen(app)
            assert app.is_running
            assert screen.log_view.loaded_count == 6
            assert screen.counts_text.startswith("6 loaded of 6")
            assert "no buckets" in screen.histogram.message


async def test_follow_on_a_target_with_non_iso_timestamps_stops_with_a_message() -> None:
    """QA A-F1: `f` used to parse the last timestamp outside any worker, and a non-ISO one ended the app."""
    records = [{"timestamp": "23/Apr/2023:10:00:00", "tag": "INFO", "message": "apache style"}]
    with http_server({"/logs": course_original_logs(records)}) as url:
        app = make_app(url=url)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = logs_screen(app)
            await pilot.press("f")
            await settle(pilot)
            assert app.is_running
            assert any("not ISO 8601" in n.message for n in app._notifications)
            assert shown_messages(app) == ["23/Apr/2023:10:00:00 INFO"]
            assert not screen.live.active
