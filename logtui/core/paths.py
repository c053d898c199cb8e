"""Every path logtui writes to or reads from the user's machine, in one place.

Resolved on each call (not at import) so tests that point XDG_* at a temp dir, and users who change them, are
honoured without reloading the module.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

from logtui.core.errors import DirectoryUnusable

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


def own_logs_store_path() -> Path:
    """The SQLite store `logtui FILE…` and `logtui collect` write to (unless --store names another): your
    own logs, kept apart from the local service's store. Delete the file to clear it."""
    return data_dir() / "own-logs" / "logs.db"


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def state_dir() -> Path:
    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def state_file() -> Path:
    """What logtui remembers between runs that is not configuration (the last pushed image reference)."""
    return state_dir() / "state.json"


def ensure_dir(path: Path) -> Path:
    """Create `path` (a directory) with user-only permissions if missing; return it."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise DirectoryUnusable(
            f"Cannot create the directory {path}: {exc.strerror or exc}",
            "logtui keeps its config, data and cache under XDG_CONFIG_HOME / XDG_DATA_HOME / XDG_CACHE_HOME "
            "(or the platform's defaults): make that place writable, or point the variable at one that is.",
        ) from None
    return path
