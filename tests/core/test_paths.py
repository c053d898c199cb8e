from __future__ import annotations

from pathlib import Path

import pytest

from logtui.core import paths
from logtui.core.errors import DirectoryUnusable


def test_paths_follow_xdg_dirs(isolated_user_dirs: Path) -> None:
    assert paths.config_file() == isolated_user_dirs / "config" / "logtui" / "config.toml"
    assert paths.config_dir() == isolated_user_dirs / "config" / "logtui"
    assert paths.data_dir() == isolated_user_dirs / "data" / "logtui"
    assert paths.embedded_db_path().is_relative_to(paths.data_dir())
    assert paths.embedded_db_path().name == "logs.db"
    assert paths.cache_dir() == isolated_user_dirs / "cache" / "logtui"


def test_paths_are_resolved_per_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "elsewhere"))
    assert paths.config_file() == tmp_path / "elsewhere" / "logtui" / "config.toml"


def test_ensure_dir_creates_private_dir(tmp_path: Path) -> None:
    d = paths.ensure_dir(tmp_path / "a" / "b")
    assert d.is_dir()
    assert (d.stat().st_mode & 0o777) == 0o700


def test_ensure_dir_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(DirectoryUnusable) as info:
        paths.ensure_dir(blocker / "logtui")
    assert str(blocker / "logtui") in info.value.title
    assert info.value.hint and "XDG_DATA_HOME" in info.value.hint
    assert isinstance(info.value, OSError)  # save_config's OSError handling still applies
