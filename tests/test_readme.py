"""The README tells the truth: its config example is what logtui writes, its test command is what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

from logtui.core.config import EXAMPLE_CONFIG, parse_config

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _quickstart_commands() -> list[str]:
    block = README.split("## Quickstart", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_quickstart_is_two_commands_and_ci_runs_the_test_one() -> None:
    install_and_run, install_and_test = _quickstart_commands()
    assert install_and_run.endswith("&& logtui")
    assert install_and_test.endswith("&& pytest")
    assert install_and_test in (ROOT / ".ci" / "run").read_text()


def test_the_config_example_is_the_one_logtui_writes_and_it_loads() -> None:
    (example,) = re.findall(r"```toml\n(.*?)```", README, re.S)
    assert example == EXAMPLE_CONFIG
    config = parse_config(example, source="README.md")
    assert [t.name for t in config.targets]


def test_every_screenshot_the_readme_shows_exists() -> None:
    pictures = re.findall(r"\((screenshots/[\w.-]+\.svg)\)", README)
    assert pictures
    for picture in pictures:
        assert (ROOT / picture).is_file(), picture
