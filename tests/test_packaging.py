"""The wheel users install must carry everything the app needs at run time, image build files included."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_both_packages_and_the_image_build_files(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("logtui-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "logtui/_docker/docker/Dockerfile" in names
    assert "logtui/_docker/docker/requirements-server.txt" in names
    assert "logtui/_docker/docker/Dockerfile.lambda" in names  # logtui push --lambda from a wheel
    assert "log_analyzer/app.py" in names and "log_analyzer/record.py" in names
    assert "logtui/ui/styles/app.tcss" in names
    assert not any(n.startswith(("server/", "tests/", "docker/")) for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "logtui = logtui.cli:main" in text and "log-analyzer = log_analyzer.cli:main" in text
