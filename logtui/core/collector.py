"""Keep containers' output in the store: any container's stdout and stderr, line by line, as records.

Each line becomes a record with the container's own timestamp for it (Docker's, to the microsecond), a tag
read from the line (a level word, a JSON `level` field, `level=` in logfmt) or else from the stream (stderr
→ ERROR, stdout → INFO), and the message `[<container name>] <line>`: the name is searchable with the text
filter (`[web]`) and the level tags stay the same across containers.

At-least-once, stored exactly once: per container and stream a checkpoint — the timestamp of the last stored
line (nanoseconds) and how many lines at exactly that timestamp were stored — is committed in the same
transaction as the batch. After a crash (even SIGKILL), or when the container restarts, reading resumes
from the second before the checkpoint, skipping what the checkpoint covers.

Readers (one thread per container and stream) hand lines to a single writer through a bounded queue: when
the store is slower than the containers, readers block and stop reading Docker's stream (the engine keeps
the logs on its side), so memory stays bounded.

Blocking Docker calls: run in threads (the CLI does; the UI uses thread workers).
"""

from __future__ import annotations

import contextlib
import queue
import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from log_analyzer.store import Row
from log_analyzer.timefmt import render

from logtui.core.errors import LogtuiError
from logtui.core.line_formats import LineParser, access_log_tag, level_in_text, level_tag
from logtui.core.local_store import LocalStore
from logtui.core.record_builder import MAX_MESSAGE_CHARS

__all__ = ["CollectError", "CollectStats", "Collector", "parse_docker_time"]

STREAMS = ("stdout", "stderr")
_DOCKER_TS = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)")


class CollectError(LogtuiError):
    """A container cannot be collected (none by that name, no engine); the message says which and why."""


def parse_docker_time(text: str) -> int | None:
    """Docker's RFC 3339 timestamp (nanoseconds, trailing zeros trimmed) -> UTC epoch nanoseconds."""
    from datetime import UTC, datetime

    m = _DOCKER_TS.match(text)
    if m is None:
        return None
    dt = datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6]), tzinfo=UTC)
    ns = int(dt.timestamp()) * 1_000_000_000 + int((m[7] or "").ljust(9, "0"))
    tz = m[8]
    if tz != "Z":
        sign = -1 if tz[0] == "-" else 1
        ns -= sign * (int(tz[1:3]) * 3600 + int(tz[4:6]) * 60) * 1_000_000_000
    return ns


@dataclass
class _Position:
    """The last line taken from a stream: its timestamp and how many lines carried exactly that one."""

    ns: int = 0
    count: int = 0

    def take(self, ns: int) -> None:
        if ns == self.ns:
            self.count += 1
        else:
            self.ns, self.count = ns, 1

    def as_json(self) -> dict[str, int]:
        return {"ns": self.ns, "count": self.count}


@dataclass(frozen=True)
class CollectStats:
    lines: int
    elapsed: float
    per_container: dict[str, int]
    queued: int
    waiting: tuple[str, ...]
    error: str | None

    @property
    def lines_per_second(self) -> float:
        return self.lines / self.elapsed if self.elapsed > 0 else 0.0


def line_tag(parser: LineParser, text: str, stream: str) -> str:
    """The tag of a container's line: what the line says, else its stream's (stderr → ERROR).

    The line's own time, if any, is not needed (Docker's is used), so only the level is looked for: a JSON
    or logfmt level field, else a level word near the start."""
    tag = None
    if text.startswith("{"):
        tag = parser.untimed(text).tag
    elif "level=" in text[:200]:
        m = _LOGFMT_LEVEL.search(text, 0, 200)
        tag = level_tag(m[1]) if m else None
    elif '] "' in text:
        access = access_log_tag(text)  # `GET /error 200` is not an error: the status says what it is
        if access is not None:
            return access
    if tag is None:
        tag = level_in_text(text)
    return tag or ("ERROR" if stream == "stderr" else "INFO")


_LOGFMT_LEVEL = re.compile(r"(?<![\w.])(?:level|lvl)=\"?(\w+)")
_second_cache: dict[bytes, tuple[int, str]] = {}


