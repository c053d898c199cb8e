"""`logtui FILE…`: read log files (globs, `-` for stdin, .gz) into a local store in a background thread,
with progress, and keep following the files that grow.

Each file has a checkpoint in the store, committed with each batch: its offset (in the decompressed stream for
.gz), a hash of its first bytes and the time untimed lines carry on with. Re-opening a file reads only what
was appended; a file whose first bytes changed (replaced, or truncated and rewritten) is read from its start.
While following: a file that shrinks was truncated (read again from 0); a path that now names another file
was rotated (the old one is read to its end, then the new one from its start).

No Textual here; the app polls `progress()`.
"""

from __future__ import annotations

import contextlib
import glob
import gzip
import hashlib
import os
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from log_analyzer.store import Row

from logtui.core.errors import LogtuiError
from logtui.core.line_formats import FieldNames, LineParser
from logtui.core.local_store import LocalStore
from logtui.core.record_builder import RecordBuilder

__all__ = ["FileLoader", "LoadProgress", "Source", "SourceError", "expand_sources"]

_CHUNK = 1 << 20
_FIRST_CHUNK = 1 << 16
_HEAD = 4096
_GZIP_MAGIC = b"\x1f\x8b"


class SourceError(LogtuiError):
    """A FILE argument names nothing readable; the message names it and why."""


@dataclass(frozen=True)
class Source:
    """A file to load, or stdin (path None)."""

    name: str
    path: Path | None


def expand_sources(args: Sequence[str]) -> list[Source]:
    """FILE arguments -> sources: `-` is stdin, a pattern with * ? [ is expanded (sorted).

    Raises SourceError naming the argument that is wrong."""
    out: list[Source] = []
    seen: set[str] = set()
    for arg in args:
        if arg == "-":
            if "-" in seen:
                raise SourceError("`-` (stdin) is given twice")
            seen.add("-")
            out.append(Source("stdin", None))
            continue
        if not Path(arg).exists() and glob.has_magic(arg):
            matches = sorted(glob.glob(arg))
            if not matches:
                raise SourceError(f"{arg}: no file matches this pattern")
            candidates = matches
        else:
            candidates = [arg]
        for name in candidates:
            path = Path(name)
            if path.is_dir():
                raise SourceError(f"{name}: is a directory; give log files (globs like {name}/*.log work)")
            if not path.exists():
                raise SourceError(f"{name}: no such file")
            if not os.access(path, os.R_OK):
                raise SourceError(f"{name}: not readable (permission denied)")
            key = str(path.resolve())
            if key not in seen:
                seen.add(key)
                out.append(Source(name, path))
    return out


@dataclass(frozen=True)
class LoadProgress:
    """A snapshot of the loading, for the status bar and the CLI."""

    sources: int = 0
    bytes_read: int = 0
    bytes_total: int | None = None
    lines: int = 0
    records: int = 0
    no_time: int = 0
    continued: int = 0
    clipped: int = 0
    elapsed: float = 0.0
    #: every source has been read to its end once
    loaded: bool = False
    #: files still watched for new lines after `loaded`
    following: int = 0
    error: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def lines_per_second(self) -> float:
        return self.lines / self.elapsed if self.elapsed > 0 else 0.0

    def summary(self) -> str:
        """One line: "1,000,000 lines · 80.1/80.1 MB · 412,000 lines/s" (+ untimed lines when any)."""
        mb = f"{self.bytes_read / 1e6:.1f}"
        if self.bytes_total:
            mb += f"/{self.bytes_total / 1e6:.1f}"
        parts = [f"{self.lines:,} lines", f"{mb} MB"]
        if not self.loaded or self.elapsed:
            parts.append(f"{self.lines_per_second:,.0f} lines/s")
        if self.no_time:
            parts.append(f"{self.no_time:,} without a time (previous time used)")
        return " · ".join(parts)


@dataclass
class _Tracked:
    source: Source
    key: str | None
    raw: IO[bytes]
    stream: IO[bytes]
    builder: RecordBuilder
    gz: bool
    dev: int = 0
    ino: int = 0
    head: bytes = b""
    buf: bytes = b""
    buf_start: int = 0
    raw_start: int = 0
    last_data: float = field(default_factory=time.monotonic)
    committed: dict[str, Any] | None = None


