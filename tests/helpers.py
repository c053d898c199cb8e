"""Test helpers: a real log-analyzer server in a child process on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_process(proc: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM a child we started, SIGKILL it if it has not gone within 10 s; nothing if it already ended."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def wait_until(condition: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    """Poll `condition` until it holds; for waiting on external processes (servers, containers)."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while time.monotonic() < deadline:
        if condition():
            return
        pause.wait(0.05)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


class ServerProcess:
    """`log-analyzer serve` as a child process on a free loopback port, with its own SQLite file."""

    def __init__(
        self,
        db_path: Path,
        *,
        env: dict[str, str] | None = None,
        seed: bool = False,
        port: int | None = None,
    ) -> None:
        self.db_path = db_path
        self.port = port or free_port()
        self._fixed_port = port is not None
        self.url = f"http://127.0.0.1:{self.port}"
        # The service's own settings come only from `env`: a LOG_ANALYZER_API_KEY (or DB, PORT…) in the
        # developer's shell must not change what a test, a benchmark or a screenshot sees.
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("LOG_ANALYZER_")}
        self._env = {**inherited, **(env or {})}
        self._seed = seed
        self.proc: subprocess.Popen[bytes] | None = None
        self._log = db_path.with_suffix(".server.log")

    def start(self) -> ServerProcess:
        if self._seed:
            subprocess.run(
                [sys.executable, "-m", "log_analyzer.cli", "seed", *self._db_args()],
                check=True,
                env=self._env,
                capture_output=True,
            )
        for attempt in range(3):
            self._launch()
            try:
                wait_until(self._healthy, timeout=30, what=f"log-analyzer on {self.url} (log: {self._log})")
                return self
            except RuntimeError:
                # Another process (a parallel test run) bound the free port between free_port() and the
                # server's bind: try a fresh port, unless the caller asked for this one.
                taken = "address already in use" in self._log.read_text(errors="replace")
                if not taken or self._fixed_port or attempt == 2:
                    raise
                self.port = free_port()
                self.url = f"http://127.0.0.1:{self.port}"
        return self

    def _launch(self) -> None:
        with open(self._log, "wb") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "log_analyzer.cli",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    *self._db_args(),
                ],
                env=self._env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def env(self) -> dict[str, str]:
        """The LOG_ANALYZER_* settings this server runs with (to start another one on the same store)."""
        return {k: v for k, v in self._env.items() if k.startswith("LOG_ANALYZER_")}

    @property
    def log_path(self) -> Path:
        return self._log

    def _db_args(self) -> list[str]:
        # a PostgreSQL store is named by LOG_ANALYZER_DATABASE_URL alone (with --db too the CLI refuses)
        return [] if self._env.get("LOG_ANALYZER_DATABASE_URL") else ["--db", str(self.db_path)]

    def _healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"server exited early: {self._log.read_text(errors='replace')}")
        # Only once this process has bound the port: before that, a /health answer would come from whatever
        # else listens there (seen once under parallel runs: a keyless server answered a keyed test).
        if f"running on {self.url}" not in self._log.read_text(errors="replace"):
            return False
        try:
            return httpx.get(f"{self.url}/health", timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    def post(self, records: list[dict[str, str]], batch: int = 5000) -> None:
        """POST records in batches, with the server's API key when it has one."""
        key = self._env.get("LOG_ANALYZER_API_KEY")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        with httpx.Client(timeout=60, headers=headers) as http:
            for i in range(0, len(records), batch):
                http.post(f"{self.url}/logs", json={"logs": records[i : i + batch]}).raise_for_status()

    def stop(self) -> None:
        stop_process(self.proc)


class OriginalServer:
    """The course's original service (tests/course_app.py) under uvicorn on a free loopback port.

    `insert` writes records straight into its SQLite file, also while it runs (it opens the file per request).
    `log_path` holds uvicorn's access log, one line per request with its query string.
    """

    def __init__(self, db_path: Path, records: list[dict[str, str]] | None = None) -> None:
        from tests.course_app import insert

        self.db_path = db_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = db_path.with_suffix(".original.log")
        self.proc: subprocess.Popen[bytes] | None = None
        insert(db_path, records or [])

    def insert(self, records: list[dict[str, str]]) -> None:
        from tests.course_app import insert

        insert(self.db_path, records)

    def requests(self) -> list[str]:
        """The request lines uvicorn logged so far ("GET /logs?start_time=…&end_time=… HTTP/1.1")."""
        if not self.log_path.exists():
            return []
        lines = self.log_path.read_text(errors="replace").splitlines()
        return [line.split('"')[1] for line in lines if line.count('"') >= 2]

    def start(self) -> OriginalServer:
        root = Path(__file__).resolve().parent.parent
        with open(self.log_path, "ab") as log:  # appended: a restarted server keeps the earlier requests
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.course_app",
                    "--db",
                    str(self.db_path),
                    "--port",
                    str(self.port),
                ],
                cwd=root,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until(self._up, timeout=30, what=f"the course's original service on {self.url}")
        return self

    def _up(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"server exited early: {self.log_path.read_text(errors='replace')}")
        try:
            return httpx.get(f"{self.url}/openapi.json", timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        stop_process(self.proc)


def write_batches(url: str, k: int, batches: int, batch: int, failures: list[str]) -> None:
    """Writer `k` of a concurrency test: `batches` POSTs of `batch` records (tag W<k>, on a day of its own, so
    counts per writer are exact). Runs in a thread: failures are noted in `failures`, not raised."""
    with httpx.Client(base_url=url, timeout=60) as client:
        for b in range(batches):
            day = f"2024-06-0{k + 1}T00:{b:02d}"
            logs = [
                {"timestamp": f"{day}:{i % 60:02d}", "tag": f"W{k}", "message": f"{b}-{i}"}
                for i in range(batch)
            ]
            r = client.post("/logs", json={"logs": logs})
            if r.status_code != 201:
                failures.append(f"POST {r.status_code} {r.text[:200]}")
