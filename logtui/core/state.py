"""Small things logtui remembers between runs (not settings: those live in the config file).

JSON at `paths.state_file()`. A missing or unreadable file means nothing is remembered: losing it costs a
retyped value, never a failed start. Writes are atomic (temp file + rename).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from logtui.core import paths

#: The last image reference pushed, per image ("service", "lambda").
PUSH_REFERENCE = "push.reference.{kind}"


def load_state(path: Path | None = None) -> dict[str, str]:
    path = path or paths.state_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, str)}


def remember(key: str, value: str, path: Path | None = None) -> None:
    """Store `key` = `value`; a failure to write is ignored (remembering is a convenience)."""
    path = path or paths.state_file()
    state = load_state(path)
    state[key] = value
    tmp: str | None = None
    try:
        paths.ensure_dir(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(state, fh, indent=2, sort_keys=True)
        os.replace(tmp, path)
        tmp = None
    except OSError:
        pass
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