class FileLoader:
    def __init__(
        self,
        sources: Sequence[Source],
        store_path: Path,
        *,
        fields: FieldNames | None = None,
        follow: bool = True,
        poll_interval: float = 0.25,
        first_batch: int = 1000,
        batch: int = 10_000,
        flush_seconds: float = 0.3,
        stdin: IO[bytes] | None = None,
        hold_after_first_batch: float = 0.0,
    ) -> None:
        self.sources = list(sources)
        self.store_path = Path(store_path)
        self.fields = fields or FieldNames()
        self.follow = follow
        self.poll_interval = poll_interval
        self.first_batch = first_batch
        self.batch = batch
        self.flush_seconds = flush_seconds
        self._stdin = stdin
        #: Seconds to pause after the first batch until resume(): the app's start-up and this thread share
        #: one interpreter lock, so loading flat out would delay the first screen by seconds.
        self.hold_after_first_batch = hold_after_first_batch
        self._go = threading.Event()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.first_batch_done = threading.Event()
        self.loaded_event = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started = 0.0
        self._finished_at: float | None = None
        self._bytes_total: int | None = 0
        self._tracked: list[_Tracked] = []
        self._done_bytes = 0
        self._builders: list[RecordBuilder] = []
        self._error: str | None = None
        self._notes: list[str] = []
        self._following = 0
        self._pending_parts = 0
        self._local = threading.local()
        self._store: LocalStore | None = None

    # --- control -------------------------------------------------------------------------------------------

    def start(self) -> FileLoader:
        """Open the store (raises LocalStoreError) and start reading in the background."""
        self._store = LocalStore(self.store_path)
        self._started = time.monotonic()
        files = [s for s in self.sources if s.path is not None]
        stdin = [s for s in self.sources if s.path is None]
        total = 0
        for s in files:
            assert s.path is not None
            with contextlib.suppress(OSError):
                total += s.path.stat().st_size
        self._bytes_total = None if stdin else total
        parts = [(self._run_files, files)] if files else []
        parts += [(self._run_stdin, stdin)] if stdin else []
        self._pending_parts = len(parts)
        if not parts:
            self._mark_loaded()
        for target, group in parts:
            thread = threading.Thread(
                target=self._guard, args=(target, group), name="logtui-load", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._go.set()
        for thread in self._threads:
            thread.join(timeout)
        if self._store is not None:
            self._store.close()
            self._store = None

    def resume(self) -> None:
        """The first screen is up: load at full speed."""
        self._go.set()

    def wait_first_batch(self, timeout: float | None = None) -> bool:
        return self.first_batch_done.wait(timeout)

    def wait_loaded(self, timeout: float | None = None) -> bool:
        return self.loaded_event.wait(timeout)

    def progress(self) -> LoadProgress:
        with self._lock:
            builders = list(self._builders)
            tracked = list(self._tracked)
            done_bytes = self._done_bytes
            notes = tuple(self._notes)
            error, following = self._error, self._following
        read = done_bytes
        for t in tracked:
            with contextlib.suppress(OSError, ValueError):
                read += t.raw.tell() - t.raw_start
        stats = [b.stats for b in builders]
        end = self._finished_at if self._finished_at is not None else time.monotonic()
        return LoadProgress(
            sources=len(self.sources),
            bytes_read=read,
            bytes_total=self._bytes_total,
            lines=sum(s.lines for s in stats),
            records=sum(s.records for s in stats),
            no_time=sum(s.no_time for s in stats),
            continued=sum(s.continued for s in stats),
            clipped=sum(s.clipped for s in stats),
            elapsed=end - self._started if self._started else 0.0,
            loaded=self.loaded_event.is_set(),
            following=following,
            error=error,
            notes=notes,
        )

    # --- threads ---------------------------------------------------------------------------------------

    def _guard(self, target: Any, group: list[Source]) -> None:
        try:
            target(group)
        except LogtuiError as exc:
            self._fail(exc.title if exc.hint is None else f"{exc.title} — {exc.hint}")
        except OSError as exc:
            self._fail(f"reading failed: {exc.strerror or exc} ({getattr(exc, 'filename', '') or ''})")
        except Exception as exc:  # a bug must still end as a message, not a silent dead thread
            self._fail(f"loading stopped: {type(exc).__name__}: {exc}")
        finally:
            if not getattr(self._local, "passed", False):
                self._part_done()

    def _fail(self, message: str) -> None:
        with self._lock:
            self._error = self._error or message
        self.first_batch_done.set()

    def _note(self, text: str) -> None:
        with self._lock:
            self._notes.append(text)

    def _part_done(self) -> None:
        """One reading thread passed the end of its first pass (or stopped)."""
        with self._lock:
            self._pending_parts -= 1
            last = self._pending_parts == 0
        if last:
            self._mark_loaded()

    def _mark_loaded(self) -> None:
        if not self.loaded_event.is_set():
            self._finished_at = time.monotonic()  # lines/s is the first pass's rate, not diluted by following
            self.loaded_event.set()
            self.first_batch_done.set()

    def _run_files(self, sources: list[Source]) -> None:
        followed: list[_Tracked] = []
        for source in sources:
            if self._stop.is_set():
                return
            assert source.path is not None and self._store is not None
            if not self._store.claim(_key(source.path)):
                self._note(
                    f"{source.name}: another logtui is loading it into this store; "
                    "showing what that one stores"
                )
                continue
            tracked = self._open(source, resume=True)
            follows = self.follow and not tracked.gz
            self._pump(tracked, "pause" if follows else "over")
            if follows:
                followed.append(tracked)
            else:
                self._close(tracked)
        with self._lock:
            self._following = len(followed)
        self._local.passed = True
        self._part_done()
        while followed and not self._stop.wait(self.poll_interval):
            for i, tracked in enumerate(followed):
                followed[i] = self._follow_step(tracked)
        for tracked in followed:
            self._close(tracked)

    def _run_stdin(self, sources: list[Source]) -> None:
        stream = self._stdin if self._stdin is not None else sys.stdin.buffer
        builder = RecordBuilder(LineParser(self.fields), fallback_micros=_now_micros())
        tracked = _Tracked(sources[0], None, stream, stream, builder, gz=False)
        with self._lock:
            self._builders.append(builder)
        self._pump(tracked, "over")
        self._local.passed = True
        self._part_done()

    # --- one file --------------------------------------------------------------------------------------

    def _open(self, source: Source, *, resume: bool) -> _Tracked:
        assert source.path is not None and self._store is not None
        path = source.path
        raw = open(path, "rb")  # closed by _close
        st = os.fstat(raw.fileno())
        gz = os.pread(raw.fileno(), 2, 0) == _GZIP_MAGIC
        stream: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="rb") if gz else raw  # type: ignore[assignment]
        head = stream.read(_HEAD)
        stream.seek(0)
        key = _key(path)
        mtime = int(st.st_mtime * 1_000_000)
        checkpoint = self._store.checkpoint(key) if resume else None
        offset, last_micros = 0, mtime
        if checkpoint is not None:
            try:
                c_offset, c_len = int(checkpoint["offset"]), int(checkpoint["head_len"])
                c_head, c_last = str(checkpoint["head"]), int(checkpoint["last_micros"])
            except (KeyError, TypeError, ValueError):
                c_offset = -1
                c_len, c_head, c_last = 0, "", mtime
            same = c_offset >= 0 and c_len <= len(head) and _digest(head[:c_len]) == c_head
            if same and (gz or c_offset <= st.st_size):
                offset, last_micros = c_offset, c_last
                if offset:
                    self._note(
                        f"{source.name}: already loaded up to byte {offset:,}; reading what was appended"
                    )
            else:
                self._note(
                    f"{source.name}: changed since it was loaded (replaced or truncated); reading it all"
                )
        if offset:
            stream.seek(offset)
        modified = datetime.fromtimestamp(st.st_mtime, UTC)
        builder = RecordBuilder(LineParser(self.fields, newest=modified), fallback_micros=last_micros)
        builder.safe_offset = offset
        builder.safe_last_micros = last_micros
        tracked = _Tracked(
            source, key, raw, stream, builder, gz, st.st_dev, st.st_ino, head, b"", offset, raw.tell()
        )
        with self._lock:
            self._tracked.append(tracked)
            self._builders.append(builder)
        return tracked

    def _close(self, tracked: _Tracked) -> None:
        with self._lock:
            with contextlib.suppress(OSError, ValueError):
                self._done_bytes += tracked.raw.tell() - tracked.raw_start
            if tracked in self._tracked:
                self._tracked.remove(tracked)
        with contextlib.suppress(OSError):
            tracked.stream.close()
            tracked.raw.close()

    def _pump(self, tracked: _Tracked, at_end: str) -> int:
        """Read what is there now and store it; returns how many bytes were read. At the end of the data:
        "over" (nothing more will come: the last line and record end there), "pause" (a followed file: the
        last record ends, a line without its newline waits), "idle" (the last record ends once the file has
        been quiet for half a second: a traceback may still be being written)."""
        rows: list[Row] = []
        builder = tracked.builder
        last_commit = time.monotonic()
        total = 0
        read = getattr(tracked.stream, "read1", tracked.stream.read)
        while not self._stop.is_set():
            # Small reads until the first batch is stored: the first screen waits for it.
            data = read(_CHUNK if self.first_batch_done.is_set() else _FIRST_CHUNK)
            if not data:
                break
            total += len(data)
            tracked.last_data = time.monotonic()
            buf = tracked.buf + data if tracked.buf else data
            lines = buf.split(b"\n")
            tracked.buf = lines.pop()
            pos = tracked.buf_start
            feed = builder.feed
            for raw in lines:
                end = pos + len(raw) + 1
                try:
                    text = raw.decode()
                except UnicodeDecodeError:
                    text = raw.decode("utf-8", "replace")
                feed(text[:-1] if text.endswith("\r") else text, pos, end, rows)
                pos = end
            tracked.buf_start = pos
            limit = self.batch if self.first_batch_done.is_set() else self.first_batch
            if len(rows) >= limit or (rows and time.monotonic() - last_commit >= self.flush_seconds):
                self._commit(tracked, rows)
                rows = []
                last_commit = time.monotonic()
        quiet = time.monotonic() - tracked.last_data >= 0.5
        if at_end != "idle" or (builder.has_pending and quiet):
            if at_end == "over" and tracked.buf:
                # The last line had no newline and nobody will finish it.
                text = tracked.buf.decode("utf-8", "replace").rstrip("\r")
                end = tracked.buf_start + len(tracked.buf)
                builder.feed(text, tracked.buf_start, end, rows)
                tracked.buf, tracked.buf_start = b"", end
            builder.finish(rows, tracked.buf_start)
        self._commit(tracked, rows, force=True)
        return total

    def _commit(self, tracked: _Tracked, rows: list[Row], *, force: bool = False) -> None:
        if not rows and not force:
            return
        assert self._store is not None
        position = None
        if tracked.key is not None:
            builder = tracked.builder
            if len(tracked.head) < _HEAD and not tracked.gz:
                tracked.head = os.pread(tracked.raw.fileno(), _HEAD, 0)
            head_len = min(len(tracked.head), builder.safe_offset)
            position = {
                "offset": builder.safe_offset,
                "head": _digest(tracked.head[:head_len]),
                "head_len": head_len,
                "last_micros": builder.safe_last_micros,
            }
        if not rows and position == tracked.committed:
            return  # a quiet poll: nothing to write
        self._store.commit(rows, {tracked.key: position} if tracked.key and position else None)
        tracked.committed = position
        if rows and not self.first_batch_done.is_set():
            self.first_batch_done.set()
            if self.hold_after_first_batch:
                self._go.wait(self.hold_after_first_batch)

    # --- following -------------------------------------------------------------------------------------

    def _follow_step(self, tracked: _Tracked) -> _Tracked:
        self._pump(tracked, "idle")
        assert tracked.source.path is not None
        try:
            st = os.stat(tracked.source.path)
        except FileNotFoundError:
            return tracked  # rotated away, the new one not created yet: keep reading the old one
        if (st.st_dev, st.st_ino) != (tracked.dev, tracked.ino):
            # Rotated: whatever was still written to the old file first, then the new file from its start.
            self._pump(tracked, "over")
            self._close(tracked)
            self._note(f"{tracked.source.name}: rotated; reading the new file from its start")
            fresh = self._open(tracked.source, resume=False)
            self._pump(fresh, "pause")
            return fresh
        if st.st_size < tracked.buf_start + len(tracked.buf):
            self._note(f"{tracked.source.name}: truncated; reading it again from the start")
            builder = tracked.builder
            rows: list[Row] = []
            builder.finish(rows, tracked.buf_start)  # the record still open belongs to the old content
            with self._lock:
                self._done_bytes += tracked.raw.tell() - tracked.raw_start
            tracked.stream.seek(0)
            tracked.raw_start = 0
            tracked.buf, tracked.buf_start = b"", 0
            builder.safe_offset = 0
            tracked.head = os.pread(tracked.raw.fileno(), _HEAD, 0)
            self._commit(tracked, rows, force=True)
            self._pump(tracked, "pause")
        return tracked


def _key(path: Path) -> str:
    """A file's name in the checkpoints (and claims): its absolute path."""
    return f"file:{path.resolve()}"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _now_micros() -> int:
    return int(time.time() * 1_000_000)
