"""Service settings, read from the environment (the CLI overrides a few of them with flags)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from log_analyzer.store.location import mask_url, url_problem

#: Lambda's buffered responses stop at 6 MB; leave room for headers and the envelope.
LAMBDA_MAX_RESPONSE_BYTES = 5_000_000
#: Outside Lambda a page is still bounded, so a 10,000-record page of 64 KiB messages cannot eat the RAM.
DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024


class SettingsError(ValueError):
    """An environment variable holds a value we cannot use; the message names it."""


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise SettingsError(f"{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no or on/off")


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a whole number") from None
    if value < 1:
        raise SettingsError(f"{name}={raw!r} must be at least 1")
    return value


def _database_url(env: Mapping[str, str]) -> str | None:
    url = env.get("LOG_ANALYZER_DATABASE_URL", "").strip()
    if not url:
        return None
    if env.get("LOG_ANALYZER_DB", "").strip():
        raise SettingsError(
            "LOG_ANALYZER_DB and LOG_ANALYZER_DATABASE_URL are both set; set only one "
            "(LOG_ANALYZER_DB for an SQLite file, LOG_ANALYZER_DATABASE_URL for PostgreSQL)"
        )
    problem = url_problem(url)
    if problem:
        raise SettingsError(f"LOG_ANALYZER_DATABASE_URL={mask_url(url)!r} {problem}")
    return url


def _positive_float(env: Mapping[str, str], name: str) -> float | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number") from None
    if not value > 0:
        raise SettingsError(f"{name}={raw!r} must be greater than 0")
    return value


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the app needs; `create_app(Settings(...))` in tests, `Settings.from_env()` in production."""

    db_path: Path = Path("logs.db")
    api_key: str | None = None
    read_requires_key: bool = False
    retention_days: float | None = None
    prune_interval_seconds: float = 3600.0
    seed_on_empty: bool = False
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    cursor_secret: str | None = None
    #: Under Lambda the response is re-encoded as a JSON string inside the invocation result, so page sizes
    #: are measured that way.
    lambda_mode: bool = False
    #: PostgreSQL instead of the SQLite file (LOG_ANALYZER_DATABASE_URL); the password is never shown
    database_url: str | None = None
    #: most connections one process opens to PostgreSQL (the Lambda handler keeps one)
    db_pool_size: int = 10
    db_statement_timeout: float = 30.0
    db_connect_timeout: float = 5.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, lambda_mode: bool = False) -> Settings:
        env = os.environ if env is None else env
        default_db = "/tmp/logs.db" if lambda_mode else "logs.db"
        interval = _positive_float(env, "LOG_ANALYZER_PRUNE_INTERVAL_SECONDS")
        return cls(
            db_path=Path(env.get("LOG_ANALYZER_DB") or default_db),
            api_key=env.get("LOG_ANALYZER_API_KEY") or None,
            read_requires_key=_flag(env, "LOG_ANALYZER_READ_REQUIRES_KEY"),
            retention_days=_positive_float(env, "LOG_ANALYZER_RETENTION_DAYS"),
            prune_interval_seconds=interval if interval is not None else 3600.0,
            seed_on_empty=_flag(env, "LOG_ANALYZER_SEED_ON_EMPTY"),
            max_response_bytes=LAMBDA_MAX_RESPONSE_BYTES if lambda_mode else DEFAULT_MAX_RESPONSE_BYTES,
            cursor_secret=env.get("LOG_ANALYZER_CURSOR_SECRET") or None,
            lambda_mode=lambda_mode,
            database_url=_database_url(env),
            db_pool_size=_positive_int(env, "LOG_ANALYZER_DB_POOL_SIZE", 10),
            db_statement_timeout=_positive_float(env, "LOG_ANALYZER_DB_STATEMENT_TIMEOUT_SECONDS") or 30.0,
            db_connect_timeout=_positive_float(env, "LOG_ANALYZER_DB_CONNECT_TIMEOUT_SECONDS") or 5.0,
        )

    def with_db(self, db_path: Path | str | None) -> Settings:
        if db_path is None:
            return self
        if self.database_url:
            raise SettingsError(
                f"--db {db_path} and LOG_ANALYZER_DATABASE_URL are both given; use one "
                "(--db for an SQLite file, LOG_ANALYZER_DATABASE_URL for PostgreSQL)"
            )
        return replace(self, db_path=Path(db_path))

    @property
    def store_name(self) -> str:
        """Where the records live, fit to print: the SQLite path or the URL with its password masked."""
        return mask_url(self.database_url) if self.database_url else str(self.db_path)
