"""docker/Dockerfile.lambda on a real engine, driven through a small Lambda Runtime API emulator.

The runtime interface client (awslambdaric) in the image polls GET /2018-06-01/runtime/invocation/next and
posts the handler's result to /2018-06-01/runtime/invocation/{id}/response; the emulator below plays Lambda's
side of that protocol for one function-URL (payload 2.0) event, as the real service would.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import docker.errors
import pytest

pytestmark = pytest.mark.docker

REPO = Path(__file__).resolve().parents[2]
API = "/2018-06-01/runtime"
FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:log-analyzer"


def function_url_event(path: str, query: dict[str, str]) -> dict[str, Any]:
    raw_query = "&".join(f"{k}={v}" for k, v in query.items())
    domain = "abcdefghij.lambda-url.eu-west-1.on.aws"
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": {"host": domain, "accept": "application/json", "user-agent": "logtui-test"},
        "queryStringParameters": query,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": "abcdefghij",
            "domainName": domain,
            "domainPrefix": "abcdefghij",
            "http": {
                "method": "GET",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "logtui-test",
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": "23/Apr/2023:10:30:00 +0000",
            "timeEpoch": 1682245800000,
        },
        "isBase64Encoded": False,
    }


class RuntimeApiEmulator:
    """Lambda's side of the Runtime API for one queued event; records what the function posts back."""

    def __init__(self, event: dict[str, Any]) -> None:
        self.request_id = str(uuid.uuid4())
        self._event = json.dumps(event).encode()
        self._handed_out = False
        self.done = threading.Event()
        self.closing = threading.Event()
        self.result: tuple[str, Any] | None = None
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
                pass

            def _reply(self, code: int, body: bytes = b"{}", headers: dict[str, str] | None = None) -> None:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path != f"{API}/invocation/next":
                    self._reply(404)
                    return
                if emulator._handed_out:
                    # Lambda holds this long poll until the next event; none comes: hold until teardown.
                    emulator.closing.wait(120)
                    self._reply(500, b'{"errorMessage": "emulator closing"}')
                    return
                emulator._handed_out = True
                deadline = str(int(time.time() * 1000) + 30_000)
                self._reply(
                    200,
                    emulator._event,
                    {
                        "Lambda-Runtime-Aws-Request-Id": emulator.request_id,
                        "Lambda-Runtime-Deadline-Ms": deadline,
                        "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN,
                        "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000",
                    },
                )

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path == f"{API}/invocation/{emulator.request_id}/response":
                    emulator.result = ("response", json.loads(body))
                elif self.path.endswith("/error"):
                    emulator.result = ("error", body.decode("utf-8", "replace"))
                else:
                    self._reply(404)
                    return
                self._reply(202, b'{"status": "OK"}')
                emulator.done.set()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> RuntimeApiEmulator:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def lambda_image(docker_client: Any, build_client: Any) -> Iterator[str]:
    tag = f"log-analyzer-lambda:test-{uuid.uuid4().hex[:8]}"
    build_client.images.build(path=str(REPO), dockerfile="docker/Dockerfile.lambda", tag=tag, rm=True)
    yield tag
    try:
        docker_client.images.remove(tag, force=True, noprune=True)
    except docker.errors.APIError:
        pass


def test_lambda_image_answers_a_function_url_event_for_the_course_query(
    docker_client: Any, lambda_image: str
) -> None:
    event = function_url_event(
        "/logs", {"start_time": "2023-04-23T10:00:00", "end_time": "2023-04-23T10:05:00"}
    )
    with RuntimeApiEmulator(event) as emulator:
        # Host networking: the runtime interface client reaches the emulator on this host's 127.0.0.1.
        container = docker_client.containers.run(
            lambda_image,
            detach=True,
            network_mode="host",
            environment={"AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{emulator.port}"},
            name=f"logtui-lambda-test-{uuid.uuid4().hex[:8]}",
        )
        try:
            answered = emulator.done.wait(60)
            output = container.logs().decode("utf-8", "replace")
            assert answered, f"the function never answered; its output:\n{output}"
            assert container.attrs["Config"]["User"] == "app"
        finally:
            container.remove(force=True)

    assert emulator.result is not None
    kind, payload = emulator.result
    assert kind == "response", payload
    assert payload["statusCode"] == 200
    assert payload["headers"]["content-type"].startswith("application/json")
    assert json.loads(payload["body"]) == {
        "logs": [
            {"timestamp": f"2023-04-23T10:0{i}:00", "tag": "INFO", "message": "Test log"} for i in range(6)
        ],
        "next_cursor": None,
    }