def docker_stamp(stamp: bytes) -> tuple[int, str] | None:
    """Docker's `2026-11-26T12:40:07.902092123Z` -> (epoch ns, the store's `2026-11-26T12:40:07.902092`).

    Docker writes UTC with a Z: the whole-second part is looked up in a cache, so a busy container costs a
    dict lookup and an int() per line instead of a datetime."""
    if len(stamp) < 20 or stamp[-1:] != b"Z":
        ns = parse_docker_time(stamp.decode("ascii", "replace"))
        return None if ns is None else (ns, render(ns // 1000, True))
    head = stamp[:19]
    cached = _second_cache.get(head)
    if cached is None:
        ns0 = parse_docker_time(head.decode("ascii", "replace") + "Z")
        if ns0 is None:
            return None
        cached = (ns0, head.decode("ascii"))
        if len(_second_cache) > 4096:
            _second_cache.clear()
        _second_cache[head] = cached
    frac = stamp[20:-1] if stamp[19:20] == b"." else b""
    if not frac.isdigit() and frac:
        return None
    digits = frac.ljust(9, b"0")
    return cached[0] + int(digits), f"{cached[1]}.{digits[:6].decode()}"


def to_row(name: str, ns: int, text: str, tag: str, ts_text: str | None = None) -> Row:
    micros = ns // 1000
    message = f"[{name}] {text}"
    if "\x00" in message:
        message = message.replace("\x00", "\ufffd")
    if len(message) > MAX_MESSAGE_CHARS:
        note = f" … [cut: {len(message)} characters]"
        message = message[: MAX_MESSAGE_CHARS - len(note)] + note
    return (micros, ts_text or render(micros, True), tag, message)


class Collector:
    """Collect `names` (containers) into the store at `store_path` until stop()."""

    def __init__(
        self,
        store_path: Path,
        names: Sequence[str],
        *,
        client: Any = None,
        queue_chunks: int = 256,
        batch: int = 5000,
        flush_seconds: float = 0.2,
        poll_interval: float = 0.5,
    ) -> None:
        self.store_path = Path(store_path)
        self.names = list(dict.fromkeys(names))
        self._client = client
        self._queue: queue.Queue[tuple[str, _Position, list[Row]]] = queue.Queue(maxsize=queue_chunks)
        self.batch = batch
        self.flush_seconds = flush_seconds
        self.poll_interval = poll_interval
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._stored: dict[str, int] = dict.fromkeys(self.names, 0)
        self._waiting: set[str] = set()
        self._streams: set[Any] = set()
        self._error: str | None = None
        self._started = 0.0
        self._store: LocalStore | None = None
        self.committed = threading.Condition()

    # --- control -------------------------------------------------------------------------------------------

    def start(self) -> Collector:
        """Check the containers exist, open the store, start reading (CollectError, LocalStoreError)."""
        if self._client is None:
            self._client = _docker_client()
        for name in self.names:
            self._container(name, must_exist=True)
        self._store = LocalStore(self.store_path)
        for name in self.names:
            if not all(self._store.claim(f"docker:{name}:{stream}") for stream in STREAMS):
                self._store.close()
                self._store = None
                raise CollectError(
                    f"{name} is already being collected into {self.store_path} by another logtui",
                    "Stop that one first (both would store every line), or collect into another --store.",
                )
        self._started = time.monotonic()
        writer = threading.Thread(target=self._write_loop, name="logtui-collect-writer", daemon=True)
        writer.start()
        self._threads.append(writer)
        for name in self.names:
            for stream in STREAMS:
                reader = threading.Thread(
                    target=self._read_loop,
                    args=(name, stream),
                    name=f"logtui-collect-{name}-{stream}",
                    daemon=True,
                )
                reader.start()
                self._threads.append(reader)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop reading, store what is queued, close."""
        self._stop.set()
        with self._lock:
            streams = list(self._streams)
        for stream in streams:
            with contextlib.suppress(Exception):
                stream.close()
        for thread in self._threads:
            thread.join(timeout)
        if self._store is not None:
            self._store.close()
            self._store = None

    def stats(self) -> CollectStats:
        with self._lock:
            per = dict(self._stored)
            waiting = tuple(sorted(self._waiting))
            error = self._error
        return CollectStats(
            lines=sum(per.values()),
            elapsed=time.monotonic() - self._started if self._started else 0.0,
            per_container=per,
            queued=self._queue.qsize(),
            waiting=waiting,
            error=error,
        )

    def wait_stored(self, total: int, timeout: float) -> bool:
        """Block until at least `total` lines are stored (for scripts and tests)."""
        deadline = time.monotonic() + timeout
        with self.committed:
            while self.stats().lines < total:
                left = deadline - time.monotonic()
                if left <= 0 or self._error is not None:
                    return False
                self.committed.wait(left)
        return True

    # --- readers ---------------------------------------------------------------------------------------

    def _container(self, name: str, *, must_exist: bool = False) -> Any:
        import docker.errors

        try:
            return self._client.containers.get(name)
        except docker.errors.NotFound:
            if must_exist:
                running = ", ".join(sorted(c.name for c in self._client.containers.list())) or "none"
                raise CollectError(f"no container named {name!r}", f"running containers: {running}") from None
            return None
        except docker.errors.DockerException as exc:
            if must_exist:
                raise CollectError(f"cannot ask Docker about {name!r}: {exc}") from None
            return None

    def _read_loop(self, name: str, stream_name: str) -> None:
        source = f"docker:{name}:{stream_name}"
        assert self._store is not None
        saved = self._store.checkpoint(source) or {}
        position = _Position(int(saved.get("ns", 0)), int(saved.get("count", 0)))
        parser = LineParser()
        seen_start: str | None = None
        while not self._stop.is_set():
            container = self._container(name)
            if container is None:
                self._set_waiting(name, True)
                self._stop.wait(self.poll_interval)
                continue
            started = container.attrs.get("State", {}).get("StartedAt")
            running = container.status == "running"
            if seen_start == started and not running:
                # Read to the end after it stopped; wait for a (re)start before reading again.
                self._set_waiting(name, True)
                self._stop.wait(self.poll_interval)
                continue
            self._set_waiting(name, False)
            seen_start = started
            try:
                self._read_stream(container, name, stream_name, source, position, parser)
            except Exception:  # the engine went away, the container was removed mid-read: retry
                if self._stop.is_set():
                    return
                self._set_waiting(name, True)
                self._stop.wait(self.poll_interval)
            if running:
                # The stream ended: the container stopped (or restarts). Look again after a pause.
                self._stop.wait(self.poll_interval / 5)

    def _set_waiting(self, name: str, waiting: bool) -> None:
        with self._lock:
            (self._waiting.add if waiting else self._waiting.discard)(name)

    def _read_stream(
        self,
        container: Any,
        name: str,
        stream_name: str,
        source: str,
        position: _Position,
        parser: LineParser,
    ) -> None:
        # `since` has whole-second precision here: read from the checkpoint's second and skip what it covers.
        since = position.ns // 1_000_000_000 if position.ns else None
        skip_ns, skip = position.ns, position.count
        logs = self._client.api.logs(
            container.id,
            stdout=stream_name == "stdout",
            stderr=stream_name == "stderr",
            stream=True,
            follow=True,
            timestamps=True,
            since=since if since else None,
        )
        with self._lock:
            self._streams.add(logs)
        default_tag_stream = stream_name
        try:
            pending = b""
            for chunk in logs:
                if self._stop.is_set():
                    return
                data = pending + chunk if pending else chunk
                lines = data.split(b"\n")
                pending = lines.pop()
                rows: list[Row] = []
                for raw in lines:
                    stamp, _, body = raw.partition(b" ")
                    when = docker_stamp(stamp)
                    if when is None:
                        continue
                    ns, ts_text = when
                    if ns < skip_ns or (ns == skip_ns and skip > 0):
                        if ns == skip_ns:
                            skip -= 1
                        continue
                    text = body.decode("utf-8", "replace").rstrip("\r")
                    rows.append(to_row(name, ns, text, line_tag(parser, text, default_tag_stream), ts_text))
                    position.take(ns)
                if rows:
                    self._put(source, _Position(position.ns, position.count), rows)
        finally:
            with self._lock:
                self._streams.discard(logs)
            with contextlib.suppress(Exception):
                logs.close()

    def _put(self, source: str, position: _Position, rows: list[Row]) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put((source, position, rows), timeout=0.2)
                return
            except queue.Full:
                continue  # back-pressure: the store is behind; Docker keeps the logs meanwhile

    # --- writer ----------------------------------------------------------------------------------------

    def _write_loop(self) -> None:
        assert self._store is not None
        store = self._store
        while True:
            items = self._drain()
            if items:
                rows: list[Row] = []
                checkpoints: dict[str, dict[str, Any]] = {}
                per: dict[str, int] = {}
                for source, position, chunk in items:
                    rows.extend(chunk)
                    checkpoints[source] = position.as_json()
                    name = source.split(":", 1)[1].rsplit(":", 1)[0]
                    per[name] = per.get(name, 0) + len(chunk)
                try:
                    store.commit(rows, checkpoints)
                except LogtuiError as exc:
                    with self._lock:
                        self._error = exc.title
                    self._stop.set()
                    with self.committed:
                        self.committed.notify_all()
                    return
                with self._lock:
                    for name, n in per.items():
                        self._stored[name] = self._stored.get(name, 0) + n
                with self.committed:
                    self.committed.notify_all()
            elif self._stop.is_set() and not any(t.is_alive() for t in self._readers()):
                return

    def _readers(self) -> Iterable[threading.Thread]:
        return (t for t in self._threads if t.name != "logtui-collect-writer")

    def _drain(self) -> list[tuple[str, _Position, list[Row]]]:
        items: list[tuple[str, _Position, list[Row]]] = []
        try:
            items.append(self._queue.get(timeout=self.flush_seconds))
        except queue.Empty:
            return items
        count = len(items[0][2])
        deadline = time.monotonic() + self.flush_seconds
        while count < self.batch:
            try:
                item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            items.append(item)
            count += len(item[2])
        return items


def running_container_names(client: Any = None) -> list[str]:
    """Names of the running containers (CollectError when no engine answers)."""
    own = client is None
    client = client or _docker_client()
    try:
        return sorted(c.name for c in client.containers.list())
    except Exception as exc:
        raise CollectError(f"cannot list the running containers: {exc}") from None
    finally:
        if own:
            client.close()


def _docker_client() -> Any:
    import docker

    try:
        client = docker.from_env(timeout=30)
        client.ping()
    except Exception as exc:
        raise CollectError(
            f"no Docker engine answers ({type(exc).__name__})",
            "Start Docker, or point DOCKER_HOST at an engine.",
        ) from None
    return client
