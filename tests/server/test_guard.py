"""Issue 10 on a real server: who may talk to a keyless service (Host, Origin, Content-Type), auth before the
body is buffered, refused bodies drained so every client reads the answer."""

from __future__ import annotations

import gzip
import http.client
import json
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.helpers import ServerProcess
from tests.server.conftest import assert_error

REC = {"timestamp": "2024-01-01T00:00:00", "tag": "INFO", "message": "hi"}
JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def keyless(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = ServerProcess(tmp_path_factory.mktemp("guard") / "logs.db", seed=True).start()
    yield server
    server.stop()


def _count(server: ServerProcess) -> int:
    return int(httpx.get(f"{server.url}/health").json()["records"])


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "localhost:{port}",
        "LocalHost:{port}",
        "127.0.0.1",
        "127.0.0.1:{port}",
        "127.1.2.3:{port}",
        "[::1]:{port}",
        "[::1]",
        "0.0.0.0:{port}",
        "app.localhost:{port}",
        "abcdefg.lambda-url.eu-west-1.on.aws",
        "xyz123.eu-west-1.awsapprunner.com",
        "a1b2c3.execute-api.us-east-1.amazonaws.com",
    ],
)
def test_loopback_and_aws_hosts_are_answered(keyless: ServerProcess, host: str) -> None:
    r = httpx.get(
        f"{keyless.url}/logs", params={"limit": 1}, headers={"Host": host.format(port=keyless.port)}
    )
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    "host",
    [
        "attacker.example",
        "attacker.example:{port}",
        "192.168.1.20:{port}",
        "localhost.attacker.example",
        "lambda-url.eu-west-1.on.aws.attacker.example",
    ],
)
def test_a_foreign_host_is_refused_while_reads_need_no_key(keyless: ServerProcess, host: str) -> None:
    """DNS rebinding: a page whose name now points at 127.0.0.1 must not read or write the logs."""
    headers = {"Host": host.format(port=keyless.port)}
    for r in (
        httpx.get(f"{keyless.url}/logs", headers=headers),
        httpx.get(f"{keyless.url}/stats", headers=headers),
        httpx.post(f"{keyless.url}/logs", json=REC, headers=headers),
    ):
        body = assert_error(r, 403, "Host")
        assert "LOG_ANALYZER_ALLOWED_HOSTS" in str(body["detail"])
    # /health stays open: container health checks and a remote Docker engine's probe
    assert httpx.get(f"{keyless.url}/health", headers=headers).status_code == 200


def test_allowed_hosts_and_a_read_key_lift_the_host_guard(
    server_factory: Callable[..., ServerProcess],
) -> None:
    listed = server_factory(env={"LOG_ANALYZER_ALLOWED_HOSTS": "logs.example.com, .corp.example"})
    for host in ("logs.example.com", "logs.example.com:8443", "a.corp.example", "corp.example"):
        assert httpx.get(f"{listed.url}/logs", headers={"Host": host}).status_code == 200, host
    assert httpx.get(f"{listed.url}/logs", headers={"Host": "other.example"}).status_code == 403
    keyed = server_factory(env={"LOG_ANALYZER_API_KEY": "k", "LOG_ANALYZER_READ_REQUIRES_KEY": "1"})
    r = httpx.get(f"{keyed.url}/logs", headers={"Host": "any.example", "Authorization": "Bearer k"})
    assert r.status_code == 200


@pytest.mark.parametrize(
    ("headers", "status", "parameter"),
    [
        ({"content-type": "text/plain"}, 415, "Content-Type"),
        ({"content-type": "application/x-www-form-urlencoded"}, 415, "Content-Type"),
        ({"content-type": "multipart/form-data; boundary=x"}, 415, "Content-Type"),
        ({"content-type": "application/json", "origin": "https://attacker.example"}, 403, "Origin"),
        ({"content-type": "application/json", "origin": "null"}, 403, "Origin"),
        ({"content-type": "application/json", "origin": "http://localhost:1"}, 403, "Origin"),
    ],
)
def test_cross_site_writes_are_refused(
    keyless: ServerProcess, headers: dict[str, str], status: int, parameter: str
) -> None:
    before = _count(keyless)
    r = httpx.post(f"{keyless.url}/logs", content=json.dumps(REC).encode(), headers=headers)
    body = assert_error(r, status, parameter)
    if parameter == "Content-Type":
        assert "application/json" in str(body["detail"])
    assert _count(keyless) == before


