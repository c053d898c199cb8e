"""What the command line (or a test) asks the app for: its options, kept apart from the factory and the app
so that both can import them without importing each other."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


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

    def clock(self) -> Callable[[], datetime]:
        return self.now or utc_now
