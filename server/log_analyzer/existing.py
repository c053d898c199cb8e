"""`ingest --skip-existing`: leave out the lines whose record was already stored before this run started.

Made for re-running an ingest that was interrupted (killed, disk full, Ctrl-C): the batches it committed are
found again and skipped, the rest is added, so every line ends up stored exactly once. Matching is by
(timestamp, tag, message) and counts copies: a file that repeats a line keeps each repeat unless the store
already held that many copies. Only records stored before the run count, so repeats within the file are never
taken for duplicates of each other.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from log_analyzer.store import Row

if TYPE_CHECKING:
    from log_analyzer.settings import Settings


class ExistingRecords:
    def __init__(self, settings: Settings) -> None:
        self._conn: Any
        if settings.database_url:
            import psycopg

            # its own read-only session: what the store held when the run started
            self._conn = psycopg.connect(settings.database_url, autocommit=True, connect_timeout=10)
            self._conn.read_only = True
            self._mark = "%s"
        else:
            # read-only, and a URI built from the absolute path so '?', '#' or '%' in a file name stay literal
            uri = f"{settings.db_path.resolve().as_uri()}?mode=ro"
            self._conn = sqlite3.connect(uri, uri=True, timeout=30.0)
            self._mark = "?"
        first, last, top = self._conn.execute("SELECT MIN(ts), MAX(ts), MAX(id) FROM logs").fetchone()
        self._top = int(top or 0)
        self._first = first
        self._last = last
        #: copies of a record already matched by earlier lines of this run
        self._matched: dict[tuple[int, str, str], int] = {}
        self.skipped = 0

    def _stored(self, row: Row) -> int:
        if not self._top or row[0] < self._first or row[0] > self._last:
            return 0  # nothing stored before, or outside the stored span: no query needed
        sql = "SELECT COUNT(*) FROM logs WHERE ts = ? AND tag = ? AND message = ? AND id <= ?"
        found = self._conn.execute(
            sql.replace("?", self._mark), (row[0], row[2], row[3], self._top)
        ).fetchone()[0]
        return int(found)

    def new_rows(self, rows: Sequence[Row]) -> list[Row]:
        """The rows of a batch not matched by a stored copy."""
        fresh: list[Row] = []
        for row in rows:
            stored = self._stored(row)
            key = (row[0], row[2], row[3])
            if stored and self._matched.get(key, 0) < stored:
                self._matched[key] = self._matched.get(key, 0) + 1
                self.skipped += 1
            else:
                fresh.append(row)
        return fresh

    def close(self) -> None:
        self._conn.close()
