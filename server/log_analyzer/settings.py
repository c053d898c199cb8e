"""Service settings, read from the environment (the CLI overrides a few of them with flags).

Every value is checked when the service starts, with its range: a bad one is one line naming the variable and
what to set, never a traceback at the first prune or the first request. Auth settings fail closed: a
contradictory or empty one refuses to start instead of serving without a key.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from log_analyzer.store.location import mask_url, url_problem

#: Lambda's buffered responses stop at 6 MB (6,291,456 bytes); leave room for headers and the envelope.
LAMBDA_MAX_RESPONSE_BYTES = 5_000_000
#: Outside Lambda a page is still bounded, so a 10,000-record page of 64 KiB messages cannot eat the RAM.
DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024

#: (lowest, highest) accepted for each numeric setting; the highest keep the arithmetic in range (100 years
#: of retention in microseconds still fits SQLite's 64-bit integers).
RETENTION_DAYS_RANGE = (0.000_001, 36_500.0)
PRUNE_INTERVAL_RANGE = (1.0, 7 * 86_400.0)
BUSY_TIMEOUT_RANGE = (0.05, 600.0)
DEFAULT_BUSY_TIMEOUT_SECONDS = 10.0
#: PostgreSQL: how long a query may run, and how long to wait for a connection
STATEMENT_TIMEOUT_RANGE = (0.1, 3600.0)
CONNECT_TIMEOUT_RANGE = (1.0, 120.0)

Sync = Literal["full", "normal"]
SYNC_CHOICES: tuple[Sync, ...] = ("full", "normal")


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


def check_range(name: str, value: float, bounds: tuple[float, float], unit: str) -> float:
    """`value` when finite and within `bounds`, else SettingsError naming `name` and the range."""
    lo, hi = bounds
    if not math.isfinite(value) or not lo <= value <= hi:
        raise SettingsError(f"{name}={value:g} is out of range; use a number of {unit} from {lo:g} to {hi:g}")
    return value


def _number(env: Mapping[str, str], name: str, bounds: tuple[float, float], unit: str) -> float | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number; use a number of {unit}") from None
    return check_range(name, value, bounds, unit)


def _api_key(env: Mapping[str, str]) -> str | None:
    if "LOG_ANALYZER_API_KEY" not in env:
        return None
    key = env["LOG_ANALYZER_API_KEY"]
    if not key.strip():
        raise SettingsError(
            "LOG_ANALYZER_API_KEY is set but empty; set it to a key (e.g. `openssl rand -hex 32`) or unset "
            "it to run without one"
        )
    if key != key.strip():
        raise SettingsError("LOG_ANALYZER_API_KEY starts or ends with whitespace; set the key without it")
    return key


def _sync(env: Mapping[str, str]) -> Sync:
    raw = env.get("LOG_ANALYZER_SYNC", "").strip().lower() or "full"
    for choice in SYNC_CHOICES:
        if raw == choice:
            return choice
    raise SettingsError(
        f"LOG_ANALYZER_SYNC={raw!r} is not a durability level; use full (a 201 survives a power loss) "
        "or normal (a 201 survives a crash of the service, not of the machine)"
    )


def _hosts(env: Mapping[str, str]) -> tuple[str, ...]:
    raw = env.get("LOG_ANALYZER_ALLOWED_HOSTS", "")
    hosts = tuple(h.strip().lower() for h in raw.split(",") if h.strip())
    for host in hosts:
        if host != "*" and ("/" in host or any(c.isspace() for c in host)):
            raise SettingsError(
                f"LOG_ANALYZER_ALLOWED_HOSTS has {host!r}, which is not a host name; list names such as "
                "logs.example.com or .example.com (a leading dot allows subdomains), or * for any host"
            )
    return hosts


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
    #: full: a 201 means the records are on disk (fsync at each commit); normal: they survive a crash of the
    #: service but the last commits can be lost when the machine loses power.
    sync: Sync = "full"
    busy_timeout_seconds: float = DEFAULT_BUSY_TIMEOUT_SECONDS
    #: Host names answered besides loopback and AWS endpoints ("*" = any), while reads need no key.
    allowed_hosts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.read_requires_key and self.api_key is None:
            raise SettingsError(
                "LOG_ANALYZER_READ_REQUIRES_KEY=1 but LOG_ANALYZER_API_KEY is not set: set "
                "LOG_ANALYZER_API_KEY to a key, or unset LOG_ANALYZER_READ_REQUIRES_KEY"
            )
        if self.api_key is not None and not self.api_key.strip():
            raise SettingsError("LOG_ANALYZER_API_KEY is empty; set it to a key or leave it unset")
        if self.retention_days is not None:
            check_range("LOG_ANALYZER_RETENTION_DAYS", self.retention_days, RETENTION_DAYS_RANGE, "days")
        interval = self.prune_interval_seconds
        check_range("LOG_ANALYZER_PRUNE_INTERVAL_SECONDS", interval, PRUNE_INTERVAL_RANGE, "seconds")
        check_range(
            "LOG_ANALYZER_BUSY_TIMEOUT_SECONDS", self.busy_timeout_seconds, BUSY_TIMEOUT_RANGE, "seconds"
        )
        if self.sync not in SYNC_CHOICES:
            raise SettingsError(f"sync={self.sync!r}; use full or normal")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, lambda_mode: bool = False) -> Settings:
        env = os.environ if env is None else env
        default_db = "/tmp/logs.db" if lambda_mode else "logs.db"
        interval = _number(env, "LOG_ANALYZER_PRUNE_INTERVAL_SECONDS", PRUNE_INTERVAL_RANGE, "seconds")
        busy = _number(env, "LOG_ANALYZER_BUSY_TIMEOUT_SECONDS", BUSY_TIMEOUT_RANGE, "seconds")
        return cls(
            db_path=Path(env.get("LOG_ANALYZER_DB") or default_db),
            api_key=_api_key(env),
            read_requires_key=_flag(env, "LOG_ANALYZER_READ_REQUIRES_KEY"),
            retention_days=_number(env, "LOG_ANALYZER_RETENTION_DAYS", RETENTION_DAYS_RANGE, "days"),
            prune_interval_seconds=interval if interval is not None else 3600.0,
            seed_on_empty=_flag(env, "LOG_ANALYZER_SEED_ON_EMPTY"),
            max_response_bytes=LAMBDA_MAX_RESPONSE_BYTES if lambda_mode else DEFAULT_MAX_RESPONSE_BYTES,
            cursor_secret=env.get("LOG_ANALYZER_CURSOR_SECRET") or None,
            lambda_mode=lambda_mode,
            database_url=_database_url(env),
            db_pool_size=_positive_int(env, "LOG_ANALYZER_DB_POOL_SIZE", 10),
            db_statement_timeout=_number(
                env, "LOG_ANALYZER_DB_STATEMENT_TIMEOUT_SECONDS", STATEMENT_TIMEOUT_RANGE, "seconds"
            )
            or 30.0,
            db_connect_timeout=_number(
                env, "LOG_ANALYZER_DB_CONNECT_TIMEOUT_SECONDS", CONNECT_TIMEOUT_RANGE, "seconds"
            )
            or 5.0,
            sync=_sync(env),
            busy_timeout_seconds=busy if busy is not None else DEFAULT_BUSY_TIMEOUT_SECONDS,
            allowed_hosts=_hosts(env),
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

    @property
    def reads_are_open(self) -> bool:
        """Whether /logs and /stats answer without a key (then the Host guard protects them)."""
        return self.api_key is None or not self.read_requires_key
