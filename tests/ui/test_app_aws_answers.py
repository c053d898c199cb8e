"""What AWS's front doors answer, as they send it, from small loopback servers: each message names the real
cause (title) and what to do (hint). The bodies and headers are the ones Lambda function URLs and API Gateway
send; a loopback server can send them but not the AWS host names, which the messages must not depend on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from logtui.core.config import TargetKind
from logtui.core.errors import BadResponse, Rejected, ServerFailed, TooLarge, Unauthorized
from tests.core.tiny_http import Route, course_original_logs, fixed, http_server
from tests.helpers import ServerProcess
from tests.ui.helpers import COURSE, SIZE, http_target, logs_screen, make_app, settle, write_config

JSON = "application/json"
LAMBDA_FORBIDDEN = fixed(403, JSON, '{"Message":"Forbidden"}', {"x-amzn-ErrorType": "AccessDeniedException"})
APIGW_NO_ROUTE = fixed(
    403,
    JSON,
    '{"message":"Missing Authentication Token"}',
    {"x-amzn-ErrorType": "MissingAuthenticationTokenException"},
)
HTML_502 = fixed(
    502,
    "text/html",
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>"
    "</body></html>",
)
HEALTH_OK = fixed(200, JSON, '{"status": "ok", "version": "0.1.0", "records": 22}')


async def _failure(routes: dict[str, Route], tmp_path: Path, **target: object) -> tuple[str, object]:
    """Open a target served by `routes`; the error panel's text and the error it shows."""
    with http_server(routes) as url:
        config = write_config(tmp_path / "c.toml", http_target("aws", url, **target))
        app = make_app(profile="aws", config_path=config, start="2023-04-23", end="2023-04-23")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = logs_screen(app)
            assert app.is_running
            text = screen.error_panel.text
            assert "Press r to retry." in text
            # it answered: never "could not reach", never "not a log-analyzer" for an AWS refusal
            assert "Could not reach the target" not in text
            return text, screen.error_panel.error


