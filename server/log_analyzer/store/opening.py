"""Choosing the backend: LOG_ANALYZER_DATABASE_URL means PostgreSQL, otherwise an SQLite file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from log_analyzer.store.common import Bounds, Order, PageRows, Query, Row, StatsResult

if TYPE_CHECKING:
    from log_analyzer.settings import Settings
    from log_analyzer.store.sqlite import UpgradeProgress


class LogStore(Protocol):
    """What the service, the CLI and the pruner use; `SqliteStore` and `PostgresStore` both provide it."""

    #: "sqlite" or "postgresql", as /health reports it
    backend: str
    #: the file path, or the URL with its password masked
    location: str
    #: True when this open created the store (a new SQLite file)
    created: bool
    #: rows indexed by an in-place upgrade during this open
    upgraded: int

    def close(self) -> None: ...
    def insert(self, rows: Sequence[Row]) -> int: ...
    def insert_missing(self, rows: Sequence[Row]) -> int: ...
    def prune_before(self, cutoff: int) -> int: ...
    def meta(self, key: str) -> object: ...
    def bounds(self) -> Bounds: ...
    def page_rows(
        self, query: Query, *, limit: int, order: Order = "asc", after: tuple[int, int] | None = None
    ) -> PageRows: ...
    def stats(self, query: Query, *, start: int, end: int, buckets: int) -> StatsResult: ...
    def count(self) -> int: ...
    def is_empty(self) -> bool: ...


def open_store(
    settings: Settings, *, upgrade_progress: UpgradeProgress | None = None, pool_size: int | None = None
) -> LogStore:
    """The store the settings name; StoreError (one clear sentence, no password) when it cannot open."""
    if settings.database_url:
        from log_analyzer.store.postgres import PostgresStore

        return PostgresStore(
            settings.database_url,
            pool_size=pool_size or (1 if settings.lambda_mode else settings.db_pool_size),
            statement_timeout=settings.db_statement_timeout,
            connect_timeout=settings.db_connect_timeout,
        )
    from log_analyzer.store.sqlite import SqliteStore

    return SqliteStore(
        settings.db_path,
        upgrade_progress=upgrade_progress,
        sync=settings.sync,
        busy_timeout=settings.busy_timeout_seconds,
    )