def test_writes_without_a_content_type_and_same_origin_writes(keyless: ServerProcess) -> None:
    before = _count(keyless)
    conn = http.client.HTTPConnection("127.0.0.1", keyless.port, timeout=30)
    conn.request("POST", "/logs", body=json.dumps(REC).encode())  # http.client sends no Content-Type
    r = conn.getresponse()
    assert r.status == 415 and "Content-Type" in json.loads(r.read())["detail"]
    conn.close()
    same = {"content-type": "application/json; charset=utf-8", "origin": f"http://127.0.0.1:{keyless.port}"}
    r2 = httpx.post(f"{keyless.url}/logs", content=json.dumps(REC).encode(), headers=same)
    assert r2.status_code == 201, r2.text
    assert _count(keyless) == before + 1


def test_a_gzip_body_is_415_not_invalid_json(keyless: ServerProcess) -> None:
    r = httpx.post(
        f"{keyless.url}/logs",
        content=gzip.compress(json.dumps(REC).encode()),
        headers={**JSON, "content-encoding": "gzip"},
    )
    body = assert_error(r, 415, "Content-Encoding")
    assert "gzip" in str(body["detail"])


def _raw_post(port: int, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, object]]:
    """Python's http.client sends the whole body before it reads the answer: the client of the issue."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", "/logs", body=body, headers=headers)
        r = conn.getresponse()
        return r.status, json.loads(r.read())
    finally:
        conn.close()


BIG = (
    b'{"logs": ['
    + b",".join([b'{"timestamp":"2024-05-01","tag":"INFO","message":"' + b"x" * 60_000 + b'"}'] * 100)
    + b"]}"
)


def test_every_client_reads_the_413(keyless: ServerProcess) -> None:
    assert len(BIG) > 5 * 1024 * 1024
    status, body = _raw_post(keyless.port, BIG, dict(JSON))
    assert status == 413 and "limit" in str(body["detail"])
    # the same with a chunked body (no length up front): counted as it arrives, then drained
    conn = http.client.HTTPConnection("127.0.0.1", keyless.port, timeout=60)
    conn.request(
        "POST",
        "/logs",
        body=iter([BIG[i : i + 65536] for i in range(0, len(BIG), 65536)]),
        headers=JSON,
        encode_chunked=True,
    )
    r = conn.getresponse()
    assert r.status == 413 and json.loads(r.read())["errors"][0]["parameter"] == "body"
    conn.close()


def test_auth_comes_before_the_size_check(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory(env={"LOG_ANALYZER_API_KEY": "k"})
    status, body = _raw_post(server.port, BIG, dict(JSON))
    assert status == 401 and "API key" in str(body["detail"])
    status, _ = _raw_post(server.port, BIG, {**JSON, "Authorization": "Bearer k"})
    assert status == 413
    assert _count(server) == 0


def test_head_health_and_the_spec_behind_the_read_key(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory(env={"LOG_ANALYZER_API_KEY": "k", "LOG_ANALYZER_READ_REQUIRES_KEY": "1"})
    head = httpx.head(f"{server.url}/health")
    assert head.status_code == 200 and head.content == b""
    assert httpx.get(f"{server.url}/openapi.json").status_code == 401
    spec = httpx.get(f"{server.url}/openapi.json", headers={"Authorization": "Bearer k"})
    assert spec.status_code == 200 and "/logs" in spec.json()["paths"]
    assert httpx.get(f"{server.url}/docs").status_code == 404
