"""What the command line (or a test) asks the app for: its options, kept apart from the factory and the app
so that both can import them without importing each other."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from logtui.ui.target_choice import UrlFlags


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class AppOptions:
    """What the command line (or a test) asks for. Raw strings: the app parses them against its own clock."""

    url: str | None = None
    start: str | None = None
    end: str | None = None
    profile: str | None = None
    config_path: Path | None = None
    runtime: str | None = None
    #: For --url: the env variable holding the bearer token (its name, never the token) and the timeout.
    token_env: str | None = None
    timeout: float | None = None
    #: For --url: sign with AWS SigV4 (--aws-iam), with this profile and region (None = the defaults).
    aws_iam: bool = False
    aws_profile: str | None = None
    aws_region: str | None = None
    #: The clock for presets and relative times; tests pin it so windows are deterministic.
    now: Callable[[], datetime] | None = None
    #: Your own logs: the SQLite store to open (through the embedded service) instead of a target.
    store: Path | None = None
    #: FILE arguments to load into `store` (the CLI starts the loader), whether to follow them, and the JSON
    #: field names given by --json-time/--json-level/--json-message.
    files: tuple[str, ...] = ()
    follow: bool = True
    json_fields: tuple[str | None, str | None, str | None] = (None, None, None)
    #: The running loader (a logtui.core.file_loader.FileLoader) whose progress the app shows.
    loader: Any = None
    #: A local runtime already starting (the CLI starts the embedded service over `store` early).
    local_runtime: Any = None

    def clock(self) -> Callable[[], datetime]:
        return self.now or utc_now

    @property
    def url_flags(self) -> UrlFlags:
        return UrlFlags(self.token_env, self.timeout, self.aws_iam, self.aws_profile, self.aws_region)
