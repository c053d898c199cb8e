"""log-analyzer: a FastAPI service over SQLite that stores and answers time-ranged log records."""

__version__ = "0.1.0"
