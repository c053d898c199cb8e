"""The log store: one interface, two backends (SQLite in a file, PostgreSQL for many instances).

`open_store(settings)` picks the backend from the settings; everything else talks to the object it returns.
"""

from __future__ import annotations

from log_analyzer.store.common import (
    Bounds,
    Bucket,
    Order,
    PageRows,
    Query,
    Row,
    StatsResult,
    StoreError,
    StoreUnavailable,
    render_bound,
)
from log_analyzer.store.opening import LogStore, open_store
from log_analyzer.store.sqlite import SqliteStore, Store

__all__ = [
    "Bounds",
    "Bucket",
    "LogStore",
    "Order",
    "PageRows",
    "Query",
    "Row",
    "SqliteStore",
    "StatsResult",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "open_store",
    "render_bound",
]
