"""LogClient against a real log-analyzer (course data / fresh writable servers), and each failure mode.

Failures a log-analyzer cannot produce (an HTML page, garbage bytes, a proxy's 502, a hung socket, a bad
certificate) come from the small real servers in tiny_http; only states no local socket can reach (a connect
timeout, an AWS Lambda host name) use httpx.MockTransport, and say so.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from log_analyzer.record import LogRecord

from logtui.core.client import LogClient
from logtui.core.config import Target, TargetKind
from logtui.core.errors import (
    ApiError,
    BadResponse,
    ConnectFailed,
    NotSupported,
    Rejected,
    RequestTimedOut,
    ServerFailed,
    TLSFailed,
    TooLarge,
    Unauthorized,
)
from logtui.core.timerange import TimeWindow, parse_window
from tests.core.tiny_http import (
    fixed,
    garbage_server,
    http_server,
    self_signed_cert,
    silent_server,
)
from tests.helpers import OriginalServer, ServerProcess, free_port

DAY = parse_window("2023-04-23", "2023-04-23", now=datetime(2024, 1, 1, tzinfo=UTC))
EVERYTHING = TimeWindow()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc, arg-type]


# --- the happy paths on the course's data ------------------------------------------------------------------


async def test_health_on_the_course_data(course_server: ServerProcess) -> None:
    async with LogClient(course_server.url) as client:
        health = await client.health()
        assert health.status == "ok"
        assert health.records == 22
        assert health.first_timestamp == utc(2023, 4, 23, 10, 0)
        assert health.last_timestamp == utc(2023, 4, 23, 10, 22)
        assert health.version
        assert client.last_latency is not None and client.last_latency > 0


async def test_logs_returns_the_course_records_in_order(course_server: ServerProcess) -> None:
    async with LogClient(course_server.url) as client:
        page = await client.logs(DAY)
        assert len(page.records) == 22
        assert page.next_cursor is None and page.paginated
        assert page.records[0] == LogRecord("2023-04-23T10:00:00", "INFO", "Test log")
        assert page.records[-1] == LogRecord("2023-04-23T10:22:00", "ERROR", "Test error")
        desc = await client.logs(DAY, order="desc", limit=1)
        assert desc.records == [LogRecord("2023-04-23T10:22:00", "ERROR", "Test error")]
        assert desc.next_cursor is not None


async def test_window_tags_and_q_are_sent(course_server: ServerProcess) -> None:
    async with LogClient(course_server.url) as client:
        window = TimeWindow(utc(2023, 4, 23, 10, 5), utc(2023, 4, 23, 10, 9))
        assert len((await client.logs(window)).records) == 5  # both ends inclusive
        errors = await client.logs(DAY, tags=["ERROR"])
        assert [r.message for r in errors.records] == ["Test error"]
        assert len((await client.logs(DAY, tags=["INFO", "ERROR"])).records) == 22
        assert [r.tag for r in (await client.logs(DAY, q="ERROR")).records] == ["ERROR"]
        assert (await client.logs(TimeWindow(utc(2024, 1, 1), None))).records == []


async def test_iter_pages_follows_next_cursor(course_server: ServerProcess) -> None:
    async with LogClient(course_server.url) as client:
        pages = [page async for page in client.iter_pages(EVERYTHING, limit=5)]
        assert [len(p.records) for p in pages] == [5, 5, 5, 5, 2]
        records = [r for p in pages for r in p.records]
        assert records == (await client.logs(EVERYTHING)).records


async def test_stats_on_the_course_data(course_server: ServerProcess) -> None:
    async with LogClient(course_server.url) as client:
        stats = await client.stats(DAY, buckets=24)
        assert stats.total == 22
        assert stats.tags == {"INFO": 21, "ERROR": 1}
        assert len(stats.buckets) == 24
        assert sum(b.total for b in stats.buckets) == 22
        assert stats.first_timestamp == utc(2023, 4, 23, 10, 0)
        assert stats.last_timestamp == utc(2023, 4, 23, 10, 22)
        assert stats.window == DAY  # for labels: the buckets may end after the window
        filtered = await client.stats(DAY, buckets=1, tags=["ERROR"])
        assert filtered.total == 1


async def test_post_logs_then_read_back(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory()
    records = [
        LogRecord("2024-02-01T08:00:00", "WARNING", "disk 91% full"),
        LogRecord("2024-02-01T08:00:01", "DEBUG", "é ✓ \n x"),
    ]
    async with LogClient(server.url) as client:
        assert await client.post_logs(records) == 2
        assert (await client.logs(EVERYTHING)).records == records


async def test_for_target_uses_the_targets_url_token_and_timeout(
    server_factory: Callable[..., ServerProcess], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = server_factory(env={"LOG_ANALYZER_API_KEY": "k3y", "LOG_ANALYZER_READ_REQUIRES_KEY": "1"})
    monkeypatch.setenv("MY_KEY", "k3y")
    target = Target("dev", server.url, TargetKind.LOCAL, "MY_KEY", 7.0)
    async with LogClient.for_target(target) as client:
        assert client.timeout == 7.0 and client.name == "dev"
        assert (await client.health()).status == "ok"
        assert "k3y" not in repr(client)


async def test_a_proxy_in_the_environment_does_not_capture_the_loopback(
    course_server: ServerProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead_proxy = f"http://127.0.0.1:{free_port()}"
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(var, dead_proxy)
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    async with LogClient(course_server.url) as client:
        assert (await client.health()).records == 22


def test_the_local_target_without_an_address_says_so() -> None:
    local = Target("local", "", TargetKind.LOCAL)
    with pytest.raises(ConnectFailed, match="has no address yet"):
        LogClient.for_target(local)


# --- failures the real service produces --------------------------------------------------------------------


async def test_missing_token_is_unauthorized_with_a_hint_naming_the_env_var(
    server_factory: Callable[..., ServerProcess],
) -> None:
    server = server_factory(env={"LOG_ANALYZER_API_KEY": "k3y", "LOG_ANALYZER_READ_REQUIRES_KEY": "1"})
    async with LogClient(server.url, token_env="PROD_TOKEN") as client:
        with pytest.raises(Unauthorized) as info:
            await client.logs(EVERYTHING)
        assert "401" in info.value.title
        assert info.value.hint and "export PROD_TOKEN=" in info.value.hint
        assert "PROD_TOKEN is not set" in info.value.hint and "start logtui again" in info.value.hint
    async with LogClient(server.url, token="wrong-s3cr3t", token_env="PROD_TOKEN") as client:
        with pytest.raises(Unauthorized) as info:
            await client.logs(EVERYTHING)
        assert info.value.hint and "PROD_TOKEN is wrong" in info.value.hint
        assert "wrong-s3cr3t" not in str(info.value) and "wrong-s3cr3t" not in repr(client)
    async with LogClient(server.url, token_env="ghp_9fA8e7D6c5B4a3") as client:  # the token, pasted
        with pytest.raises(Unauthorized) as info:
            await client.logs(EVERYTHING)
        assert info.value.hint and "9fA8e7D6c5B4a3" not in info.value.hint
        assert "not the token" in info.value.hint
    async with LogClient(server.url) as client:  # a bare --url: no env var to name yet
        with pytest.raises(Unauthorized) as info:
            await client.logs(EVERYTHING)
        assert info.value.hint and "save this URL as a target" in info.value.hint
        assert f"--url {server.url.rstrip('/')} --token-env LOGTUI_TOKEN" in info.value.hint
    async with LogClient(server.url, token="k3y") as client:
        assert (await client.logs(EVERYTHING)).records == []


async def test_write_without_key_is_unauthorized(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory(env={"LOG_ANALYZER_API_KEY": "k3y"})
    async with LogClient(server.url) as client:
        assert (await client.logs(EVERYTHING)).records == []  # reads stay open
        with pytest.raises(Unauthorized):
            await client.post_logs([LogRecord("2024-01-01T00:00:00", "INFO", "x")])


async def test_a_bad_parameter_is_rejected_with_the_servers_detail(course_server: ServerProcess) -> None:
    async with LogClient(course_server.url) as client:
        with pytest.raises(Rejected) as info:
            await client.logs(EVERYTHING, limit=20000)
        assert 400 <= info.value.status < 500
        assert "limit" in info.value.title
        with pytest.raises(Rejected) as info:
            await client.logs(EVERYTHING, cursor="not-a-cursor")
        assert "cursor" in info.value.title


async def test_a_host_name_the_keyless_service_does_not_answer_names_allowed_hosts(
    course_server: ServerProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "127.1" reaches 127.0.0.1 (inet_aton's short form) but is not a loopback *name* to the service's guard:
    # the real refusal a custom domain or a proxy's name gets, on loopback.
    for proxy in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(proxy, raising=False)
    async with LogClient(f"http://127.1:{course_server.port}") as client:
        with pytest.raises(Rejected) as info:
            await client.logs(EVERYTHING)
    assert info.value.status == 403
    assert "does not answer the host name '127.1'" in info.value.title
    assert info.value.hint and "LOG_ANALYZER_ALLOWED_HOSTS" in info.value.hint
    assert "127.1" in info.value.hint and "API key" in info.value.hint


async def test_an_oversized_post_is_too_large(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory()
    big = [LogRecord("2024-01-01T00:00:00", "INFO", "x" * 60_000) for _ in range(100)]  # ~6 MB
    async with LogClient(server.url) as client:
        with pytest.raises(TooLarge) as info:
            await client.post_logs(big)
        # Either the 413 arrives, or the service hangs up mid-upload (it answers 413 unread).
        assert "413" in info.value.title or "closed the connection while receiving" in info.value.title
        assert info.value.hint and "fewer records" in info.value.hint


# --- failures of the network and of things that are not a log-analyzer -------------------------------------


async def test_refused_connection_names_host_and_port() -> None:
    port = free_port()  # closed again: nothing listens there
    async with LogClient(f"http://127.0.0.1:{port}") as client:
        with pytest.raises(ConnectFailed) as info:
            await client.health()
    assert f"127.0.0.1:{port}" in info.value.title and "refused" in info.value.title
    assert info.value.hint and f"127.0.0.1:{port}" in info.value.hint


async def test_dns_failure_names_the_host() -> None:
    async with LogClient("https://no-such-host.invalid") as client:
        with pytest.raises(ConnectFailed) as info:
            await client.logs(EVERYTHING)
    assert "resolve" in info.value.title and "no-such-host.invalid" in info.value.title
    assert info.value.hint and "no-such-host.invalid" in info.value.hint


async def test_a_hung_service_times_out() -> None:
    with silent_server() as url:
        async with LogClient(url, timeout=0.3) as client:
            with pytest.raises(RequestTimedOut) as info:
                await client.logs(EVERYTHING)
    assert "0.3 s" in info.value.title
    assert info.value.hint and "timeout" in info.value.hint


async def test_connect_timeout() -> None:
    # A connect timeout needs a host that drops SYNs; no loopback socket does that, so a transport raises it.
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    async with LogClient("https://slow.example.com", transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(RequestTimedOut, match=r"Connecting to slow\.example\.com:443 timed out"):
            await client.health()


async def test_https_to_a_plain_http_port_is_a_tls_error(course_server: ServerProcess) -> None:
    async with LogClient(course_server.url.replace("http://", "https://")) as client:
        with pytest.raises(TLSFailed) as info:
            await client.health()
    assert info.value.hint and "plain http" in info.value.hint


async def test_untrusted_certificate_is_a_tls_error(tmp_path: Path) -> None:
    cert = self_signed_cert(tmp_path)
    with http_server({"/health": fixed(200, "application/json", '{"status":"ok"}')}, tls=cert) as url:
        async with LogClient(url) as client:
            with pytest.raises(TLSFailed) as info:
                await client.health()
    assert "TLS handshake" in info.value.title
    assert info.value.hint and "not trusted" in info.value.hint


async def test_html_page_is_a_bad_response_naming_type_and_first_bytes() -> None:
    page = "<!DOCTYPE html><html><head><title>Sign in</title></head><body>Please log in</body></html>"
    with http_server({"/logs": fixed(200, "text/html; charset=utf-8", page)}) as url:
        async with LogClient(url) as client:
            with pytest.raises(BadResponse) as info:
                await client.logs(EVERYTHING)
    assert "text/html" in info.value.title
    assert "<!DOCTYPE html><html>" in info.value.title


async def test_a_web_server_without_logs_is_named_by_its_page_title_not_its_markup() -> None:
    # What `python -m http.server` answers on /logs: an HTML 404 page.
    page = (
        '<!DOCTYPE HTML>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error response</title>\n'
        "</head>\n<body>\n<h1>Error response</h1>\n<p>Error code: 404</p>\n</body>\n</html>\n"
    )
    with http_server({"/logs": fixed(404, "text/html;charset=utf-8", page)}) as url:
        async with LogClient(url) as client:
            with pytest.raises(Rejected) as info:
                await client.logs(EVERYTHING)
    assert "has no /logs (an HTML page: Error response)" in info.value.title
    assert "<" not in info.value.title
    assert info.value.hint and "points at a log-analyzer" in info.value.hint


async def test_a_servers_words_never_carry_control_characters_to_the_screen() -> None:
    from logtui.core.safe_text import CONTROL

    evil = "bad \x1b]0;PWNED\x07 \x9b2J"
    health = json.dumps({"status": "ok", "version": evil + "x" * 200, "storage": evil, "records": 1})
    routes = {
        "/logs": fixed(400, "application/json", json.dumps({"detail": evil})),
        "/stats": fixed(500, "text/html", f"<html><title>{evil}&#27;[31m</title></html>"),
        "/health": fixed(200, "application/json", health),
    }
    with http_server(routes) as url:
        async with LogClient(url) as client:
            with pytest.raises(Rejected) as rejected:
                await client.logs(EVERYTHING)
            with pytest.raises(ServerFailed) as failed:
                await client.stats(EVERYTHING)
            info = await client.health()
    for text in (rejected.value.title, failed.value.title, info.version or "", info.storage or ""):
        assert CONTROL.search(text) is None, text
    assert "bad \ufffd]0;PWNED\ufffd \ufffd2J" in rejected.value.title
    assert info.version is not None and len(info.version) == 80


async def test_an_html_error_page_without_title_gives_its_words() -> None:
    with http_server(
        {"/logs": fixed(401, "text/html", "<html><body><h1>401 Authorization Required</h1>")}
    ) as url:
        async with LogClient(url) as client:
            with pytest.raises(Unauthorized) as info:
                await client.logs(EVERYTHING)
    assert "(401: an HTML page: 401 Authorization Required)" in info.value.title


async def test_a_base_url_with_a_path_is_followed_and_named_in_errors() -> None:
    body = '{"logs": [], "next_cursor": null}'
    with http_server({"/prod/logs": fixed(200, "application/json", body)}) as url:
        async with LogClient(url + "/prod/") as client:
            assert (await client.logs(EVERYTHING)).records == []
        async with LogClient(url + "/stage") as client:
            with pytest.raises(Rejected) as info:
                await client.logs(EVERYTHING)
    assert "has no /stage/logs" in info.value.title


async def test_an_ipv6_target_is_named_with_brackets() -> None:
    with socket.socket(socket.AF_INET6) as s:  # a free port nothing listens on
        s.bind(("::1", 0))
        port = s.getsockname()[1]
    async with LogClient(f"http://[::1]:{port}") as client:
        with pytest.raises(ConnectFailed) as info:
            await client.health()
    assert f"[::1]:{port} refused the connection" in info.value.title


async def test_invalid_json_is_a_bad_response() -> None:
    with http_server({"/logs": fixed(200, "application/json", '{"logs": [ {"timestamp": ')}) as url:
        async with LogClient(url) as client:
            # Issue 11 changed the words: a body cut off mid-way is named as such, with its size.
            with pytest.raises(BadResponse, match=r"invalid or truncated JSON \(25 bytes\)"):
                await client.logs(EVERYTHING)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('{"records": []}', "no 'logs' list"),
        ('{"logs": [{"timestamp": "2024-01-01T00:00:00"}]}', "a record lacks"),
        ('{"logs": [], "next_cursor": 5}', "next_cursor is int"),
        ("[1, 2]", "a record lacks"),
    ],
)
async def test_json_of_the_wrong_shape_is_a_bad_response(body: str, says: str) -> None:
    with http_server({"/logs": fixed(200, "application/json", body)}) as url:
        async with LogClient(url) as client:
            with pytest.raises(BadResponse, match=says):
                await client.logs(EVERYTHING)


async def test_garbage_that_is_not_http_is_a_bad_response() -> None:
    with garbage_server() as url:
        async with LogClient(url) as client:
            with pytest.raises(BadResponse) as info:
                await client.health()
    assert "valid HTTP" in info.value.title


@pytest.mark.parametrize("status", [413, 502])
async def test_proxy_413_and_502_say_lower_the_page_size(status: int) -> None:
    html = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    with http_server({"/logs": fixed(status, "text/html", html)}) as url:
        async with LogClient(url) as client:
            with pytest.raises(TooLarge) as info:
                await client.logs(EVERYTHING, limit=10000)
    assert str(status) in info.value.title and "Bad Gateway" in info.value.title
    assert info.value.hint and "lower page_size" in info.value.hint


@pytest.mark.parametrize(("status", "hint"), [(500, "look at its logs"), (503, "retry in a moment")])
async def test_5xx_is_server_failed(status: int, hint: str) -> None:
    with http_server({"/logs": fixed(status, "application/json", '{"detail": "database is locked"}')}) as url:
        async with LogClient(url) as client:
            with pytest.raises(ServerFailed, match="database is locked") as info:
                await client.logs(EVERYTHING)
    assert info.value.hint and hint in info.value.hint


async def test_redirect_is_reported_not_followed() -> None:
    with http_server(
        {"/health": fixed(301, "text/html", "moved")},
        extra_headers={"Location": "https://elsewhere.example/"},
    ) as url:
        async with LogClient(url, token="s3cr3t") as client:
            with pytest.raises(BadResponse) as info:
                await client.health()
    assert "https://elsewhere.example/" in info.value.title


async def test_not_a_log_analyzer_404_on_logs_is_rejected_with_a_hint() -> None:
    with http_server({}) as url:
        async with LogClient(url) as client:
            with pytest.raises(Rejected) as info:
                await client.logs(EVERYTHING)
    assert info.value.status == 404
    assert info.value.hint and "without /logs" in info.value.hint


async def test_lambda_function_url_403_hints_at_the_auth_type() -> None:
    # The hint depends on the AWS host name, which cannot be served locally: a transport answers as AWS does.
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, json={"Message": "Forbidden"})

    url = "https://abcdefgh.lambda-url.eu-west-1.on.aws"
    async with LogClient(url, transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(Unauthorized) as info:
            await client.logs(EVERYTHING)
    assert "403" in info.value.title and "Forbidden" in info.value.title
    # Issue 12: logtui now signs such requests, so the hint points at --aws-iam (it used to suggest NONE).
    assert info.value.hint and "AWS_IAM" in info.value.hint and "--aws-iam" in info.value.hint


# --- the course's original service: GET /logs only, no cursor ---------------------------------------------


COURSE_RECORDS = [
    *({"timestamp": f"2023-04-23T10:{m:02d}:00", "tag": "INFO", "message": "Test log"} for m in range(21)),
    {"timestamp": "2023-04-23T10:22:00", "tag": "ERROR", "message": "Test error"},
]


async def test_the_course_original_service_still_works(
    original_factory: Callable[..., OriginalServer],
) -> None:
    server = original_factory(COURSE_RECORDS)
    async with LogClient(server.url) as client:
        page = await client.logs(DAY, limit=5)
        assert len(page.records) == 22  # it ignores limit and sends everything
        assert page.next_cursor is None and not page.paginated
        pages = [p async for p in client.iter_pages(DAY, limit=5)]
        assert len(pages) == 1
        with pytest.raises(NotSupported) as info:
            await client.health()
        assert "GET /health" in info.value.title
        with pytest.raises(NotSupported):
            await client.stats(DAY, buckets=10)
        with pytest.raises(NotSupported):
            await client.post_logs([LogRecord("2024-01-01T00:00:00", "INFO", "x")])


async def test_open_ends_become_instants_for_the_original_service(
    original_factory: Callable[..., OriginalServer],
) -> None:
    server = original_factory(COURSE_RECORDS)
    # A first request with an open end (nothing known yet): FastAPI's 422 for the missing end_time is
    # recognised, the request is made again with both ends, and every later one carries both from the start.
    async with LogClient(server.url) as client:
        page = await client.logs(TimeWindow(utc(2023, 4, 23, 10, 20), None))
        assert [r.timestamp for r in page.records] == ["2023-04-23T10:20:00", "2023-04-23T10:22:00"]
        assert client.original_api
        assert len((await client.logs(EVERYTHING)).records) == 22
    # After /health says 404 (how the app starts), not even the first /logs is refused.
    async with LogClient(server.url) as client:
        with pytest.raises(NotSupported):
            await client.health()
        assert len((await client.logs(TimeWindow(None, utc(2023, 4, 23, 10, 1)))).records) == 2
    lines = [line for line in server.requests() if line.startswith("GET /logs")]
    assert len(lines) == 4
    assert "end_time" not in lines[0]  # the one refused with 422...
    assert all("start_time=" in line and "end_time=" in line for line in lines[1:])  # ...and no other
    assert "start_time=1970-01-01T00%3A00%3A00&end_time=9999-12-31T23%3A59%3A59" in lines[2]


async def test_filters_the_course_original_service_ignores_are_applied_by_the_client(
    original_factory: Callable[..., OriginalServer],
) -> None:
    server = original_factory(COURSE_RECORDS)
    async with LogClient(server.url) as client:
        page = await client.logs(DAY, q="ERROR")
        assert [r.message for r in page.records] == ["Test error"]
        assert page.unfiltered == 22  # what the service sent before logtui filtered
        page = await client.logs(DAY, tags=["ERROR", "DEBUG"])
        assert [r.tag for r in page.records] == ["ERROR"]
        page = await client.logs(DAY, tags=["INFO"], q="log", order="desc")
        assert len(page.records) == 21
        assert page.records[0].timestamp == "2023-04-23T10:20:00"
        assert page.records[-1].timestamp == "2023-04-23T10:00:00"


async def test_a_repeated_cursor_does_not_loop_forever() -> None:
    record = '{"timestamp": "2024-01-01T00:00:00", "tag": "INFO", "message": "x"}'
    body = f'{{"logs": [{record}], "next_cursor": "same"}}'
    with http_server({"/logs": fixed(200, "application/json", body)}) as url:
        async with LogClient(url) as client:
            with pytest.raises(BadResponse, match="same next_cursor twice"):
                _ = [p async for p in client.iter_pages(EVERYTHING)]


# --- construction ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["localhost:8000", "ftp://h", "", "http://"])
def test_a_url_that_is_not_http_fails_at_once(url: str) -> None:
    with pytest.raises(ConnectFailed, match="not an http"):
        LogClient(url)


async def test_repr_and_errors_never_show_the_token() -> None:
    client = LogClient("http://127.0.0.1:9/", token="s3cr3t-t0ken")
    assert "s3cr3t" not in repr(client)
    assert client.base_url == "http://127.0.0.1:9"
    with pytest.raises(ApiError) as info:
        await client.health()
    assert "s3cr3t" not in str(info.value) and "s3cr3t" not in (info.value.hint or "")
    await client.aclose()
