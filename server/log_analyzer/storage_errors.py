"""What an SQLite failure means to the operator and to a client: one sentence, and an HTTP status.

Disk full is 507 (retrying will not help until space is freed); locked, read-only, damaged or unreadable
storage is 503 with Retry-After. Either way the client gets JSON, never a 500 or a traceback, and the
transaction that failed was rolled back, so nothing of the request was kept.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def _name(exc: sqlite3.Error) -> str:
    return str(getattr(exc, "sqlite_errorname", "") or "")


def reason(exc: sqlite3.Error, *, busy_timeout: float | None = None, path: Path | None = None) -> str:
    """Why the database could not be used, for a startup error line or a 5xx detail."""
    name = _name(exc)
    text = str(exc)
    if path is not None and path.parent.is_dir() and not os.access(path.parent, os.W_OK):
        return (
            f"its folder {path.parent} is read-only; the service must be able to write the database and its "
            "-wal/-shm files there (mount the data folder read-write)"
        )
    if name == "SQLITE_FULL" or "disk is full" in text:
        return "the disk holding the database is full; free some space (or prune old records)"
    if name.startswith("SQLITE_BUSY") or "locked" in text:
        waited = f" for longer than the busy timeout ({busy_timeout:g} s)" if busy_timeout else ""
        return (
            f"the database is locked by another process{waited}; stop the other writer "
            "(or raise LOG_ANALYZER_BUSY_TIMEOUT_SECONDS)"
        )
    if name.startswith("SQLITE_READONLY") or "readonly" in text:
        return (
            "the database or its folder is read-only; the service must be able to write the file and its "
            "-wal/-shm files next to it"
        )
    if name == "SQLITE_NOTADB" or "not a database" in text:
        return "it is not an SQLite database (or it is encrypted); point LOG_ANALYZER_DB at another file"
    if name == "SQLITE_CORRUPT" or "malformed" in text:
        return "the database file is damaged (malformed); restore a backup or move the file aside"
    if name.startswith("SQLITE_CANTOPEN") or "unable to open" in text:
        return "the file cannot be opened or created; check that its folder exists and is writable"
    if name.startswith("SQLITE_IOERR") or "disk I/O error" in text:
        return f"the storage failed ({text}); check the disk, or free some space if it is full"
    return text


def status(exc: sqlite3.Error) -> int:
    name = _name(exc)
    if name == "SQLITE_FULL" or "disk is full" in str(exc):
        return 507
    return 503


def passes(exc: sqlite3.Error) -> bool:
    """Whether retrying may help without anyone acting: a lock held elsewhere or a passing I/O error, not a
    full disk, a read-only folder or a damaged file."""
    name = _name(exc)
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_IOERR")) or "locked" in str(exc)