@pytest.mark.parametrize("kind", [TargetKind.LAMBDA, TargetKind.APPRUNNER, TargetKind.HTTP])
async def test_lambda_function_url_with_aws_iam_auth(
    kind: TargetKind, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Whatever the target's kind and host name, and even with the service's API key set, a 403 in AWS's
    # shape is AWS refusing the call, not the key.
    monkeypatch.setenv("LOGTUI_AWS_TEST_TOKEN", "k-123")
    text, error = await _failure(
        {"*": LAMBDA_FORBIDDEN}, tmp_path, token_env="LOGTUI_AWS_TEST_TOKEN", kind=kind
    )
    assert isinstance(error, Unauthorized)
    assert error.title == (
        "AWS refused the call to /logs before it reached the service (403: Forbidden, AccessDeniedException)"
    )
    assert error.hint is not None
    assert "not from the service's API key" in error.hint and "AWS_IAM" in error.hint
    assert "SigV4" in error.hint and 'auth = "aws_iam"' in error.hint
    assert "LOGTUI_AWS_TEST_TOKEN" not in text and "k-123" not in text


async def test_a_forbidden_body_without_the_header_is_aws_too(tmp_path: Path) -> None:
    _, error = await _failure({"*": fixed(403, JSON, '{"Message":"Forbidden"}')}, tmp_path)
    assert isinstance(error, Unauthorized)
    assert error.title.startswith("AWS refused the call to /logs")


async def test_the_services_own_403_still_points_at_its_api_key(tmp_path: Path) -> None:
    _, error = await _failure(
        {"/health": HEALTH_OK, "*": fixed(403, JSON, '{"detail": "invalid API key"}')}, tmp_path
    )
    assert isinstance(error, Unauthorized)
    assert "invalid API key" in error.title and "AWS" not in error.title
    assert error.hint is not None and "LOG_ANALYZER_API_KEY" in error.hint


async def test_api_gateway_missing_authentication_token_means_no_such_route(tmp_path: Path) -> None:
    text, error = await _failure({"*": APIGW_NO_ROUTE}, tmp_path)
    assert isinstance(error, Rejected)
    assert error.title.endswith("has no route GET /logs (API Gateway: 403 Missing Authentication Token)")
    assert error.hint is not None
    assert "not for a missing key" in error.hint and "the base URL must end where" in error.hint
    assert "API key" not in text


async def test_an_html_502_from_health_says_the_gateway_cannot_reach_the_service(tmp_path: Path) -> None:
    text, error = await _failure({"*": HTML_502}, tmp_path)
    # /health is optional, so /logs was asked too; both 502: the gateway, not the page size
    assert isinstance(error, ServerFailed)
    assert "answered 502 (bad gateway) to GET /logs: an HTML page: 502 Bad Gateway" in error.title
    assert error.hint is not None and "could not reach it" in error.hint
    assert "page_size" not in text


async def test_a_502_on_a_large_page_alone_hints_at_the_page_size(tmp_path: Path) -> None:
    _, error = await _failure({"/health": HEALTH_OK, "/logs": HTML_502}, tmp_path)
    assert isinstance(error, TooLarge)
    assert error.hint is not None and "lower page_size" in error.hint


async def test_a_502_on_a_small_page_is_the_gateway(tmp_path: Path) -> None:
    with http_server({"/health": HEALTH_OK, "/logs": HTML_502}) as url:
        config = write_config(tmp_path / "c.toml", http_target("aws", url), page_size=100)
        app = make_app(profile="aws", config_path=config, start="2023-04-23", end="2023-04-23")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            error = logs_screen(app).error_panel.error
    assert isinstance(error, ServerFailed)
    assert error.hint is not None and "page_size" not in error.hint


async def test_truncated_json_names_its_size_and_is_not_called_unreachable(tmp_path: Path) -> None:
    body = '{"logs": [{"timestamp": "2023-04-23T10:00:00", "tag": "INFO", "mess'
    _, error = await _failure({"/health": HEALTH_OK, "/logs": fixed(200, JSON, body)}, tmp_path)
    assert isinstance(error, BadResponse)
    assert error.title.endswith(f"answered /logs with invalid or truncated JSON ({len(body)} bytes)")
    assert error.hint is not None and "cut off" in error.hint


async def test_truncated_json_from_health_still_asks_for_the_logs(tmp_path: Path) -> None:
    routes = {"/health": fixed(200, JSON, '{"status": "o'), "/logs": course_original_logs(COURSE)}
    with http_server(routes) as url:
        app = make_app(url=url, start="2023-04-23T10:00:00", end="2023-04-23T10:05:00")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = logs_screen(app)
            assert screen.error_panel.text == ""
            assert screen.log_view.loaded_count == 6
            assert "/health failed" in screen.status_bar.text
            assert any("invalid or truncated JSON" in n.message for n in app._notifications)


async def test_a_failing_health_on_a_real_service_does_not_hide_its_logs(
    server_factory: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    # A proxy in front of a real log-analyzer that breaks /health only (a 500 page): the logs still come.
    server = server_factory(seed=True)

    def forward(method: str, path: str, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        resp = httpx.get(f"{server.url}{path}", params=[(k, v) for k, vs in query.items() for v in vs])
        return resp.status_code, resp.headers["content-type"], resp.content

    routes: dict[str, Route] = {
        "/health": fixed(500, "text/html", "<html><title>500 oops</title></html>"),
        "/logs": forward,
        "/stats": forward,
    }
    with http_server(routes) as url:
        app = make_app(url=url, start="2023-04-23T10:00:00", end="2023-04-23T10:05:00")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = logs_screen(app)
            assert screen.error_panel.text == ""
            assert screen.log_view.loaded_count == 6
            assert screen.histogram.state != "unavailable"  # /stats is still asked for
            assert "/health failed" in screen.status_bar.text
