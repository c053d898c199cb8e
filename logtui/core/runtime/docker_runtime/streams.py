"""Output streams from the engine: a container's log lines, and an archive's chunks read as a file."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Protocol

from docker.models.containers import Container

from logtui.core.runtime.docker_runtime.engine import SDK_ERRORS, Engine

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer


class _Closable(Protocol):
    def close(self) -> None: ...


class _Chunks(Iterable[bytes], _Closable, Protocol):
    pass


class LogStream(Iterator[str]):
    """Decoded lines from a Docker log stream; `close()`, from any thread, ends the iteration."""

    def __init__(self, chunks: _Chunks, on_close: Callable[[LogStream], None] | None = None) -> None:
        self._chunks = chunks
        self._lines = self._split(chunks)
        self._on_close = on_close
        self._closed = False

    @staticmethod
    def _split(chunks: Iterable[bytes]) -> Iterator[str]:
        pending = b""
        try:
            for chunk in chunks:
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    yield line.rstrip(b"\r").decode("utf-8", "replace")
        except SDK_ERRORS:
            # The socket was shut down by close(), or the engine went away: the stream simply ends.
            pass
        if pending:
            yield pending.decode("utf-8", "replace")

    def __next__(self) -> str:
        if self._closed:
            raise StopIteration
        return next(self._lines)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._chunks.close()
        except Exception:  # already closed by the engine; nothing left to release
            pass
        if self._on_close:
            self._on_close(self)


class ChunkReader(io.RawIOBase):
    """A file-like view of get_archive's chunk iterator, so tarfile can stream it without a temp copy."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._it = iter(chunks)
        self._buf = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        while not self._buf:
            try:
                self._buf = next(self._it)
            except StopIteration:
                return 0
        view = memoryview(buffer).cast("B")
        n = min(len(view), len(self._buf))
        view[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


class ContainerLogs:
    """The container's stdout/stderr, read once or followed; every followed stream ends on `close()`."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._streams: set[LogStream] = set()
        self._lock = threading.Lock()

    def read(self, container: Container, tail: int) -> Iterator[str]:
        raw = self._engine.call(
            "reading the container's logs",
            lambda: container.logs(stdout=True, stderr=True, tail=tail if tail >= 0 else "all"),
        )
        return iter(raw.decode("utf-8", "replace").splitlines())

    def follow(self, container: Container, tail: int) -> LogStream:
        chunks = self._engine.call(
            "following the container's logs",
            lambda: container.logs(stdout=True, stderr=True, stream=True, follow=True, tail=max(tail, 0)),
        )
        stream = LogStream(chunks, on_close=self._forget)
        with self._lock:
            self._streams.add(stream)
        return stream

    def _forget(self, stream: LogStream) -> None:
        with self._lock:
            self._streams.discard(stream)

    def close(self) -> None:
        with self._lock:
            streams = list(self._streams)
        for stream in streams:
            stream.close()
