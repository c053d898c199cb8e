"""The Lambda handler, driven in-process with Lambda function-URL events (payload format 2.0)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from log_analyzer import lambda_handler
from log_analyzer.seed import sample_rows
from log_analyzer.settings import LAMBDA_MAX_RESPONSE_BYTES, Settings
from log_analyzer.store import open_store
from log_analyzer.timefmt import render

from tests.server.conftest import StoreEnv

LAMBDA_BUFFERED_LIMIT = 6 * 1024 * 1024
Invoke = Callable[..., dict[str, Any]]


class FakeContext:
    """Stands in for the LambdaContext the runtime passes; Mangum reads nothing from it on these paths."""

    function_name = "log-analyzer"
    aws_request_id = "test-request"


def url_event(
    method: str,
    path: str,
    params: list[tuple[str, str]] | None = None,
    body: bytes | None = None,
    *,
    base64_body: bool = False,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A function-URL event as AWS documents it (version 2.0, rawQueryString, requestContext.http)."""
    raw_qs = urlencode(params or [])
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": raw_qs,
        "headers": {
            "host": "abcdefg.lambda-url.eu-west-1.on.aws",
            "x-forwarded-proto": "https",
            "x-forwarded-port": "443",
            "user-agent": "pytest",
            **({"content-type": "application/json"} if body is not None else {}),
            **(headers or {}),
        },
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "abcdefg",
            "domainName": "abcdefg.lambda-url.eu-west-1.on.aws",
            "domainPrefix": "abcdefg",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.9",
                "userAgent": "pytest",
            },
            "requestId": "req-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "26/Nov/2026:02:00:00 +0000",
            "timeEpoch": 1795653600000,
        },
        "isBase64Encoded": base64_body,
    }
    if params:
        event["queryStringParameters"] = {k: v for k, v in params}
    if body is not None:
        event["body"] = base64.b64encode(body).decode() if base64_body else body.decode()
    return event


@pytest.fixture
def lambda_settings(tmp_path: Path, fresh_store: StoreEnv) -> Settings:
    """The store of one Lambda execution environment: /tmp's SQLite file, or a PostgreSQL database."""
    where = fresh_store() or {"LOG_ANALYZER_DB": str(tmp_path / "lambda.db")}
    return Settings.from_env({**where, "LOG_ANALYZER_SEED_ON_EMPTY": "1"}, lambda_mode=True)


@pytest.fixture
def invoke(lambda_settings: Settings) -> Iterator[Invoke]:
    handler = lambda_handler.make_handler(lambda_settings)

    def call(*args: Any, **kwargs: Any) -> dict[str, Any]:
        result: dict[str, Any] = handler(url_event(*args, **kwargs), FakeContext())
        # what the runtime sends back must fit Lambda's buffered limit
        assert len(json.dumps(result)) < LAMBDA_BUFFERED_LIMIT
        return result

    yield call
    handler.app.state.service.close()


def test_course_query_through_a_function_url(invoke: Invoke) -> None:
    result = invoke(
        "GET", "/logs", [("start_time", "2023-04-23T10:00:00"), ("end_time", "2023-04-23T10:05:00")]
    )
    assert result["statusCode"] == 200
    assert result["headers"]["content-type"] == "application/json"
    assert result["isBase64Encoded"] is False
    body = json.loads(result["body"])
    assert [r["timestamp"] for r in body["logs"]] == [f"2023-04-23T10:0{m}:00" for m in range(6)]
    assert body["next_cursor"] is None


def test_repeated_params_health_and_errors(invoke: Invoke, backend: str) -> None:
    body = json.loads(invoke("GET", "/logs", [("tag", "error"), ("tag", "WARN")])["body"])
    assert body["logs"] == [{"timestamp": "2023-04-23T10:22:00", "tag": "ERROR", "message": "Test error"}]
    health = json.loads(invoke("GET", "/health")["body"])
    assert health["records"] == 22 and health["storage"] == backend == health["backend"]
    bad = invoke("GET", "/logs", [("start_time", "soon")])
    assert bad["statusCode"] == 400
    assert json.loads(bad["body"])["errors"][0]["parameter"] == "start_time"


@pytest.mark.parametrize("base64_body", [False, True])
def test_post_through_a_function_url(invoke: Invoke, base64_body: bool) -> None:
    payload = json.dumps({"logs": [{"timestamp": "2024-01-01T00:00:00Z", "tag": "INFO", "message": "λ"}]})
    result = invoke("POST", "/logs", body=payload.encode(), base64_body=base64_body)
    assert result["statusCode"] == 201, result
    assert json.loads(result["body"]) == {"inserted": 1}
    got = json.loads(invoke("GET", "/logs", [("start_time", "2024-01-01")])["body"])["logs"]
    assert got == [{"timestamp": "2024-01-01T00:00:00", "tag": "INFO", "message": "λ"}]


def test_pages_stay_under_the_lambda_limit_at_any_limit(lambda_settings: Settings, invoke: Invoke) -> None:
    # 400 records of ~40 KB whose quotes, backslashes and non-ASCII all grow when the runtime re-encodes the
    # body: 16 MB of text that a single limit=10000 page would otherwise return at once.
    store = open_store(lambda_settings)
    base = 1_700_000_000_000_000
    nasty = ('"quoted" \\ back ✓ é ' * 2000)[:40_000]
    rows = [(base + i, render(base + i, True), "INFO", f"{i:04d} {nasty}") for i in range(400)]
    store.insert(rows)
    store.close()
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = [("start_time", "2023-11-01"), ("limit", "10000")] + ([("cursor", cursor)] if cursor else [])
        result = invoke("GET", "/logs", params)
        assert result["statusCode"] == 200
        assert len(json.dumps(result)) <= LAMBDA_MAX_RESPONSE_BYTES
        body = json.loads(result["body"])
        assert body["logs"], "every page makes progress"
        seen += [r["message"][:4] for r in body["logs"]]
        cursor = body["next_cursor"]
        pages += 1
        if cursor is None:
            break
    assert seen == [f"{i:04d}" for i in range(400)]
    assert pages >= 4


def test_module_handler_reads_its_settings_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOG_ANALYZER_DB", str(tmp_path / "env.db"))
    monkeypatch.setenv("LOG_ANALYZER_SEED_ON_EMPTY", "1")
    monkeypatch.setattr(lambda_handler, "_adapter", None)
    result = lambda_handler.handler(url_event("GET", "/health"), FakeContext())
    assert json.loads(result["body"])["records"] == 22
    assert (tmp_path / "env.db").exists()
    assert len(sample_rows()) == 22
