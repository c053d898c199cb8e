"""Every path logtui writes to or reads from the user's machine, in one place.

Resolved on each call (not at import) so tests that point XDG_* at a temp dir, and users who change them, are
honoured without reloading the module.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "logtui"


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def config_file() -> Path:
    return config_dir() / "config.toml"


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def embedded_db_path() -> Path:
    """The SQLite file the embedded runtime (no Docker) serves from."""
    return data_dir() / "embedded" / "logs.db"


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def ensure_dir(path: Path) -> Path:
    """Create `path` (a directory) with user-only permissions if missing; return it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
