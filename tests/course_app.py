"""The course's original log-analyzer, as students have it: the target logtui must work against in full.

FastAPI over SQLite with one endpoint, `GET /logs`, whose `start_time` and `end_time` are *required*
datetimes (FastAPI answers 422 "Field required" without them), answered through pydantic response models
(`LogEntry`, `LogList`). No cursor, no `limit`, no tag or text filter, no `/stats`, no `/health`, no POST.

The tests run it as a real uvicorn server on 127.0.0.1 in a child process (`python -m tests.course_app
--db FILE --port N`); the fixture writes the SQLite file before and while it runs (the course seeded its
database with a script, not through the API).
"""

from __future__ import annotations

import argparse
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI
from pydantic import BaseModel

SCHEMA = "CREATE TABLE IF NOT EXISTS logs (timestamp TEXT NOT NULL, tag TEXT NOT NULL, message TEXT NOT NULL)"


class LogEntry(BaseModel):
    timestamp: datetime
    tag: str
    message: str


class LogList(BaseModel):
    logs: list[LogEntry]


def create_app(db_path: Path) -> FastAPI:
    app = FastAPI(title="log-analyzer (course original)")

    @app.get("/logs", response_model=LogList)
    def get_logs(start_time: datetime, end_time: datetime) -> LogList:
        with sqlite3.connect(db_path) as conn:
            rows = conn.execute(
                "SELECT timestamp, tag, message FROM logs WHERE timestamp BETWEEN ? AND ? ORDER BY timestamp",
                (start_time.isoformat(), end_time.isoformat()),
            ).fetchall()
        return LogList(logs=[LogEntry(timestamp=t, tag=g, message=m) for t, g, m in rows])

    return app


def insert(db_path: Path, records: Iterable[Mapping[str, str]]) -> None:
    """Write records straight into the database, as the course's seed script did."""
    with sqlite3.connect(db_path) as conn:
        conn.execute(SCHEMA)
        conn.executemany(
            "INSERT INTO logs (timestamp, tag, message) VALUES (?, ?, ?)",
            [(r["timestamp"], r["tag"], r["message"]) for r in records],
        )


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    insert(args.db, [])
    uvicorn.run(create_app(args.db), host="127.0.0.1", port=args.port, log_level="info")


if __name__ == "__main__":
    main()
