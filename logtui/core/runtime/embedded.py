"""The local log-analyzer as a child process of logtui: the default where there is no Docker.

`log-analyzer serve` runs from this same Python on 127.0.0.1 (a free port), over an SQLite file in the user's
data dir, seeded with demo data on first run so a new user sees logs at once.

No orphans: the child is stopped by `stop()`/`close()`, by an atexit hook, and, when logtui dies without
running either (SIGKILL, a crash), by itself: it watches its stdin, a pipe from logtui, and stops when that
closes. With `keep_running=True` the child is detached instead (own session, output to a log file) and a
state file lets the next logtui find it again.

All calls block: run them in threads.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import httpx

from logtui.core import paths
from logtui.core.errors import NotHealthy, RuntimeFailure
from logtui.core.runtime.base import (
    DEFAULT_DEMO_RECORDS,
    HEALTH_TIMEOUT,
    SEED_SCRIPT,
    BackupFailed,
    RuntimeState,
    RuntimeStatus,
)

__all__ = ["DEFAULT_DEMO_RECORDS", "EmbeddedRuntime"]

# Runs in the child before the server: when LOGTUI_WATCH_PARENT=1, a thread reads stdin (a pipe whose other
# end only logtui holds) and on EOF, i.e. logtui is gone however it ended, asks the server to stop (SIGTERM:
# uvicorn shuts down cleanly), and exits hard if that takes over 10 s. Then the usual log_analyzer.cli runs.
_LAUNCHER = r"""
import os, runpy, signal, sys, threading, time
def _watch_parent():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except (OSError, ValueError):
        pass
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(10)
    os._exit(1)
if os.environ.pop("LOGTUI_WATCH_PARENT", "") == "1":
    threading.Thread(target=_watch_parent, name="logtui-parent-watch", daemon=True).start()
sys.argv = ["log-analyzer", *sys.argv[1:]]
runpy.run_module("log_analyzer.cli", run_name="__main__", alter_sys=True)
"""

_live: weakref.WeakSet[EmbeddedRuntime] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for rt in list(_live):
        with contextlib.suppress(Exception):
            rt.close()


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _pid_alive(pid: int) -> bool:
    try:
        # A zombie (exited, not yet reaped: e.g. where PID 1 does not reap) serves nothing: count it as gone.
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:
        pass  # no /proc (macOS): ask the kernel
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Ring:
    """The child's recent output lines, numbered so followers can wait for the ones after what they saw."""

    def __init__(self, size: int) -> None:
        self._lines: collections.deque[tuple[int, str]] = collections.deque(maxlen=size)
        self._next = 0
        self._cond = threading.Condition()
        self.ended = False

    def push(self, line: str) -> None:
        with self._cond:
            self._lines.append((self._next, line))
            self._next += 1
            self._cond.notify_all()

    def end(self) -> None:
        with self._cond:
            self.ended = True
            self._cond.notify_all()

    def reopen(self) -> None:
        with self._cond:
            self.ended = False

    def tail(self, n: int) -> tuple[list[str], int]:
        with self._cond:
            lines = list(self._lines)[-n:] if n > 0 else []
            return [text for _, text in lines], self._next

    def after(self, seq: int, timeout: float) -> tuple[list[str], int]:
        """Lines numbered >= seq, waiting up to `timeout` for one; returns them and the next number."""
        with self._cond:
            if self._next <= seq and not self.ended:
                self._cond.wait(timeout)
            fresh = [(i, text) for i, text in self._lines if i >= seq]
            return [text for _, text in fresh], self._next


class RingFollow(Iterator[str]):
    """`logs(follow=True)`: yields the tail, then each new line; ends when the server stops or on close()."""

    def __init__(self, ring: _Ring, tail: int, is_running: Callable[[], bool]) -> None:
        self._ring = ring
        self._pending, self._seq = ring.tail(tail)
        self._is_running = is_running
        self._closed = threading.Event()

    def __next__(self) -> str:
        while not self._pending:
            if self._closed.is_set():
                raise StopIteration
            lines, self._seq = self._ring.after(self._seq, 0.25)
            self._pending = lines
            if not lines and (self._ring.ended or not self._is_running()):
                raise StopIteration
        return self._pending.pop(0)

    def close(self) -> None:
        self._closed.set()


