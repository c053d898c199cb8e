"""The store your own logs go into (files, stdin, containers): the log-analyzer's SQLite file, written here
through the service's own `Store.insert`, plus a table of checkpoints ("how far each source got").

A batch and its source's checkpoint are committed in ONE transaction, so a loader or collector killed at any
instant restarts exactly where the store says it stopped: nothing lost, nothing stored twice. The app reads
the same file through the embedded log-analyzer (WAL: readers and this writer don't block each other).

Blocking: call from threads.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from log_analyzer.store import Row, Store, StoreError

from logtui.core import paths
from logtui.core.errors import LogtuiError

__all__ = ["CHECKPOINT_TABLE", "LocalStore", "LocalStoreError", "default_store_path"]

#: the checkpoints' table, in the same file as the records (named in full in the SQL below)
CHECKPOINT_TABLE = "logtui_sources"
_CREATE = """CREATE TABLE IF NOT EXISTS logtui_sources (
    source TEXT PRIMARY KEY,
    position TEXT NOT NULL
)"""
_UPSERT = (
    "INSERT INTO logtui_sources (source, position) VALUES (?, ?) "
    "ON CONFLICT(source) DO UPDATE SET position = excluded.position"
)


class LocalStoreError(LogtuiError):
    """The store file cannot be opened or written; the message names it."""


def default_store_path() -> Path:
    """Where `logtui FILE…` and `logtui collect` keep records unless --store says otherwise."""
    return paths.own_logs_store_path()


class LocalStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._claims: dict[str, int] = {}
        try:
            self.store = Store(self.path)
        except StoreError as exc:
            raise LocalStoreError(
                str(exc).replace("database", "store", 1),
                "Pick another file with --store, or remove this one to start afresh.",
            ) from None
        self._reader = sqlite3.connect(self.path, timeout=30.0, check_same_thread=False)
        try:
            self._reader.execute(_CREATE)
            self._reader.commit()
        except sqlite3.Error as exc:
            self.close()
            raise LocalStoreError(f"cannot prepare the store {self.path}: {exc}") from None

    def claim(self, source: str) -> bool:
        """Hold `source` (a file, a container's stream) until close(): two logtuis reading the same source
        into one store would each store its lines. False when another one holds it.

        An flock on a small file next to the store: the kernel lets go when the holder exits, even on
        SIGKILL."""
        if source in self._claims:
            return True
        try:
            import fcntl
        except ImportError:  # no flock on this platform: nothing to guard with
            return True
        folder = self.path.with_name(self.path.name + ".claims")
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
            fd = os.open(
                folder / hashlib.sha256(source.encode()).hexdigest()[:32], os.O_RDWR | os.O_CREAT, 0o600
            )
        except OSError:
            return True  # cannot guard (read-only folder): reading is still right when alone
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._claims[source] = fd
        return True

    def checkpoint(self, source: str) -> dict[str, Any] | None:
        row = self._reader.execute(
            "SELECT position FROM logtui_sources WHERE source = ?", (source,)
        ).fetchone()
        self._reader.rollback()  # end the read transaction: the next read sees new commits
        if row is None:
            return None
        try:
            value = json.loads(row[0])
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def commit(self, rows: Sequence[Row], checkpoints: Mapping[str, dict[str, Any]] | None = None) -> int:
        """Store `rows` and, in the same transaction, each source's new checkpoint. All or nothing."""
        also = [
            (_UPSERT, (source, json.dumps(position, separators=(",", ":"))))
            for source, position in (checkpoints or {}).items()
        ]
        try:
            return self.store.insert(rows, also)
        except sqlite3.Error as exc:
            raise LocalStoreError(f"writing to the store {self.path} failed: {exc}") from None

    def count(self) -> int:
        return self.store.count()

    def close(self) -> None:
        for fd in self._claims.values():
            os.close(fd)  # closing the descriptor releases its flock
        self._claims.clear()
        self._reader.close()
        self.store.close()
