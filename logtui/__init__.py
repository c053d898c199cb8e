"""logtui: a terminal UI for the log-analyzer service."""

__version__ = "0.1.0"