class EmbeddedRuntime:
    kind = "embedded"

    def __init__(
        self,
        db_path: Path | None = None,
        *,
        port: int | None = None,
        demo_records: int = DEFAULT_DEMO_RECORDS,
        course_sample: bool = False,
        keep_running: bool = False,
        python: str | None = None,
        env: Mapping[str, str] | None = None,
        ring_size: int = 5000,
    ) -> None:
        self.db_path = Path(db_path) if db_path is not None else paths.embedded_db_path()
        self.demo_records = demo_records
        # With the demo data, also the course's 22-record sample (choose_runtime asks for it, so a first run
        # holds the same data as the Docker runtime's and the course's curl examples work).
        self.course_sample = course_sample
        #: Set by choose_runtime("auto") when it fell back from Docker: why, in one sentence for the user.
        self.choice_note: str | None = None
        self.keep_running = keep_running
        self._fixed_port = port
        self._python = python or sys.executable
        self._env = dict(env) if env is not None else None
        self._ring = _Ring(ring_size)
        self._lock = threading.RLock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._adopted_pid: int | None = None
        self._port: int | None = None
        self._started_at: datetime | None = None
        self._exit_code: int | None = None
        self._readers: list[threading.Thread] = []
        self._stop_tail = threading.Event()
        self._followers: list[RingFollow] = []
        _live.add(self)

    # --- paths --------------------------------------------------------------------------------------------

    @property
    def _state_file(self) -> Path:
        return self.db_path.with_name("server.json")

    @property
    def _log_file(self) -> Path:
        return self.db_path.with_name("server.log")

    @property
    def base_url(self) -> str | None:
        return f"http://127.0.0.1:{self._port}" if self._port and self._running() else None

    @property
    def pid(self) -> int | None:
        if self._proc is not None:
            return self._proc.pid
        return self._adopted_pid

    def _child_env(self) -> dict[str, str]:
        env = dict(os.environ if self._env is None else self._env)
        env["PYTHONUNBUFFERED"] = "1"
        # The command line names the database; stray settings from the user's shell must not override it.
        for key in ("LOG_ANALYZER_DB", "LOG_ANALYZER_DATABASE_URL", "PORT", "LOG_ANALYZER_SEED_ON_EMPTY"):
            env.pop(key, None)
        return env

    # --- process state ------------------------------------------------------------------------------------

    def _running(self) -> bool:
        if self._proc is not None:
            if self._proc.poll() is None:
                return True
            self._exit_code = self._proc.returncode
            return False
        return self._adopted_pid is not None and _pid_alive(self._adopted_pid)

    def _probe(self, timeout: float = 1.0) -> bool:
        if not self._port:
            return False
        try:
            return httpx.get(f"http://127.0.0.1:{self._port}/health", timeout=timeout).status_code == 200
        except httpx.HTTPError:
            return False

    def _db_size(self) -> int | None:
        try:
            size = self.db_path.stat().st_size
        except OSError:
            return None
        wal = self.db_path.with_name(self.db_path.name + "-wal")
        return size + (wal.stat().st_size if wal.exists() else 0)

    def status(self) -> RuntimeStatus:
        with self._lock:
            running = self._running()
            common: dict[str, Any] = dict(
                started_at=self._started_at, db_size=self._db_size(), volume=str(self.db_path)
            )
            if running:
                address = f"127.0.0.1:{self._port}"
                if self._probe():
                    return RuntimeStatus(
                        RuntimeState.HEALTHY,
                        f"Serving on http://{address} (embedded, pid {self.pid})",
                        host_port=self._port,
                        address=address,
                        **common,
                    )
                return RuntimeStatus(
                    RuntimeState.RUNNING,
                    f"Starting (embedded, pid {self.pid}); /health not answering yet",
                    host_port=self._port,
                    address=address,
                    **common,
                )
            if self._exit_code is not None and self._started_at is not None:
                return RuntimeStatus(
                    RuntimeState.EXITED,
                    f"The embedded server exited with code {self._exit_code}",
                    exit_code=self._exit_code,
                    **common,
                )
            return RuntimeStatus(
                RuntimeState.IMAGE_BUILT,
                f"Ready to start the embedded server (database {self.db_path})",
                **common,
            )

    # --- build / start ------------------------------------------------------------------------------------

    def build(self, on_line: Callable[[str], None]) -> None:
        on_line(
            "Nothing to build: the embedded runtime runs the log-analyzer from this Python "
            f"({self._python}); no Docker image is involved."
        )

    def _seed(self) -> None:
        parts = ["the course's sample"] if self.course_sample else []
        parts += [f"{self.demo_records} demo records"] if self.demo_records > 0 else []
        self._ring.push(f"logtui: first run, loading {' and '.join(parts)} into {self.db_path}")
        cmd = [
            self._python,
            "-c",
            SEED_SCRIPT,
            str(self.demo_records),
            str(self.db_path),
            "1" if self.course_sample else "0",
        ]
        try:
            done = subprocess.run(
                cmd,
                env=self._child_env(),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=300,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise RuntimeFailure(
                "Generating the demo data took over 300 s", "Try again, or lower it."
            ) from exc
        for line in (done.stdout + done.stderr).decode("utf-8", "replace").splitlines():
            # The progress bar redraws with \r; keep its last state only.
            self._ring.push(line.rsplit("\r", 1)[-1])
        if done.returncode != 0:
            for suffix in ("", "-wal", "-shm"):
                self.db_path.with_name(self.db_path.name + suffix).unlink(missing_ok=True)
            tail = "\n".join(self._ring.tail(10)[0])
            raise RuntimeFailure(
                f"Generating the demo data failed (exit code {done.returncode})", tail or None
            )

    def _try_adopt(self) -> bool:
        """Re-attach to a server a previous logtui left running with keep_running."""
        try:
            state = json.loads(self._state_file.read_text())
            pid, port, db = int(state["pid"]), int(state["port"]), str(state["db"])
        except (OSError, ValueError, KeyError, TypeError):
            return False
        if db != str(self.db_path) or not _pid_alive(pid):
            self._state_file.unlink(missing_ok=True)
            return False
        self._adopted_pid, self._port = pid, port
        if not self._probe():
            self._adopted_pid, self._port = None, None
            return False
        self._started_at = datetime.fromtimestamp(float(state.get("started", time.time())), UTC)
        self._start_file_tail()
        return True

    def start(self) -> None:
        with self._lock:
            if self._running():
                return
            self._proc, self._adopted_pid, self._exit_code = None, None, None
            if self._try_adopt():
                return
            paths.ensure_dir(self.db_path.parent)
            if not self.db_path.exists() and (self.demo_records > 0 or self.course_sample):
                self._seed()
            self._spawn(self._fixed_port or free_port())

    def _spawn(self, port: int) -> None:
        cmd = [
            self._python,
            "-c",
            _LAUNCHER,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--db",
            str(self.db_path),
        ]
        env = self._child_env()
        self._ring.reopen()
        self._ring.push(f"logtui: starting the embedded server on 127.0.0.1:{port}")
        if self.keep_running:
            with open(self._log_file, "ab") as log:
                self._proc = subprocess.Popen(
                    cmd,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            self._state_file.write_text(
                json.dumps(
                    {"pid": self._proc.pid, "port": port, "db": str(self.db_path), "started": time.time()}
                )
            )
            self._start_file_tail()
        else:
            env["LOGTUI_WATCH_PARENT"] = "1"
            self._proc = subprocess.Popen(
                cmd,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            assert self._proc.stdout is not None
            reader = threading.Thread(
                target=self._read_pipe, args=(self._proc.stdout,), name="logtui-embedded-output", daemon=True
            )
            reader.start()
            self._readers.append(reader)
        self._port = port
        self._started_at = datetime.now(UTC)

    def _read_pipe(self, stream: IO[bytes]) -> None:
        with contextlib.suppress(OSError, ValueError):
            for raw in iter(stream.readline, b""):
                self._ring.push(raw.decode("utf-8", "replace").rstrip("\r\n"))
        self._ring.end()

    def _start_file_tail(self) -> None:
        self._stop_tail.clear()
        log_file = self._log_file

        def tail() -> None:
            try:
                f = open(log_file, "rb")
            except OSError:
                return
            with f:
                pending = b""
                while not self._stop_tail.is_set():
                    chunk = f.readline()
                    if chunk:
                        pending += chunk
                        if pending.endswith(b"\n"):
                            self._ring.push(pending.decode("utf-8", "replace").rstrip("\r\n"))
                            pending = b""
                    elif not self._running():
                        break
                    else:
                        self._stop_tail.wait(0.2)
            self._ring.end()

        thread = threading.Thread(target=tail, name="logtui-embedded-log", daemon=True)
        thread.start()
        self._readers.append(thread)

    def wait_healthy(self, timeout: float = HEALTH_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        pause = threading.Event()
        retries = 0 if self._fixed_port else 3
        while True:
            with self._lock:
                if not self._running():
                    # The reader thread may still hold the last lines (the reason it exited): let it finish.
                    for reader in self._readers:
                        reader.join(timeout=2)
                    output = "\n".join(self._ring.tail(20)[0])
                    if self._proc is not None and "address already in use" in output and retries > 0:
                        # Another program took the free port between our check and the server's bind.
                        retries -= 1
                        self._spawn(free_port())
                        continue
                    raise NotHealthy(
                        f"The embedded server exited with code {self._exit_code}",
                        f"Its last output:\n{output}",
                    )
                if self._probe():
                    return
            if time.monotonic() >= deadline:
                raise NotHealthy(
                    f"The embedded server did not answer /health within {timeout:g} s",
                    "Its last output:\n" + "\n".join(self._ring.tail(20)[0]),
                )
            pause.wait(0.1)

    # --- stop ---------------------------------------------------------------------------------------------

    def stop(self, timeout: float = 10) -> None:
        with self._lock:
            proc, adopted = self._proc, self._adopted_pid
            if proc is not None:
                if proc.poll() is None:
                    proc.terminate()
                    try:
                        proc.wait(timeout)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait(5)
                self._exit_code = proc.returncode
                for pipe in (proc.stdin, proc.stdout):
                    with contextlib.suppress(OSError):
                        if pipe is not None:
                            pipe.close()
            elif adopted is not None and _pid_alive(adopted):
                os.kill(adopted, signal.SIGTERM)
                deadline = time.monotonic() + timeout
                pause = threading.Event()
                while _pid_alive(adopted) and time.monotonic() < deadline:
                    pause.wait(0.05)
                if _pid_alive(adopted):
                    os.kill(adopted, signal.SIGKILL)
                self._exit_code = 0
                self._adopted_pid = None
            if proc is not None or adopted is not None:
                self._state_file.unlink(missing_ok=True)
            self._stop_tail.set()
            for reader in self._readers:
                reader.join(timeout=2)
            self._readers.clear()

    def restart(self) -> None:
        self.stop()
        self.start()

    def remove(self) -> None:
        """Nothing to remove but the process; the database stays."""
        self.stop()

    def delete_data(self) -> None:
        self.stop()
        for suffix in ("", "-wal", "-shm"):
            self.db_path.with_name(self.db_path.name + suffix).unlink(missing_ok=True)

    def close(self) -> None:
        for follower in self._followers:
            follower.close()
        self._followers.clear()
        if self.keep_running and self._running():
            # Detached on purpose: the state file lets the next logtui re-attach; only our tail thread stops.
            self._stop_tail.set()
            return
        self.stop()

    # --- logs / backup ------------------------------------------------------------------------------------

    def logs(self, tail: int = 100, follow: bool = False) -> Iterator[str]:
        if not follow:
            return iter(self._ring.tail(tail)[0])
        follower = RingFollow(self._ring, tail, self._running)
        self._followers.append(follower)
        return follower

    def backup(self, dest: Path, on_progress: Callable[[int], None] | None = None) -> Path:
        """A consistent copy through SQLite's online backup API (safe while the server writes)."""
        dest = Path(dest)
        if dest.is_dir():
            dest = dest / f"log-analyzer-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.db"
        if not self.db_path.exists():
            raise BackupFailed(f"There is no database at {self.db_path} yet", "Start the server once first.")
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(dest.name + ".part")
        part.unlink(missing_ok=True)
        try:
            src = sqlite3.connect(self.db_path, timeout=30)
            out = sqlite3.connect(part)
            try:
                page_size = int(src.execute("PRAGMA page_size").fetchone()[0])

                def progress(_status: int, remaining: int, total: int) -> None:
                    if on_progress:
                        on_progress((total - remaining) * page_size)

                src.backup(out, pages=1024, progress=progress)
                out.execute("PRAGMA journal_mode=DELETE")
                ok = out.execute("PRAGMA quick_check").fetchone()
            finally:
                out.close()
                src.close()
            if not ok or ok[0] != "ok":
                raise BackupFailed("The backup copy failed SQLite's check", str(ok[0] if ok else "no answer"))
            os.replace(part, dest)
        except sqlite3.Error as exc:
            raise BackupFailed(f"Backing up {self.db_path} failed", str(exc)) from exc
        finally:
            part.unlink(missing_ok=True)
        return dest
